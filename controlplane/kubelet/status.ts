/**
 * The pod status the kubelet writes, from what the runtime reports (upstream kubelet_pods.go:
 * convertToAPIContainerStatuses, getPhase, generateAPIPodStatus; pkg/kubelet/status/generate.go
 * for the conditions). Pure: the probe results and the reasons of failed starts (CrashLoopBackOff,
 * ErrImageNeverPull, CreateContainerConfigError) come in beside the observation.
 */
import type { Condition, ContainerStatus, Pod, PodPhase } from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/index.js';
import type { ContainerSpec, KubeletPod } from './model.js';
import { type ObservedContainer, type ObservedPod, restartCountOf } from './observed.js';
import { sandboxChanged, type WaitingReason } from './plan.js';

/** What the probes say of a running container (by container id). */
export interface ContainerProbeView {
  readonly ready: boolean;
  readonly started: boolean;
}

export interface StatusInput {
  readonly pod: KubeletPod;
  readonly observed: ObservedPod;
  /** Epoch ms: the transition time of changed conditions, and startTime when not set yet. */
  readonly now: number;
  /** The node's IPs, first the primary (status.hostIP(s); a host-network pod's IPs). */
  readonly hostIPs: readonly string[];
  /** Probe views by container id; a running container without one is started, and ready. */
  readonly probes?: ReadonlyMap<string, ContainerProbeView>;
  /** The reason cache: why each container's last start did not happen, by name. */
  readonly waiting?: ReadonlyMap<string, WaitingReason>;
  /** The runtime's name in container IDs (`containerd://<id>`). */
  readonly runtime?: string;
}

export type PodStatus = NonNullable<Pod['status']>;

/** The conditions the kubelet owns; others (e.g. DisruptionTarget) are kept as the API has them. */
const KUBELET_CONDITIONS = new Set([
  'PodScheduled',
  'Ready',
  'Initialized',
  'ContainersReady',
  'PodReadyToStartContainers',
]);

/** The pod's status (podIsTerminal: the pod is deleted or already terminal, and nothing runs). */
export function podStatus(input: StatusInput): PodStatus {
  const { pod, observed, now } = input;
  const runtime = input.runtime ?? 'containerd';
  const hasInit = pod.initContainers.length > 0;
  const initStatuses = pod.initContainers.map((c) => containerStatus(input, c, true, hasInit, runtime));
  const appStatuses = pod.containers.map((c) => containerStatus(input, c, false, hasInit, runtime));

  const anyRunning = observed.containers.some((c) => c.state === 'CONTAINER_RUNNING');
  const podIsTerminal =
    (pod.deletionTimestamp !== undefined || pod.phase === 'Succeeded' || pod.phase === 'Failed') &&
    !anyRunning;
  let phase = podPhase(pod, [...initStatuses, ...appStatuses], podIsTerminal);
  // Pods never leave a terminal phase (generateAPIPodStatus).
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') phase = pod.phase;

  const ips = podIPs(pod, observed, input.hostIPs);
  const conditions = [
    ...pod.conditions.filter((c) => !KUBELET_CONDITIONS.has(c.type)),
    readyToStartContainers(pod, observed),
    initializedCondition(pod, initStatuses, appStatuses, phase),
    readyCondition('Ready', appStatuses, phase),
    readyCondition('ContainersReady', appStatuses, phase),
    { type: 'PodScheduled', status: 'True' as const },
  ].map((c) => withTransitionTime(c, pod.conditions, now));

  return {
    phase,
    conditions,
    ...(input.hostIPs[0]
      ? { hostIP: input.hostIPs[0], hostIPs: input.hostIPs.slice(0, 2).map((ip) => ({ ip })) }
      : {}),
    ...(ips.length > 0 ? { podIP: ips[0]!, podIPs: ips.map((ip) => ({ ip })) } : {}),
    startTime: pod.startTime ?? formatTime(now),
    ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
  };
}

/** The pod's IPs: the ready newest sandbox's (primary family first), or the node's for host-network pods. */
function podIPs(pod: KubeletPod, observed: ObservedPod, hostIPs: readonly string[]): string[] {
  if (pod.hostNetwork) return hostIPs.slice(0, 2);
  const newest = observed.sandboxes[0];
  if (newest?.state !== 'SANDBOX_READY') return [];
  // sortPodIPs: the first IP of the node's family, then the first of the other family.
  const v6 = (ip: string) => ip.includes(':');
  const primaryV6 = hostIPs[0] !== undefined && v6(hostIPs[0]);
  const primary = newest.ips.find((ip) => v6(ip) === primaryV6);
  const secondary = newest.ips.find((ip) => v6(ip) !== primaryV6);
  return [primary, secondary].filter((ip): ip is string => ip !== undefined);
}

/** Keeps a condition's lastTransitionTime while its status is unchanged. */
function withTransitionTime(c: Condition, old: readonly Condition[], now: number): Condition {
  const prev = old.find((o) => o.type === c.type);
  const lastTransitionTime =
    prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : formatTime(now);
  return { ...c, lastProbeTime: null, lastTransitionTime };
}

function readyToStartContainers(pod: KubeletPod, observed: ObservedPod): Condition {
  return {
    type: 'PodReadyToStartContainers',
    status: sandboxChanged(pod, observed.sandboxes).changed ? 'False' : 'True',
  };
}

const listed = (names: readonly string[]): string => `[${names.join(' ')}]`;

function initializedCondition(
  pod: KubeletPod,
  inits: readonly ContainerStatus[],
  apps: readonly ContainerStatus[],
  phase: PodPhase,
): Condition {
  if (pod.initContainers.length === 0) return { type: 'Initialized', status: 'True' };
  if (phase === 'Succeeded') return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  // Any app container that ran means the pod was initialized before.
  if (apps.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)) {
    return { type: 'Initialized', status: 'True' };
  }
  // A regular init container counts once it is ready, i.e. it exited 0.
  const incomplete = inits.filter((s) => !s.ready).map((s) => s.name);
  if (incomplete.length === 0) return { type: 'Initialized', status: 'True' };
  return {
    type: 'Initialized',
    status: 'False',
    reason: 'ContainersNotInitialized',
    message: `containers with incomplete status: ${listed(incomplete)}`,
  };
}

function readyCondition(
  type: 'Ready' | 'ContainersReady',
  apps: readonly ContainerStatus[],
  phase: PodPhase,
): Condition {
  if (phase === 'Succeeded') return { type, status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type, status: 'False', reason: 'PodFailed' };
  const unready = apps.filter((s) => !s.ready).map((s) => s.name);
  if (unready.length === 0) return { type, status: 'True' };
  return {
    type,
    status: 'False',
    reason: 'ContainersNotReady',
    message: `containers with unready status: ${listed(unready)}`,
  };
}

/**
 * getPhase over the converted statuses: a failed init container under Never fails the pod;
 * init containers pending or app containers waiting → Pending; all started and one running →
 * Running; all stopped → Succeeded/Failed by exit codes once terminal or when restartPolicy
 * lets nothing restart, else Running (restarting).
 */
export function podPhase(
  pod: KubeletPod,
  statuses: readonly ContainerStatus[],
  podIsTerminal: boolean,
): PodPhase {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of pod.initContainers) {
    const s = byName.get(c.name);
    if (!s?.state || s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of pod.containers) {
    const s = byName.get(c.name);
    if (!s?.state) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && pod.restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (pod.restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (pod.restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** ShouldContainerBeRestarted (the pod-level view the status uses). */
function willRestart(pod: KubeletPod, latest: ObservedContainer | undefined): boolean {
  if (pod.deletionTimestamp !== undefined) return false;
  if (!latest) return true;
  if (latest.state === 'CONTAINER_RUNNING') return false;
  if (latest.state === 'CONTAINER_CREATED' || latest.state === 'CONTAINER_UNKNOWN') return true;
  if (pod.restartPolicy === 'Never') return false;
  if (pod.restartPolicy === 'OnFailure') return latest.exitCode !== 0;
  return true;
}

type State = NonNullable<ContainerStatus['state']>;
type Terminated = NonNullable<State['terminated']>;

const iso = (ms: number): string | undefined =>
  ms > 0 ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;

function terminatedOf(c: ObservedContainer, runtime: string): Terminated & { containerID: string } {
  const startedAt = iso(c.startedAt);
  const finishedAt = iso(c.finishedAt);
  // containerd's own reasons; an empty one is filled the same way.
  const reason = c.reason || (c.exitCode === 0 ? 'Completed' : 'Error');
  return {
    exitCode: c.exitCode,
    reason,
    ...(c.message ? { message: c.message } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    containerID: `${runtime}://${c.id}`,
  };
}

function containerStatus(
  input: StatusInput,
  spec: ContainerSpec,
  init: boolean,
  hasInit: boolean,
  runtime: string,
): ContainerStatus {
  const { pod, observed } = input;
  const instances = observed.containers.filter((c) => c.name === spec.name);
  const latest = instances[0];
  const previous = instances[1];
  const status: ContainerStatus = {
    name: spec.name,
    ready: false,
    restartCount: 0,
    image: spec.image,
    started: false,
  };
  if (!latest) {
    status.state = { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } };
  } else {
    status.restartCount = restartCountOf(latest);
    status.containerID = `${runtime}://${latest.id}`;
    if (latest.imageRef) status.imageID = latest.imageRef;
    if (latest.state === 'CONTAINER_RUNNING') {
      const probe = input.probes?.get(latest.id);
      const startedAt = iso(latest.startedAt);
      status.state = { running: startedAt ? { startedAt } : {} };
      status.started = probe?.started ?? true;
      status.ready = probe?.ready ?? status.started;
    } else if (latest.state === 'CONTAINER_EXITED') {
      status.state = { terminated: terminatedOf(latest, runtime) };
      // A regular init container is ready once it succeeded.
      status.ready = init && latest.exitCode === 0;
    } else {
      status.state = { waiting: {} };
    }
    if (previous?.state === 'CONTAINER_EXITED')
      status.lastState = { terminated: terminatedOf(previous, runtime) };
  }
  // A container the next sync restarts and whose last start failed waits, with that reason.
  const succeededInit = init && latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0;
  const reason = input.waiting?.get(spec.name);
  if (reason && !succeededInit && willRestart(pod, latest)) {
    if (status.state?.terminated) status.lastState = { terminated: status.state.terminated };
    status.state = {
      waiting: { reason: reason.reason, ...(reason.message ? { message: reason.message } : {}) },
    };
    status.ready = false;
  }
  return status;
}
