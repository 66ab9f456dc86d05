/**
 * The kubelet's per-pod sync, pure: the desired pod and what CRI reports of it in, the ordered
 * runtime actions out — upstream's computePodActions and SyncPod order
 * (pkg/kubelet/kuberuntime/kuberuntime_manager.go): kill what must go, (re)create the sandbox,
 * start the next init container or the app containers, under restartPolicy and the
 * CrashLoopBackOff back-off; graceful termination of deleted and terminal pods; and the
 * garbage of pods no longer bound here and of dead containers and sandboxes (kuberuntime_gc.go).
 * The back-off state is passed in and handed back, so the function stays pure.
 */
import type { ContainerSpec, KubeletPod } from './model.js';
import {
  ANNOTATION_CONTAINER_HASH,
  type ObservedContainer,
  type ObservedPod,
  restartCountOf,
} from './observed.js';
import { backOffGate, backOffKey } from './plan-backoff.js';
import { collectDead, removeAll, sandboxChanged, stop, stopAll } from './plan-sandbox.js';
import type { BackOffEntry, KubeletAction, PlanInput, PodPlan, WaitingReason } from './plan-types.js';

export { backOffGate, backOffKey, goDuration } from './plan-backoff.js';
export { sandboxChanged } from './plan-sandbox.js';
export * from './plan-types.js';

/** Plans one pod. */
export function planPod(input: PlanInput): PodPlan {
  const { desired, observed } = input;
  if (!desired) return planGarbage(observed);
  if (desired.deletionTimestamp !== undefined) return planDeleted(desired, observed);
  if (desired.phase === 'Succeeded' || desired.phase === 'Failed') return planTerminal(desired, observed);
  return planRunning(desired, input);
}

/** Newest container of each name (the observation lists newest first). */
function latestByName(containers: readonly ObservedContainer[]): Map<string, ObservedContainer> {
  const latest = new Map<string, ObservedContainer>();
  for (const c of containers) if (!latest.has(c.name)) latest.set(c.name, c);
  return latest;
}

const EMPTY: Omit<PodPlan, 'actions'> = { waiting: new Map(), backoff: new Map() };

/** A pod not bound here any more: kill with the orphan grace, then remove everything. */
function planGarbage(observed: ObservedPod): PodPlan {
  const stops = stopAll(undefined, observed, 'pod is no longer bound to this node');
  return { ...EMPTY, actions: stops.length > 0 ? stops : removeAll(observed) };
}

/**
 * A deleted pod: stop its containers (SIGTERM, the deletion grace, SIGKILL) and its sandbox; once
 * nothing runs (the status with the final container states is written in between), remove them
 * and confirm the deletion, as the status manager does when the pod's resources are reclaimed.
 */
function planDeleted(pod: KubeletPod, observed: ObservedPod): PodPlan {
  const stops = stopAll(pod, observed, 'pod is being deleted');
  if (stops.length > 0) return { ...EMPTY, actions: stops };
  return { ...EMPTY, actions: [...removeAll(observed), { kind: 'confirm-deletion' }] };
}

/** A pod in a terminal phase never runs again; dead containers stay for `logs --previous`. */
function planTerminal(pod: KubeletPod, observed: ObservedPod): PodPlan {
  return {
    ...EMPTY,
    actions: [...stopAll(pod, observed, 'pod has terminated'), ...collectDead(observed, undefined)],
  };
}

/** Upstream's isInitContainerFailed: exited non-zero, or in an unknown state. */
function initFailed(c: ObservedContainer): boolean {
  return (c.state === 'CONTAINER_EXITED' && c.exitCode !== 0) || c.state === 'CONTAINER_UNKNOWN';
}

/**
 * The init containers' progress (findNextInitContainerToRun): done once any app container
 * exists or the last init container succeeded; otherwise the failed one to retry, or the one
 * after the last success, or nothing while one runs.
 */
export function nextInitContainer(
  pod: KubeletPod,
  latest: ReadonlyMap<string, ObservedContainer>,
): { done: boolean; next?: ContainerSpec; last?: ObservedContainer } {
  if (pod.containers.some((c) => latest.has(c.name))) return { done: true };
  const inits = pod.initContainers;
  for (let i = inits.length - 1; i >= 0; i--) {
    const status = latest.get(inits[i]!.name);
    if (status && initFailed(status)) return { done: false, next: inits[i]!, last: status };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const status = latest.get(inits[i]!.name);
    if (!status) continue;
    if (status.state === 'CONTAINER_RUNNING') return { done: false, last: status };
    if (status.state === 'CONTAINER_EXITED') {
      if (i === inits.length - 1) return { done: true };
      return { done: false, next: inits[i + 1]!, last: status };
    }
    // CREATED: never started; start it again.
    return { done: false, next: inits[i]!, last: status };
  }
  return inits.length === 0 ? { done: true } : { done: false, next: inits[0]! };
}

/** ShouldContainerBeRestarted for a container that is not running. */
function shouldStart(pod: KubeletPod, status: ObservedContainer | undefined): boolean {
  if (!status) return true;
  if (status.state === 'CONTAINER_CREATED' || status.state === 'CONTAINER_UNKNOWN') return true;
  if (pod.restartPolicy === 'Never') return false;
  if (pod.restartPolicy === 'OnFailure') return status.exitCode !== 0;
  return true;
}

const succeeded = (c: ObservedContainer | undefined): boolean =>
  c?.state === 'CONTAINER_EXITED' && c.exitCode === 0;

/** A pod that should run: computePodActions, then the back-off gate of each start. */
function planRunning(pod: KubeletPod, input: PlanInput): PodPlan {
  const { observed, now } = input;
  const latest = latestByName(observed.containers);
  const sandbox = sandboxChanged(pod, observed.sandboxes);
  const kills: KubeletAction[] = [];
  const starts: { spec: ContainerSpec; init: boolean }[] = [];
  let killPod = false;
  let createSandbox = false;

  if (sandbox.changed) {
    killPod = true;
    createSandbox = true;
    // A pod that will not restart and whose containers ran once gets no new sandbox.
    if (pod.restartPolicy === 'Never' && sandbox.attempt !== 0 && observed.containers.length > 0) {
      createSandbox = false;
    } else {
      const init = nextInitContainer(pod, latest);
      if (pod.initContainers.length > 0 && !init.done) {
        if (init.next) starts.push({ spec: init.next, init: true });
      } else {
        // On a new sandbox, OnFailure leaves containers that succeeded alone.
        for (const c of pod.containers) {
          if (pod.restartPolicy === 'OnFailure' && succeeded(latest.get(c.name))) continue;
          starts.push({ spec: c, init: false });
        }
        if (starts.length === 0 && init.done) createSandbox = false;
      }
    }
  } else {
    const init = nextInitContainer(pod, latest);
    if (!init.done) {
      if (init.next) {
        if (init.last && initFailed(init.last) && pod.restartPolicy === 'Never') {
          killPod = true; // the pod has failed: its init container may not run again
        } else {
          if (init.last?.state === 'CONTAINER_UNKNOWN')
            kills.push(stop(pod, init.last, 'init container in unknown state'));
          starts.push({ spec: init.next, init: true });
        }
      }
    } else {
      let keep = 0;
      for (const c of pod.containers) {
        const status = latest.get(c.name);
        if (status?.state !== 'CONTAINER_RUNNING') {
          if (shouldStart(pod, status)) {
            if (status?.state === 'CONTAINER_UNKNOWN')
              kills.push(stop(pod, status, 'container in unknown state'));
            starts.push({ spec: c, init: false });
          }
          continue;
        }
        const failure = input.probeFailures?.get(status.id);
        let reason: string | undefined;
        let restart = pod.restartPolicy !== 'Never';
        let grace: number | undefined;
        if (status.annotations[ANNOTATION_CONTAINER_HASH] !== c.hash) {
          reason = `Container ${c.name} definition changed`;
          restart = true;
        } else if (failure) {
          reason = `Container ${c.name} failed ${failure} probe`;
          // The probe's own terminationGracePeriodSeconds replaces the pod's for this kill.
          grace = (failure === 'liveness' ? c.livenessProbe : c.startupProbe)?.terminationGracePeriodSeconds;
        } else {
          keep++;
          continue;
        }
        kills.push(stop(pod, status, reason, grace));
        if (restart) starts.push({ spec: c, init: false });
      }
      // Nothing runs and nothing will: stop the sandbox (the pod is done, its IP released).
      if (keep === 0 && starts.length === 0) killPod = true;
    }
  }

  const actions: KubeletAction[] = [];
  actions.push(...kills);
  if (killPod) {
    const killed = new Set(kills.map((k) => (k.kind === 'stop-container' ? k.containerId : '')));
    const reason = createSandbox ? 'pod sandbox changed' : 'pod has no container to run';
    actions.push(
      // Before a new sandbox every old one is stopped (once: the next sync sees the new one
      // ready); a pod that is done stops only what is ready, so repeated syncs stay quiet.
      ...stopAll(pod, observed, reason, createSandbox).filter(
        (a) => a.kind !== 'stop-container' || !killed.has(a.containerId),
      ),
    );
  }
  if (createSandbox) actions.push({ kind: 'create-sandbox', attempt: sandbox.attempt });

  const waiting = new Map<string, WaitingReason>();
  const backoff = new Map<string, BackOffEntry>();
  let requeueAfterMs: number | undefined;
  if (createSandbox || !killPod) {
    for (const { spec, init } of starts) {
      const gate = backOffGate(pod, spec, observed.containers, input.backoff, now);
      if (gate.waitMs !== undefined) {
        waiting.set(spec.name, { reason: 'CrashLoopBackOff', message: gate.message });
        requeueAfterMs = Math.min(requeueAfterMs ?? Number.POSITIVE_INFINITY, gate.waitMs);
        continue;
      }
      if (gate.entry) backoff.set(backOffKey(pod, spec), gate.entry);
      const previous = latest.get(spec.name);
      actions.push({
        kind: 'start-container',
        name: spec.name,
        init,
        restartCount: previous ? restartCountOf(previous) + 1 : 0,
      });
    }
  }
  actions.push(...collectDead(observed, sandbox.ready));
  return { actions, waiting, backoff, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}
