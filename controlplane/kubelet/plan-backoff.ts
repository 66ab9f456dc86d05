/**
 * The restart back-off of crashing containers (CrashLoopBackOff), as the kubelet uses
 * client-go's flowcontrol.Backoff: per container key, 10 s doubling to 5 min, reset after
 * 10 minutes of running; the first restart after a crash is immediate. Pure: the entries are
 * passed in and the new one handed back.
 */
import type { ContainerSpec, KubeletPod } from './model.js';
import type { ObservedContainer } from './observed.js';
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, type BackOffEntry } from './plan-types.js';

/** The back-off key of a container: pod, container and its spec hash (upstream getStableKey). */
export function backOffKey(
  pod: Pick<KubeletPod, 'uid' | 'name' | 'namespace'>,
  c: Pick<ContainerSpec, 'name' | 'hash'>,
): string {
  return `${pod.name}_${pod.namespace}_${pod.uid}_${c.name}_${c.hash}`;
}

/**
 * doBackOff: a container with an exited instance starts only when it is not in back-off since
 * that instance finished. A start sets the next delay: 10 s, doubling to 5 min, back to 10 s
 * when the instance finished more than 2 × 5 min after the previous start (flowcontrol.Backoff's
 * hasExpired, in both IsInBackOffSince and Next, measures from the finish time to the last
 * start), i.e. after it ran for 10 minutes. The first restart after a crash is immediate.
 */
export function backOffGate(
  pod: Pick<KubeletPod, 'uid' | 'name' | 'namespace'>,
  spec: Pick<ContainerSpec, 'name' | 'hash'>,
  containers: readonly ObservedContainer[],
  entries: ReadonlyMap<string, BackOffEntry>,
  now: number,
): { waitMs?: number; message: string; entry?: BackOffEntry } {
  const exited = containers.find((c) => c.name === spec.name && c.state === 'CONTAINER_EXITED');
  if (!exited) return { message: '' };
  const key = backOffKey(pod, spec);
  const entry = entries.get(key);
  const expired = (at: number, e: BackOffEntry): boolean => at - e.lastUpdateMs > 2 * BACKOFF_MAX_MS;
  if (entry && !expired(exited.finishedAt, entry) && now - exited.finishedAt < entry.delayMs) {
    return {
      waitMs: exited.finishedAt + entry.delayMs - now,
      message: `back-off ${goDuration(entry.delayMs)} restarting failed container=${spec.name} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
    };
  }
  const delayMs =
    !entry || expired(exited.finishedAt, entry)
      ? BACKOFF_INITIAL_MS
      : Math.min(entry.delayMs * 2, BACKOFF_MAX_MS);
  return { message: '', entry: { delayMs, lastUpdateMs: now } };
}

/** A whole-second duration as Go prints it: `10s`, `1m20s`, `5m0s`. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}
