/**
 * The controller manager: shared informers for its whole life, and — only while it holds the
 * leader Lease — the controllers. Losing the Lease stops every controller (their handlers are
 * detached and queues shut down); winning it again starts fresh ones over the warm caches.
 */
import { hostname } from 'node:os';
import type { KubeClient } from '../../lib/client/index.js';
import { createLogger, type Logger } from '../../lib/obs/index.js';
import { type Clock, realClock } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, SharedInformers } from './context.js';
import { type CronJobControllerOptions, cronJobController } from './cronjob.js';
import { daemonSetController } from './daemonset.js';
import { deploymentController } from './deployment.js';
import { endpointSliceController } from './endpointslice.js';
import { garbageCollector } from './gc.js';
import { type JobControllerOptions, jobController } from './job.js';
import { runLeaderElection } from './leader-election.js';
import { type NodeIpamOptions, nodeIpamController } from './node-ipam.js';
import { type NodeLifecycleOptions, nodeLifecycleController } from './node-lifecycle.js';
import { replicaSetController } from './replicaset.js';
import { serviceRepairController } from './service-repair.js';
import { ttlAfterFinishedController } from './ttl-after-finished.js';

/** Every controller, in start order. */
export const CONTROLLERS = [
  'deployment',
  'replicaset',
  'daemonset',
  'endpointslice',
  'nodeipam',
  'nodelifecycle',
  'servicerepair',
  'job',
  'cronjob',
  'ttlafterfinished',
  'garbagecollector',
] as const;
/** A controller name. */
export type ControllerName = (typeof CONTROLLERS)[number];

/** Leader election timing. */
export interface LeaderElectionConfig {
  readonly namespace?: string;
  readonly name?: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Give the Lease up on a clean stop (default true); false behaves like a crash. */
  readonly releaseOnCancel?: boolean;
}

/** Options of `ControllerManager`. */
export interface ControllerManagerOptions {
  readonly client: KubeClient;
  /** Unique per process (default hostname + pid + random). */
  readonly identity?: string;
  /** `false` runs the controllers at once without a Lease (a single instance). */
  readonly leaderElection?: LeaderElectionConfig | false;
  readonly controllers?: readonly ControllerName[];
  readonly nodeIpam?: NodeIpamOptions;
  readonly nodeLifecycle?: NodeLifecycleOptions;
  readonly job?: JobControllerOptions;
  readonly cronJob?: CronJobControllerOptions;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** A controller manager process. */
export class ControllerManager {
  readonly #o: ControllerManagerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly informers: SharedInformers;
  readonly identity: string;
  #leading = false;
  #terms = 0;

  constructor(options: ControllerManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = options.logger ?? createLogger({ component: 'controller-manager', level: 'warn' });
    this.identity =
      options.identity ?? `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    this.informers = new SharedInformers(options.client, { clock: this.#clock, logger: this.#log });
  }

  /** True while this instance runs the controllers. */
  get leading(): boolean {
    return this.#leading;
  }

  /** How many times this instance became leader. */
  get terms(): number {
    return this.#terms;
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = this.informers.run(signal);
    const le = this.#o.leaderElection;
    try {
      if (le === false) await this.#lead(signal);
      else
        await runLeaderElection(
          {
            client: this.#o.client,
            namespace: le?.namespace ?? 'kube-system',
            name: le?.name ?? 'kube-controller-manager',
            identity: this.identity,
            ...(le?.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
            ...(le?.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
            ...(le?.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
            ...(le?.releaseOnCancel !== undefined ? { releaseOnCancel: le.releaseOnCancel } : {}),
            clock: this.#clock,
            logger: this.#log,
            onStartedLeading: (s) => this.#lead(s),
          },
          signal,
        );
    } finally {
      await informers;
    }
  }

  async #lead(signal: AbortSignal): Promise<void> {
    await this.informers.waitForSync(signal).catch(() => undefined);
    if (signal.aborted) return;
    this.#leading = true;
    this.#terms += 1;
    this.#log.info('starting controllers', { identity: this.identity });
    const ctx: ControllerContext = {
      client: this.#o.client,
      informers: this.informers,
      logger: this.#log,
      clock: this.#clock,
    };
    const enabled = new Set(this.#o.controllers ?? CONTROLLERS);
    const started: RunningController[] = [];
    const make: Record<ControllerName, () => RunningController> = {
      deployment: () => deploymentController(ctx),
      replicaset: () => replicaSetController(ctx),
      daemonset: () => daemonSetController(ctx),
      endpointslice: () => endpointSliceController(ctx),
      nodeipam: () => nodeIpamController(ctx, this.#o.nodeIpam ?? {}),
      nodelifecycle: () => nodeLifecycleController(ctx, this.#o.nodeLifecycle ?? {}),
      servicerepair: () => serviceRepairController(ctx),
      job: () => jobController(ctx, this.#o.job ?? {}),
      cronjob: () => cronJobController(ctx, this.#o.cronJob ?? {}),
      ttlafterfinished: () => ttlAfterFinishedController(ctx),
      garbagecollector: () => garbageCollector(ctx),
    };
    for (const name of CONTROLLERS) if (enabled.has(name)) started.push(make[name]());
    try {
      await Promise.all(started.map((c) => c.controller.run(signal)));
    } finally {
      for (const c of started) c.detach();
      this.#leading = false;
      this.#log.info('controllers stopped', { identity: this.identity });
    }
  }
}
