/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-go's leaderelection package):
 * candidates try to take or renew the Lease every `retryPeriodMs` with an optimistic update; a
 * Lease whose record has not changed for `leaseDurationMs` of *local* time may be taken (local
 * observation time, not the renewTime in the record, so clock skew between machines does not
 * matter). A leader that cannot renew within `renewDeadlineMs` stops leading.
 */
import type { Lease } from '../api/index.js';
import { formatMicroTime } from '../api/time.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, leasesResource } from '../client/index.js';
import { invalid } from '../errors/index.js';
import type { Logger } from '../obs/index.js';
import { type Clock, realClock } from '../reconcile/index.js';

/** Options of `runLeaderElection`. */
export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly name: string;
  /** This candidate's identity (hostname + random suffix in practice). */
  readonly identity: string;
  /** Default 15 s, as kube-controller-manager. */
  readonly leaseDurationMs?: number;
  /** Default 10 s. */
  readonly renewDeadlineMs?: number;
  /** Default 2 s. */
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Runs while leading; its signal aborts when leadership is lost or the election stops. */
  readonly onStartedLeading: (signal: AbortSignal) => Promise<void> | void;
  readonly onStoppedLeading?: () => void;
  /** Give the Lease up on a clean stop so a standby takes over at once (default true). */
  readonly releaseOnCancel?: boolean;
}

/** Validates timing as client-go does: leaseDuration > renewDeadline > retryPeriod × 1.2. */
function timings(o: LeaderElectionOptions): { lease: number; renew: number; retry: number } {
  const lease = o.leaseDurationMs ?? 15_000;
  const renew = o.renewDeadlineMs ?? 10_000;
  const retry = o.retryPeriodMs ?? 2_000;
  if (!(lease > renew))
    throw invalid('leaseDurationMs', `must be greater than renewDeadlineMs (${renew}), got ${lease}`);
  if (!(renew > retry * 1.2))
    throw invalid('renewDeadlineMs', `must be greater than 1.2 × retryPeriodMs (${retry}), got ${renew}`);
  return { lease, renew, retry };
}

/** Runs the election until `signal` aborts; calls `onStartedLeading` each time this candidate wins. */
export async function runLeaderElection(o: LeaderElectionOptions, signal: AbortSignal): Promise<void> {
  const t = timings(o);
  const clock = o.clock ?? realClock;
  const leases = o.client.resource(leasesResource);
  let observed = '';
  let observedAt = 0;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', done);
        resolve();
      }, ms);
      const done = (): void => {
        clock.clearTimeout(timer);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
    });

  /** One attempt; true when we hold the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = clock.now();
    const spec = (prev?: Lease['spec']): Lease['spec'] => {
      const ours = prev?.holderIdentity === o.identity;
      return {
        holderIdentity: o.identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(t.lease / 1000)),
        acquireTime: ours && prev?.acquireTime ? prev.acquireTime : formatMicroTime(now),
        renewTime: formatMicroTime(now),
        leaseTransitions: ours ? (prev?.leaseTransitions ?? 0) : (prev?.leaseTransitions ?? -1) + 1,
      };
    };
    let current: Lease;
    try {
      current = await leases.get(o.name, { namespace: o.namespace });
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
      try {
        await leases.create(
          { metadata: { name: o.name, namespace: o.namespace }, spec: spec() },
          { namespace: o.namespace },
        );
        observed = '';
        return true;
      } catch (e: unknown) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
    }
    const record = JSON.stringify([current.spec.holderIdentity, current.spec.renewTime]);
    if (record !== observed) {
      observed = record;
      observedAt = now;
    }
    const holder = current.spec.holderIdentity ?? '';
    if (holder !== '' && holder !== o.identity && observedAt + t.lease > now) return false;
    try {
      const next = await leases.update({ ...current, spec: spec(current.spec) }, { namespace: o.namespace });
      observed = JSON.stringify([next.spec.holderIdentity, next.spec.renewTime]);
      observedAt = now;
      return true;
    } catch (err: unknown) {
      if (isConflict(err)) return false;
      throw err;
    }
  };

  const attempt = async (): Promise<boolean> => {
    try {
      return await tryAcquireOrRenew();
    } catch (err: unknown) {
      o.logger?.warn('lease attempt failed', { lease: `${o.namespace}/${o.name}`, error: String(err) });
      return false;
    }
  };

  while (!signal.aborted) {
    if (!(await attempt())) {
      await sleep(t.retry);
      continue;
    }
    o.logger?.info('became leader', { lease: `${o.namespace}/${o.name}`, identity: o.identity });
    const leading = new AbortController();
    const onAbort = (): void => leading.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const work = Promise.resolve()
      .then(() => o.onStartedLeading(leading.signal))
      .catch((err: unknown) => o.logger?.error('leader work failed', { error: String(err) }));
    let lastRenew = clock.now();
    while (!signal.aborted) {
      await sleep(t.retry);
      if (signal.aborted) break;
      if (await attempt()) lastRenew = clock.now();
      else if (clock.now() - lastRenew >= t.renew) break;
    }
    const lost = !signal.aborted;
    signal.removeEventListener('abort', onAbort);
    leading.abort();
    await work;
    o.onStoppedLeading?.();
    if (lost) {
      o.logger?.warn('lost leadership', { lease: `${o.namespace}/${o.name}`, identity: o.identity });
      continue;
    }
    if (o.releaseOnCancel ?? true) await release(o, leases).catch(() => undefined);
  }
}

async function release(o: LeaderElectionOptions, leases: ReturnType<KubeClient['resource']>): Promise<void> {
  const current = (await leases.get(o.name, { namespace: o.namespace })) as Lease;
  if (current.spec.holderIdentity !== o.identity) return;
  // client-go's release: empty holder, 1 s duration, so the next candidate need not wait.
  await leases.update(
    { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1 } } as Lease,
    {
      namespace: o.namespace,
    },
  );
}
