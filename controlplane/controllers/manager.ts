/**
 * The controller manager: shared informers for its whole life, and — only while it holds the
 * leader Lease — the controllers. Losing the Lease stops every controller (their handlers are
 * detached and queues shut down); winning it again starts fresh ones over the warm caches.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { KubeClient } from '../../lib/client/index.js';
import { runLeaderElection } from '../../lib/component/index.js';
import { createLogger, type Logger } from '../../lib/obs/index.js';
import { type Clock, realClock } from '../../lib/reconcile/index.js';
import { clusterRoleAggregationController } from './clusterrole-aggregation.js';
import { type ControllerContext, type RunningController, SharedInformers } from './context.js';
import { type CronJobControllerOptions, cronJobController } from './cronjob.js';
import { daemonSetController } from './daemonset.js';
import { deploymentController } from './deployment.js';
import { disruptionController } from './disruption.js';
import { endpointSliceController } from './endpointslice.js';
import { garbageCollector } from './gc.js';
import { type JobControllerOptions, jobController } from './job.js';
import { type NamespaceControllerOptions, namespaceController } from './namespace.js';
import { type NodeIpamOptions, nodeIpamController } from './node-ipam.js';
import { type NodeLifecycleOptions, nodeLifecycleController } from './node-lifecycle.js';
import { replicaSetController } from './replicaset.js';
import { rootCaPublisher } from './root-ca-publisher.js';
import { ServiceAccountClients } from './sa-credentials.js';
import { serviceRepairController } from './service-repair.js';
import { serviceAccountController } from './serviceaccount.js';
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
  'namespace',
  'clusterroleaggregation',
  'disruption',
  'serviceaccount',
  'rootcacertpublisher',
] as const;
/** Abort listeners a manager's signals may carry (informers, controllers, their waits). */
const LISTENERS = 64;

/** A controller name. */
export type ControllerName = (typeof CONTROLLERS)[number];

/**
 * The service account (in kube-system) each controller runs as with service-account
 * credentials, named as kube-controller-manager names them, so each gets the bootstrap
 * policy's `system:controller:<name>` role (node IPAM and node lifecycle share
 * `node-controller`, as upstream). `service-repair` has no upstream counterpart: upstream runs
 * that loop inside kube-apiserver; its role is `switchyard:controller:service-repair`.
 */
export const CONTROLLER_SERVICE_ACCOUNT: Readonly<Record<ControllerName, string>> = {
  deployment: 'deployment-controller',
  replicaset: 'replicaset-controller',
  daemonset: 'daemon-set-controller',
  endpointslice: 'endpointslice-controller',
  nodeipam: 'node-controller',
  nodelifecycle: 'node-controller',
  servicerepair: 'service-repair',
  job: 'job-controller',
  cronjob: 'cronjob-controller',
  ttlafterfinished: 'ttl-after-finished-controller',
  garbagecollector: 'generic-garbage-collector',
  namespace: 'namespace-controller',
  clusterroleaggregation: 'clusterrole-aggregation-controller',
  disruption: 'disruption-controller',
  serviceaccount: 'service-account-controller',
  rootcacertpublisher: 'root-ca-cert-publisher',
};

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
  /**
   * Run each controller with its own service account's token (kube-controller-manager's
   * `--use-service-account-credentials`); otherwise every controller uses `client`. The shared
   * informers and the leader Lease always use `client`, as upstream.
   */
  readonly useServiceAccountCredentials?: boolean;
  /** Token lifetime with service-account credentials (default 3600 s). */
  readonly tokenExpirationSeconds?: number;
  readonly nodeIpam?: NodeIpamOptions;
  readonly nodeLifecycle?: NodeLifecycleOptions;
  readonly job?: JobControllerOptions;
  readonly cronJob?: CronJobControllerOptions;
  readonly namespace?: NamespaceControllerOptions;
  /**
   * The CA the root CA publisher puts in every namespace's `kube-root-ca.crt`, PEM
   * (kube-controller-manager's --root-ca-file); default: the CA of `client`'s config. Without
   * either the publisher does not run.
   */
  readonly rootCa?: string;
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
    // Every informer, and while leading every controller, listens for the abort: more than
    // Node's default of 10 is expected here, not a leak.
    setMaxListeners(LISTENERS, signal);
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
    setMaxListeners(LISTENERS, signal);
    await this.informers.waitForSync(signal).catch(() => undefined);
    if (signal.aborted) return;
    this.#leading = true;
    this.#terms += 1;
    this.#log.info('starting controllers', { identity: this.identity });
    const credentials = this.#o.useServiceAccountCredentials
      ? new ServiceAccountClients({
          root: this.#o.client,
          clock: this.#clock,
          logger: this.#log,
          ...(this.#o.tokenExpirationSeconds !== undefined
            ? { expirationSeconds: this.#o.tokenExpirationSeconds }
            : {}),
        })
      : undefined;
    const contextFor = async (name: ControllerName): Promise<ControllerContext> => ({
      client: credentials
        ? await credentials.clientFor(CONTROLLER_SERVICE_ACCOUNT[name], signal)
        : this.#o.client,
      informers: this.informers,
      logger: this.#log,
      clock: this.#clock,
    });
    const enabled = new Set(this.#o.controllers ?? CONTROLLERS);
    const rootCa = this.#o.rootCa ?? this.#o.client.transport.config.ca?.toString('utf8');
    if (rootCa === undefined) enabled.delete('rootcacertpublisher');
    const started: RunningController[] = [];
    const make: Record<ControllerName, (ctx: ControllerContext) => RunningController> = {
      deployment: (ctx) => deploymentController(ctx),
      replicaset: (ctx) => replicaSetController(ctx),
      daemonset: (ctx) => daemonSetController(ctx),
      endpointslice: (ctx) => endpointSliceController(ctx),
      nodeipam: (ctx) => nodeIpamController(ctx, this.#o.nodeIpam ?? {}),
      nodelifecycle: (ctx) => nodeLifecycleController(ctx, this.#o.nodeLifecycle ?? {}),
      servicerepair: (ctx) => serviceRepairController(ctx),
      job: (ctx) => jobController(ctx, this.#o.job ?? {}),
      cronjob: (ctx) => cronJobController(ctx, this.#o.cronJob ?? {}),
      ttlafterfinished: (ctx) => ttlAfterFinishedController(ctx),
      garbagecollector: (ctx) => garbageCollector(ctx),
      clusterroleaggregation: (ctx) => clusterRoleAggregationController(ctx),
      namespace: (ctx) => namespaceController(ctx, this.#o.namespace ?? {}),
      disruption: (ctx) => disruptionController(ctx),
      serviceaccount: (ctx) => serviceAccountController(ctx),
      rootcacertpublisher: (ctx) => rootCaPublisher(ctx, { rootCa: rootCa ?? '' }),
    };
    try {
      for (const name of CONTROLLERS) if (enabled.has(name)) started.push(make[name](await contextFor(name)));
      await Promise.all(started.map((c) => c.controller.run(signal)));
    } catch (err: unknown) {
      // Aborted while waiting for credentials: leadership ended before the controllers started.
      if (!signal.aborted) throw err;
    } finally {
      for (const c of started) c.detach();
      credentials?.close();
      this.#leading = false;
      this.#log.info('controllers stopped', { identity: this.identity });
    }
  }
}
