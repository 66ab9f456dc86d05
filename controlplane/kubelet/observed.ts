/**
 * What the kubelet observes through CRI, and how it finds it again: the runtime state of its
 * sandboxes and containers (mirroring CRI v1's PodSandboxStatus and ContainerStatus, so a thin
 * adapter fills them), and the labels and annotations it puts on them (upstream's
 * `io.kubernetes.*` keys, pkg/kubelet/kuberuntime/labels.go), by which a restarted kubelet
 * adopts what is running instead of starting it again.
 */
import type { ContainerSpec, KubeletPod } from './model.js';

// ── CRI labels and annotations ──────────────────────────────────────────────────────────────

/** Labels on sandboxes and containers naming their pod (upstream's keys, so tools like crictl agree). */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
/** Label on containers: the container's name in the pod spec. */
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** Annotations on containers: the spec hash (a changed spec restarts), the restart count, grace. */
export const ANNOTATION_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
/** Annotation on sandboxes: the hash of what the sandbox was made from (network mode, DNS, ports). */
export const ANNOTATION_SANDBOX_HASH = 'switchyard.io/sandbox-hash';

// ── What CRI reports ────────────────────────────────────────────────────────────────────────

/** CRI PodSandboxState. */
export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

/** CRI ContainerState. */
export type ContainerState =
  | 'CONTAINER_CREATED'
  | 'CONTAINER_RUNNING'
  | 'CONTAINER_EXITED'
  | 'CONTAINER_UNKNOWN';

/**
 * A pod sandbox as CRI's ListPodSandbox + PodSandboxStatus report it. Times are epoch
 * milliseconds (CRI sends nanoseconds; the adapter divides).
 */
export interface ObservedSandbox {
  readonly id: string;
  readonly state: SandboxState;
  readonly createdAt: number;
  /** metadata.attempt: 0 for a pod's first sandbox, one more for each recreation. */
  readonly attempt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** network.ip and network.additional_ips; empty for a host-network sandbox. */
  readonly ips: readonly string[];
  /** linux.namespaces.options.network === NODE. */
  readonly hostNetwork: boolean;
}

/** A container as CRI's ListContainers + ContainerStatus report it; times in epoch ms, 0 = unset. */
export interface ObservedContainer {
  readonly id: string;
  readonly sandboxId: string;
  /** metadata.name (= the spec container's name). */
  readonly name: string;
  readonly attempt: number;
  readonly state: ContainerState;
  readonly createdAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  /** containerd: `Completed`, `Error`, `OOMKilled`, or empty. */
  readonly reason: string;
  readonly message: string;
  readonly image: string;
  readonly imageRef: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Everything the runtime holds of one pod (by its uid label). */
export interface ObservedPod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** Newest first. */
  readonly sandboxes: readonly ObservedSandbox[];
  /** Newest first. */
  readonly containers: readonly ObservedContainer[];
}

/** The labels of a pod's sandbox: the pod's own labels and the three `io.kubernetes.pod.*` keys. */
export function sandboxLabels(pod: KubeletPod): Record<string, string> {
  return { ...pod.labels, ...podIdentityLabels(pod) };
}

/** The annotations of a pod's sandbox: the pod's own and the sandbox hash. */
export function sandboxAnnotations(pod: KubeletPod): Record<string, string> {
  return { ...pod.annotations, [ANNOTATION_SANDBOX_HASH]: pod.sandboxHash };
}

/** The labels of a container: its pod and its name. */
export function containerLabels(pod: KubeletPod, c: ContainerSpec): Record<string, string> {
  return { ...podIdentityLabels(pod), [LABEL_CONTAINER_NAME]: c.name };
}

/** The annotations of a container: spec hash, restart count and the pod's grace period. */
export function containerAnnotations(
  pod: KubeletPod,
  c: ContainerSpec,
  restartCount: number,
): Record<string, string> {
  return {
    [ANNOTATION_CONTAINER_HASH]: c.hash,
    [ANNOTATION_RESTART_COUNT]: String(restartCount),
    [ANNOTATION_TERMINATION_GRACE]: String(pod.terminationGracePeriodSeconds),
  };
}

function podIdentityLabels(pod: KubeletPod): Record<string, string> {
  return { [LABEL_POD_NAME]: pod.name, [LABEL_POD_NAMESPACE]: pod.namespace, [LABEL_POD_UID]: pod.uid };
}

/** The restart count a container was created with (its annotation; 0 when absent or malformed). */
export function restartCountOf(c: ObservedContainer): number {
  const n = Number(c.annotations[ANNOTATION_RESTART_COUNT]);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Groups what CRI lists by the pod uid label, newest first; objects without the label (not the
 * kubelet's) are left out. A container is also filed under its sandbox's pod.
 */
export function groupByPod(
  sandboxes: readonly ObservedSandbox[],
  containers: readonly ObservedContainer[],
): Map<string, ObservedPod> {
  const pods = new Map<
    string,
    {
      uid: string;
      name: string;
      namespace: string;
      sandboxes: ObservedSandbox[];
      containers: ObservedContainer[];
    }
  >();
  const entry = (labels: Readonly<Record<string, string>>) => {
    const uid = labels[LABEL_POD_UID];
    if (!uid) return undefined;
    let e = pods.get(uid);
    if (!e) {
      e = {
        uid,
        name: labels[LABEL_POD_NAME] ?? '',
        namespace: labels[LABEL_POD_NAMESPACE] ?? '',
        sandboxes: [],
        containers: [],
      };
      pods.set(uid, e);
    }
    return e;
  };
  for (const s of sandboxes) entry(s.labels)?.sandboxes.push(s);
  for (const c of containers) entry(c.labels)?.containers.push(c);
  for (const e of pods.values()) {
    e.sandboxes.sort((a, b) => b.createdAt - a.createdAt);
    e.containers.sort((a, b) => b.createdAt - a.createdAt);
  }
  return pods;
}

/** An empty observation, for a pod the runtime knows nothing of yet. */
export function emptyObservation(pod: Pick<KubeletPod, 'uid' | 'name' | 'namespace'>): ObservedPod {
  return { uid: pod.uid, name: pod.name, namespace: pod.namespace, sandboxes: [], containers: [] };
}
