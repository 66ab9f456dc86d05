/**
 * The sandbox-level parts of the kubelet's plan (kuberuntime_manager.go podSandboxChanged,
 * killPodWithSyncResult; kuberuntime_gc.go): whether a pod needs a new sandbox, stopping
 * everything of a pod with the right grace, removing what is left once nothing runs, and the
 * garbage of dead containers and sandboxes of a living pod. Pure.
 */
import type { KubeletPod } from './model.js';
import {
  ANNOTATION_SANDBOX_HASH,
  type ObservedContainer,
  type ObservedPod,
  type ObservedSandbox,
} from './observed.js';
import { type KubeletAction, MIN_GRACE_SECONDS, ORPHAN_GRACE_SECONDS } from './plan-types.js';

const running = (c: ObservedContainer): boolean => c.state === 'CONTAINER_RUNNING';
/** Upstream kills containers in these states before anything else (they may still run). */
const mayRun = (c: ObservedContainer): boolean =>
  c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_UNKNOWN';

/** The grace a container is stopped with (killContainer: deletion grace, else the pod's, at least 2 s). */
export function graceOf(pod: KubeletPod): number {
  return Math.max(MIN_GRACE_SECONDS, pod.deletionGracePeriodSeconds ?? pod.terminationGracePeriodSeconds);
}

/**
 * Stops whatever may still run, then the pod's sandboxes: the ready ones, or with
 * `allSandboxes` every one (a sandbox whose pause process died is not ready but may still hold
 * its network and IP until StopPodSandbox; upstream stops all of them when it kills a pod).
 */
export function stopAll(
  pod: KubeletPod | undefined,
  observed: ObservedPod,
  reason: string,
  allSandboxes = false,
): KubeletAction[] {
  const grace = pod ? graceOf(pod) : ORPHAN_GRACE_SECONDS;
  return [
    ...observed.containers.filter(mayRun).map(
      (c): KubeletAction => ({
        kind: 'stop-container',
        containerId: c.id,
        name: c.name,
        gracePeriodSeconds: grace,
        reason,
      }),
    ),
    ...observed.sandboxes
      .filter((s) => allSandboxes || s.state === 'SANDBOX_READY')
      .map((s): KubeletAction => ({ kind: 'stop-sandbox', sandboxId: s.id })),
  ];
}

/**
 * Once nothing runs: every container, then every sandbox (stopped first: containerd removes a
 * sandbox only once its network namespace is closed; StopPodSandbox is idempotent).
 */
export function removeAll(observed: ObservedPod): KubeletAction[] {
  return [
    ...observed.containers.map(
      (c): KubeletAction => ({ kind: 'remove-container', containerId: c.id, name: c.name }),
    ),
    ...observed.sandboxes.flatMap((s): KubeletAction[] => [
      ...(s.state === 'SANDBOX_READY' ? [] : [{ kind: 'stop-sandbox', sandboxId: s.id } as const]),
      { kind: 'remove-sandbox', sandboxId: s.id },
    ]),
  ];
}

/**
 * Whether the pod needs a new sandbox, and its attempt (podSandboxChanged): none yet; more than
 * one ready; the newest not ready; another network mode; no IP on a pod network; or (ours)
 * another sandbox hash.
 */
export function sandboxChanged(
  pod: KubeletPod,
  sandboxes: readonly ObservedSandbox[],
): { changed: boolean; attempt: number; ready?: ObservedSandbox } {
  const newest = sandboxes[0];
  if (!newest) return { changed: true, attempt: 0 };
  const next = newest.attempt + 1;
  const ready = sandboxes.filter((s) => s.state === 'SANDBOX_READY');
  if (ready.length > 1) return { changed: true, attempt: next };
  if (newest.state !== 'SANDBOX_READY') return { changed: true, attempt: next };
  if (newest.hostNetwork !== pod.hostNetwork) return { changed: true, attempt: next };
  if (!pod.hostNetwork && newest.ips.length === 0) return { changed: true, attempt: next };
  const hash = newest.annotations[ANNOTATION_SANDBOX_HASH];
  if (hash !== undefined && hash !== pod.sandboxHash) return { changed: true, attempt: next };
  return { changed: false, attempt: newest.attempt, ready: newest };
}

export function stop(
  pod: KubeletPod,
  c: ObservedContainer,
  reason: string,
  graceSeconds?: number,
): KubeletAction {
  return {
    kind: 'stop-container',
    containerId: c.id,
    name: c.name,
    gracePeriodSeconds: graceSeconds === undefined ? graceOf(pod) : Math.max(MIN_GRACE_SECONDS, graceSeconds),
    reason,
  };
}

/**
 * Dead containers and sandboxes of a living pod (kuberuntime_gc.go, MaxPerPodContainer 1): of
 * each container name the newest non-running instance stays (restart count, `logs --previous`),
 * older ones go; sandboxes other than the newest (and the ready one) go once no container
 * refers to them.
 */
export function collectDead(
  observed: ObservedPod,
  keepSandbox: ObservedSandbox | undefined,
): KubeletAction[] {
  const kept = new Set<string>();
  const actions: KubeletAction[] = [];
  const remaining = new Set<string>();
  for (const c of observed.containers) {
    if (c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_UNKNOWN' || !kept.has(c.name)) {
      if (!running(c) && c.state !== 'CONTAINER_UNKNOWN') kept.add(c.name);
      remaining.add(c.sandboxId);
      continue;
    }
    actions.push({ kind: 'remove-container', containerId: c.id, name: c.name });
  }
  const newest = observed.sandboxes[0];
  for (const s of observed.sandboxes) {
    if (s === newest || s === keepSandbox || s.state === 'SANDBOX_READY' || remaining.has(s.id)) continue;
    // containerd removes a sandbox only once its network is torn down; stopping is idempotent.
    actions.push({ kind: 'stop-sandbox', sandboxId: s.id }, { kind: 'remove-sandbox', sandboxId: s.id });
  }
  return actions;
}
