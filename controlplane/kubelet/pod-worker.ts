/**
 * One pod's sync, level-triggered (upstream podWorkers + SyncPod + the status manager): observe
 * what the runtime holds of the pod (observe.ts), run its due probes (probe-runner.ts), plan
 * (plan.ts), make its volumes ready before anything starts (volumes.ts), carry the plan out
 * over CRI (apply.ts), keep the reasons of failed starts (reason-cache.ts), then write
 * `pods/status` when it changed (a merge patch with the pod's uid, which the Node authorizer
 * allows for pods bound here) and, once nothing of a deleted pod remains, delete its API object
 * (grace 0, uid precondition) and its directory on the node. It answers when to sync again: the
 * end of a back-off, the next due probe, soon while a plan is under way, a little later after a
 * failure.
 */
import type { Pod, Service } from '../../lib/api/index.js';
import { isConflict, isNotFound, type KubeClient, podsResource } from '../../lib/client/index.js';
import type { CriClient } from '../../lib/cri/index.js';
import { messageOf } from '../../lib/errors/index.js';
import type { Logger } from '../../lib/obs/index.js';
import { type ApplyResult, applyActions } from './apply.js';
import type { ClusterDns } from './dns.js';
import { type KubeletPod, toKubeletPod } from './model.js';
import { observeRuntime } from './observe.js';
import { emptyObservation, type ObservedPod } from './observed.js';
import { type BackOffEntry, type KubeletAction, planPod } from './plan.js';
import type { PodObjects } from './pod-objects.js';
import { type PodProbes, ProbeRunner } from './probe-runner.js';
import { ReasonCache } from './reason-cache.js';
import { type PodStatus, podStatus } from './status.js';
import { containerMounts, removePodDir, setUpVolumes } from './volumes.js';

/** How soon to look again while a plan is under way (stops done, removals next). */
export const IN_PROGRESS_REQUEUE_MS = 100;
/**
 * How soon to retry after a failed start or volume set-up (an absent image, a ConfigMap not
 * there yet), instead of at once: a failure that lasts must not spin.
 */
export const FAILURE_RETRY_MS = 2000;

export interface PodWorkerOptions {
  readonly cri: CriClient;
  readonly client: KubeClient;
  readonly nodeName: string;
  readonly rootDir: string;
  readonly podLogsDir: string;
  readonly dns: ClusterDns;
  readonly hostIPs: readonly string[];
  /** The pod by uid as the informer has it (undefined when gone). */
  readonly pod: (uid: string) => Pod | undefined;
  readonly services: () => readonly Service[];
  readonly objects: PodObjects;
  readonly log: Logger;
  readonly now?: () => number;
}

/** What a sync asks of the caller. */
export interface SyncOutcome {
  /** Sync again after this long; undefined: on the next event. */
  readonly requeueAfterMs?: number;
}

const EMPTY_PROBES: PodProbes = { views: new Map(), failures: new Map() };

/** The per-pod state of the node's kubelet and the sync that uses it. */
export class PodWorker {
  readonly #o: PodWorkerOptions;
  readonly #now: () => number;
  readonly backoff = new Map<string, BackOffEntry>();
  readonly reasons = new ReasonCache();
  readonly probes: ProbeRunner;
  /** The last status this kubelet wrote, by uid, with the resourceVersion it got. */
  readonly #written = new Map<
    string,
    { readonly rv: number; readonly status: PodStatus; readonly json: string }
  >();

  constructor(options: PodWorkerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.probes = new ProbeRunner(options.cri);
  }

  /** The API pod with the newest status this kubelet knows (its own write may be ahead of the informer). */
  #desired(uid: string): KubeletPod | undefined {
    const pod = this.#o.pod(uid);
    if (!pod || pod.spec.nodeName !== this.#o.nodeName) return undefined;
    const written = this.#written.get(uid);
    const rv = Number(pod.metadata.resourceVersion ?? 0);
    return toKubeletPod(written && written.rv > rv ? { ...pod, status: written.status } : pod);
  }

  /** One sync of the pod with this uid. */
  async sync(uid: string): Promise<SyncOutcome> {
    const desired = this.#desired(uid);
    let observed = (await observeRuntime(this.#o.cri, uid)).get(uid);
    if (!desired && !observed) {
      this.#forget(uid);
      return {};
    }
    const pod = desired ?? placeholder(uid, observed as ObservedPod);
    observed ??= emptyObservation(pod);
    const now = this.#now();
    const live = desired !== undefined && desired.deletionTimestamp === undefined;
    const objects = live ? await this.#o.objects.forPod(pod) : { configMaps: new Map(), secrets: new Map() };
    const probes = live
      ? await this.probes.sync(pod, observed, podIP(pod, observed, this.#o.hostIPs), now)
      : EMPTY_PROBES;
    const plan = planPod({ desired, observed, now, backoff: this.backoff, probeFailures: probes.failures });
    for (const [k, v] of plan.backoff) this.backoff.set(k, v);

    let actions: readonly KubeletAction[] = plan.actions;
    let failed = false;
    // Every sync of a live pod brings its volumes up to date (a renewed token, a changed
    // ConfigMap); a failure holds back only what would start.
    if (live) {
      try {
        setUpVolumes(pod, this.#o.rootDir, objects);
      } catch (err) {
        const message = messageOf(err);
        this.#o.log.warn('volume set-up failed', { pod: `${pod.namespace}/${pod.name}`, error: message });
        if (actions.some((a) => a.kind === 'start-container' || a.kind === 'create-sandbox')) {
          failed = true;
          for (const c of pod.containers)
            this.reasons.set(uid, c.name, { reason: 'ContainerCreating', message });
          actions = actions.filter((a) => a.kind !== 'start-container' && a.kind !== 'create-sandbox');
        }
      }
    }
    let result: ApplyResult | undefined;
    if (actions.length > 0) {
      result = await applyActions(this.#o.cri, pod, actions, {
        observed,
        podLogsDir: this.#o.podLogsDir,
        dns: this.#o.dns,
        hostIPs: this.#o.hostIPs,
        services: this.#o.services(),
        objects,
        mounts: (spec) => containerMounts(pod, spec, this.#o.rootDir),
      });
      for (const o of result.outcomes)
        if (o.failure)
          this.#o.log.warn('pod action failed', {
            pod: `${pod.namespace}/${pod.name}`,
            action: o.action.kind,
            reason: o.failure.reason,
            error: o.failure.message,
          });
    }
    if (result?.outcomes.some((o) => o.failure)) failed = true;
    this.reasons.update(uid, plan.waiting, result);
    if (result?.confirmDeletion) {
      await this.#confirmDeletion(pod);
      this.#forget(uid);
      return {};
    }
    const again = failed ? FAILURE_RETRY_MS : actions.length > 0 ? IN_PROGRESS_REQUEUE_MS : undefined;
    if (!desired) return again !== undefined ? { requeueAfterMs: again } : {};

    if (actions.length > 0) observed = (await observeRuntime(this.#o.cri, uid)).get(uid) ?? observed;
    const status = podStatus({
      pod: desired,
      observed,
      now,
      hostIPs: this.#o.hostIPs,
      probes: probes.views,
      waiting: this.reasons.get(uid),
    });
    await this.#writeStatus(desired, status);

    const waits = [
      plan.requeueAfterMs,
      probes.nextAt !== undefined ? Math.max(0, probes.nextAt - this.#now()) : undefined,
      again,
    ].filter((w): w is number => w !== undefined);
    return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : {};
  }

  async #writeStatus(pod: KubeletPod, status: PodStatus): Promise<void> {
    const json = JSON.stringify(status);
    if (this.#written.get(pod.uid)?.json === json) return;
    try {
      const written = await this.#o.client
        .resource(podsResource)
        .patchStatus(
          pod.name,
          { metadata: { uid: pod.uid }, status },
          { type: 'merge', namespace: pod.namespace },
        );
      this.#written.set(pod.uid, {
        rv: Number(written.metadata.resourceVersion ?? 0),
        status: written.status ?? status,
        json,
      });
    } catch (err) {
      // The pod was deleted (or replaced by another of its name) meanwhile: the next event says so.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Deletes the API object of a pod whose containers and sandboxes are all gone. */
  async #confirmDeletion(pod: KubeletPod): Promise<void> {
    try {
      await this.#o.client.resource(podsResource).delete(pod.name, {
        namespace: pod.namespace,
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.uid },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Drops everything kept for a pod that is gone, and its directory on the node. */
  #forget(uid: string): void {
    this.reasons.remove(uid);
    this.#written.delete(uid);
    this.#o.objects.forget(uid);
    for (const key of this.backoff.keys()) if (key.includes(`_${uid}_`)) this.backoff.delete(key);
    removePodDir(this.#o.rootDir, uid);
  }
}

/** The pod's IP as its probes target it: the ready sandbox's first, or the node's. */
function podIP(pod: KubeletPod, observed: ObservedPod, hostIPs: readonly string[]): string | undefined {
  if (pod.hostNetwork) return hostIPs[0];
  return observed.sandboxes.find((s) => s.state === 'SANDBOX_READY')?.ips[0];
}

/** A pod the API no longer has, from its runtime labels (only stops and removals use it). */
function placeholder(uid: string, observed: ObservedPod): KubeletPod {
  return toKubeletPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { uid, name: observed.name, namespace: observed.namespace },
    spec: { containers: [] },
  });
}
