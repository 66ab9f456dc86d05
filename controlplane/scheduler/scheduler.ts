/**
 * The scheduler process: informers on pods and nodes feed the cache and an active queue; one
 * loop takes pods off the queue, runs the pure cycle (`schedulePod`), assumes the result and
 * binds through `POST pods/NAME/binding` with a bounded number of binds in flight. Pods that
 * fit nowhere park in an unschedulable set with a PodScheduled=False condition and an Event,
 * and go back to the queue whenever a node or a bound pod changes (kube-scheduler's
 * scheduling queue, reduced to the two queues that matter here; the active one is ordered by
 * priority, then queue time, as its PrioritySort plugin orders it).
 */
import type { Binding, Event as KubeEvent, Node, Pod } from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import {
  eventsResource,
  type Informer,
  isConflict,
  isNotFound,
  type KubeClient,
  nodesResource,
  podsResource,
  SharedInformerFactory,
} from '../../lib/client/index.js';
import { createLogger, type Logger } from '../../lib/obs/index.js';
import { type Clock, realClock, type TimerHandle } from '../../lib/reconcile/index.js';
import { ActiveQueue } from './active-queue.js';
import { SchedulerCache } from './cache.js';
import { DEFAULT_PROFILE, type Decision, type Profile, schedulePod } from './framework.js';
import { DEFAULT_SCHEDULER, type NodeInfo, type PodInfo, toNodeInfo, toPodInfo } from './info.js';

/** Options of `Scheduler`. */
export interface SchedulerOptions {
  readonly client: KubeClient;
  /** Pods whose `spec.schedulerName` is this are ours (default `default-scheduler`). */
  readonly schedulerName?: string;
  readonly profile?: Profile;
  readonly random?: () => number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** See `ScheduleOptions.percentageOfNodesToScore` (default adaptive, as kube-scheduler). */
  readonly percentageOfNodesToScore?: number;
  /** Binds in flight at once (default 32). */
  readonly maxInFlightBinds?: number;
  /** Unschedulable pods are retried at least this often even without events (default 60 s). */
  readonly unschedulableRetryMs?: number;
  /** Called after each decision (metrics, benchmarks). */
  readonly onDecision?: (pod: PodInfo, decision: Decision) => void;
  /** Called when the API accepted a binding (metrics, benchmarks). */
  readonly onBound?: (pod: PodInfo, node: string) => void;
}

/** Counters for metrics and tests. */
export interface SchedulerStats {
  readonly attempts: number;
  readonly bound: number;
  readonly unschedulable: number;
  readonly bindErrors: number;
}

/** A running scheduler. */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #cache = new SchedulerCache();
  readonly #informers: SharedInformerFactory;
  readonly #pods: Informer<Pod, PodInfo>;
  readonly #nodes: Informer<Node, NodeInfo>;
  /** Active queue: by priority, then queue order; deduplicated. */
  readonly #active = new ActiveQueue();
  /** Unschedulable pods and the fingerprint they failed with. */
  readonly #parked = new Map<string, string>();
  #wake: (() => void) | undefined;
  #inFlight = 0;
  #nextStart = 0;
  #bindSlot: (() => void) | undefined;
  #stats = { attempts: 0, bound: 0, unschedulable: 0, bindErrors: 0 };

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#name = options.schedulerName ?? DEFAULT_SCHEDULER;
    this.#clock = options.clock ?? realClock;
    this.#log = options.logger ?? createLogger({ component: 'scheduler', level: 'warn' });
    this.#informers = new SharedInformerFactory(options.client, {
      clock: this.#clock,
      onError: (informer, err) => this.#log.warn('informer error', { informer, error: String(err) }),
    });
    // Slim converters at the boundary: the cache keeps only what the plugins read.
    this.#pods = this.#informers.informerFor({ resource: podsResource, transform: toPodInfo });
    this.#nodes = this.#informers.informerFor({ resource: nodesResource, transform: toNodeInfo });
  }

  /** True once nodes and pods have been listed (readiness). */
  get synced(): boolean {
    return this.#informers.synced;
  }

  /** Counters since start. */
  get stats(): SchedulerStats {
    return { ...this.#stats };
  }

  /** The cache (read-only use: tests and benchmarks check placements against it). */
  get cache(): SchedulerCache {
    return this.#cache;
  }

  /** Pods waiting in the active queue plus pods parked as unschedulable. */
  get pending(): { readonly active: number; readonly unschedulable: number } {
    return { active: this.#active.size, unschedulable: this.#parked.size };
  }

  /** Runs until `signal` aborts. Resolves once everything has stopped. */
  async run(signal: AbortSignal): Promise<void> {
    this.#nodes.addEventHandler({
      onAdd: (n) => this.#onNode(n),
      onUpdate: (o, n) => this.#onNode(n, o),
      onDelete: (n) => {
        this.#cache.removeNode(n.name);
        this.#flushParked();
      },
    });
    this.#pods.addEventHandler({
      onAdd: (p) => this.#onPod(p),
      onUpdate: (_o, p) => this.#onPod(p),
      onDelete: (p) => this.#onPodDeleted(p),
    });
    const informers = this.#informers.run(signal);
    const retry = this.#o.unschedulableRetryMs ?? 60_000;
    let timer: TimerHandle | undefined;
    const arm = (): void => {
      timer = this.#clock.setTimeout(() => {
        this.#flushParked();
        arm();
      }, retry);
    };
    arm();
    const onAbort = (): void => this.#wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Handlers drain asynchronously: waitForSync also waits for them, so the cache holds every
      // listed node and pod before the first cycle (a restart never places pods against a
      // half-built picture).
      await Promise.race([
        this.#informers.waitForSync(signal),
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]).catch(() => undefined);
      await this.#loop(signal);
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      await informers;
      while (this.#inFlight > 0) await new Promise<void>((r) => this.#clock.setTimeout(r, 5));
    }
  }

  #onNode(n: NodeInfo, old?: NodeInfo): void {
    this.#cache.setNode(n);
    // NodeInfo holds only what filters read, so an unchanged one (a status heartbeat) cannot
    // make a parked pod fit: do not re-run every parked pod on each heartbeat.
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(n)) return;
    this.#flushParked();
  }

  #ours(p: PodInfo): boolean {
    return p.nodeName === '' && p.schedulerName === this.#name && !p.terminal && !p.deleting;
  }

  #onPod(p: PodInfo): void {
    const before = this.#cache.nodeOf(p.key);
    this.#cache.observePod(p);
    if (this.#ours(p)) {
      const parkedWith = this.#parked.get(p.key);
      if (parkedWith !== undefined && parkedWith === p.fingerprint) return; // only status changed
      this.#parked.delete(p.key);
      this.#enqueue(p.key, p.priority);
      return;
    }
    this.#active.delete(p.key);
    this.#parked.delete(p.key);
    // A bound pod that finished or started terminating frees room for parked pods.
    if (before !== undefined && (p.terminal || p.deleting || p.nodeName === '')) this.#flushParked();
  }

  #onPodDeleted(p: PodInfo): void {
    const had = this.#cache.nodeOf(p.key);
    this.#cache.removePod(p.key);
    this.#active.delete(p.key);
    this.#parked.delete(p.key);
    if (had !== undefined) this.#flushParked();
  }

  #enqueue(key: string, priority: number): void {
    this.#active.add(key, priority);
    this.#wake?.();
  }

  #flushParked(): void {
    if (this.#parked.size === 0) return;
    for (const key of this.#parked.keys()) this.#active.add(key, this.#pods.cache.get(key)?.priority ?? 0);
    this.#parked.clear();
    this.#wake?.();
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = this.#active.pop();
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      const pod = this.#pods.cache.get(next);
      if (pod === undefined || !this.#ours(pod) || this.#cache.isAssumed(pod.key)) continue;
      await this.#scheduleOne(pod, signal);
    }
  }

  async #scheduleOne(pod: PodInfo, signal: AbortSignal): Promise<void> {
    this.#stats.attempts += 1;
    const decision: Decision =
      pod.problem !== undefined
        ? { kind: 'unschedulable', message: pod.problem, reasons: new Map() }
        : schedulePod(pod, this.#cache.nodes(), {
            profile: this.#o.profile ?? DEFAULT_PROFILE,
            startIndex: this.#nextStart,
            ...(this.#o.percentageOfNodesToScore !== undefined
              ? { percentageOfNodesToScore: this.#o.percentageOfNodesToScore }
              : {}),
            ...(this.#o.random ? { random: this.#o.random } : {}),
          });
    this.#o.onDecision?.(pod, decision);
    if (decision.kind === 'unschedulable') {
      this.#stats.unschedulable += 1;
      this.#parked.set(pod.key, pod.fingerprint);
      if (pod.unschedulableMessage !== decision.message)
        void this.#reportUnschedulable(pod, decision.message);
      return;
    }
    this.#nextStart = (this.#nextStart + decision.evaluated) % Math.max(1, this.#cache.nodeCount);
    this.#cache.assume(pod, decision.node);
    const max = this.#o.maxInFlightBinds ?? 32;
    while (this.#inFlight >= max && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#bindSlot = resolve;
      });
    }
    this.#inFlight += 1;
    void this.#bind(pod, decision.node).finally(() => {
      this.#inFlight -= 1;
      const slot = this.#bindSlot;
      this.#bindSlot = undefined;
      slot?.();
    });
  }

  async #bind(pod: PodInfo, node: string): Promise<void> {
    const binding: Binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod.name, namespace: pod.namespace, ...(pod.uid ? { uid: pod.uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    };
    try {
      await this.#o.client
        .resource(podsResource)
        .createSubresource(pod.name, 'binding', binding, { namespace: pod.namespace });
      this.#stats.bound += 1;
      this.#o.onBound?.(pod, node);
      this.#log.debug('bound', { pod: pod.key, node });
    } catch (err: unknown) {
      this.#stats.bindErrors += 1;
      this.#cache.forget(pod.key);
      // Conflict: someone else bound it, or it is being deleted; NotFound: it is gone. The
      // informer brings the truth either way. Anything else: try again shortly.
      if (!isConflict(err) && !isNotFound(err)) {
        this.#log.warn('bind failed', { pod: pod.key, node, error: String(err) });
        this.#clock.setTimeout(() => this.#enqueue(pod.key, pod.priority), 1000);
      }
    }
  }

  async #reportUnschedulable(pod: PodInfo, message: string): Promise<void> {
    const now = formatTime(this.#clock.now());
    const client = this.#o.client;
    try {
      // A patch carries no resourceVersion, but a busy server may still answer 409 when another
      // writer (a kubelet) won the race; a patch is safe to resend.
      for (let attempt = 0; ; attempt++) {
        try {
          await client.resource(podsResource).patchStatus(
            pod.name,
            {
              status: {
                conditions: [
                  {
                    type: 'PodScheduled',
                    status: 'False',
                    reason: 'Unschedulable',
                    message,
                    lastProbeTime: null,
                    lastTransitionTime: now,
                  },
                ],
              },
            },
            { type: 'strategic', namespace: pod.namespace },
          );
          break;
        } catch (err: unknown) {
          if (!isConflict(err) || attempt >= 4) throw err;
        }
      }
      const event: KubeEvent = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${pod.name}.`, namespace: pod.namespace },
        involvedObject: {
          kind: 'Pod',
          apiVersion: 'v1',
          namespace: pod.namespace,
          name: pod.name,
          uid: pod.uid,
        },
        reason: 'FailedScheduling',
        message,
        type: 'Warning',
        source: { component: this.#name },
        reportingComponent: this.#name,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      await client.resource(eventsResource).create(event, { namespace: pod.namespace });
    } catch (err: unknown) {
      if (!isNotFound(err))
        this.#log.warn('could not report unschedulable pod', { pod: pod.key, message, error: String(err) });
    }
  }
}
