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
  ANNOTATION_SANDBOX_HASH,
  type ObservedContainer,
  type ObservedPod,
  type ObservedSandbox,
  restartCountOf,
} from './observed.js';

/** One runtime step; the adapter carries them out in order and stops at the first failure. */
export type KubeletAction =
  /** StopContainer with this timeout: the stop signal (SIGTERM), the grace, then SIGKILL. */
  | {
      readonly kind: 'stop-container';
      readonly containerId: string;
      readonly name: string;
      readonly gracePeriodSeconds: number;
      readonly reason: string;
    }
  /** StopPodSandbox: containers killed, network torn down (the pod's IP released). */
  | { readonly kind: 'stop-sandbox'; readonly sandboxId: string }
  /** RunPodSandbox with metadata.attempt; later start-container actions use the new sandbox. */
  | { readonly kind: 'create-sandbox'; readonly attempt: number }
  /** CreateContainer + StartContainer in the pod's ready (or just created) sandbox. */
  | {
      readonly kind: 'start-container';
      readonly name: string;
      readonly init: boolean;
      readonly restartCount: number;
    }
  | { readonly kind: 'remove-container'; readonly containerId: string; readonly name: string }
  | { readonly kind: 'remove-sandbox'; readonly sandboxId: string }
  /** The pod is deleted and nothing of it runs or remains: delete the API object (grace 0, uid precondition). */
  | { readonly kind: 'confirm-deletion' };

/** Upstream's back-off of container restarts (kubelet.go: backOffPeriod 10 s, MaxContainerBackOff 300 s). */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** The smallest grace a container gets when killed (kuberuntime's minimumGracePeriodInSeconds). */
export const MIN_GRACE_SECONDS = 2;
/** Grace for containers of pods the API no longer binds here (orphans are killed with a 1 s override). */
export const ORPHAN_GRACE_SECONDS = 1;

/** One container's back-off, as client-go's flowcontrol.Backoff keeps it per key. */
export interface BackOffEntry {
  readonly delayMs: number;
  /** When the container was last started under this entry. */
  readonly lastUpdateMs: number;
}

/** Why a container is waiting instead of starting (the kubelet's reason cache). */
export interface WaitingReason {
  readonly reason: string;
  readonly message: string;
}

/** Which probe failed for a running container (by container id): the kubelet restarts it. */
export type ProbeFailure = 'liveness' | 'startup';

export interface PlanInput {
  /** The pod as bound to this node; undefined when it is gone or bound elsewhere (garbage). */
  readonly desired: KubeletPod | undefined;
  readonly observed: ObservedPod;
  /** Epoch milliseconds. */
  readonly now: number;
  /** Back-off entries by `backOffKey`; entries of other pods may be in it too. */
  readonly backoff: ReadonlyMap<string, BackOffEntry>;
  /** Running containers whose liveness or startup probe reports failure, by container id. */
  readonly probeFailures?: ReadonlyMap<string, ProbeFailure>;
}

export interface PodPlan {
  readonly actions: readonly KubeletAction[];
  /** Containers held back by their back-off (CrashLoopBackOff), by name. */
  readonly waiting: ReadonlyMap<string, WaitingReason>;
  /** Back-off entries this plan set (a start under back-off); merge them into the caller's map. */
  readonly backoff: ReadonlyMap<string, BackOffEntry>;
  /** Sync the pod again after this long (the earliest end of a back-off), if anything waits. */
  readonly requeueAfterMs?: number;
}

/** The back-off key of a container: pod, container and its spec hash (upstream getStableKey). */
export function backOffKey(
  pod: Pick<KubeletPod, 'uid' | 'name' | 'namespace'>,
  c: Pick<ContainerSpec, 'name' | 'hash'>,
): string {
  return `${pod.name}_${pod.namespace}_${pod.uid}_${c.name}_${c.hash}`;
}

const running = (c: ObservedContainer): boolean => c.state === 'CONTAINER_RUNNING';
/** Upstream kills containers in these states before anything else (they may still run). */
const mayRun = (c: ObservedContainer): boolean =>
  c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_UNKNOWN';

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

/** The grace a container is stopped with (killContainer: deletion grace, else the pod's, at least 2 s). */
function graceOf(pod: KubeletPod): number {
  return Math.max(MIN_GRACE_SECONDS, pod.deletionGracePeriodSeconds ?? pod.terminationGracePeriodSeconds);
}

/**
 * Stops whatever may still run, then the pod's sandboxes: the ready ones, or with
 * `allSandboxes` every one (a sandbox whose pause process died is not ready but may still hold
 * its network and IP until StopPodSandbox; upstream stops all of them when it kills a pod).
 */
function stopAll(
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
function removeAll(observed: ObservedPod): KubeletAction[] {
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

function stop(pod: KubeletPod, c: ObservedContainer, reason: string, graceSeconds?: number): KubeletAction {
  return {
    kind: 'stop-container',
    containerId: c.id,
    name: c.name,
    gracePeriodSeconds: graceSeconds === undefined ? graceOf(pod) : Math.max(MIN_GRACE_SECONDS, graceSeconds),
    reason,
  };
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

/**
 * Dead containers and sandboxes of a living pod (kuberuntime_gc.go, MaxPerPodContainer 1): of
 * each container name the newest non-running instance stays (restart count, `logs --previous`),
 * older ones go; sandboxes other than the newest (and the ready one) go once no container
 * refers to them.
 */
function collectDead(observed: ObservedPod, keepSandbox: ObservedSandbox | undefined): KubeletAction[] {
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
