/**
 * Slim internal types (STYLE habit 9): a pod and a node cut down at the informer boundary to
 * what filters and scores read, with derived values (summed requests, host ports) computed once.
 */
import {
  type Container,
  keyOf,
  type Node,
  type NodeSelectorTerm,
  type Pod,
  type Taint,
  type Toleration,
} from '../../lib/api/index.js';
import { integerQuantity, milliCpu } from '../../lib/api/quantity.js';

/** Requested or allocatable amounts. */
export interface Resources {
  readonly milliCpu: number;
  readonly memory: number;
  readonly pods: number;
}

/** A host port a pod claims: `protocol/hostIP/port` semantics of the NodePorts plugin. */
export interface HostPort {
  readonly port: number;
  readonly protocol: string;
  readonly hostIP: string;
}

/** A pod as the scheduler sees it. */
export interface PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly nodeName: string;
  readonly schedulerName: string;
  /** Terminal (Succeeded/Failed) pods hold no resources. */
  readonly terminal: boolean;
  readonly deleting: boolean;
  readonly requests: Resources;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly requiredTerms: readonly NodeSelectorTerm[] | undefined;
  readonly preferredTerms: readonly { readonly weight: number; readonly term: NodeSelectorTerm }[];
  readonly tolerations: readonly Toleration[];
  readonly hostPorts: readonly HostPort[];
  /** uid of the controlling owner, for spreading; '' when none. */
  readonly ownerUid: string;
  /** `spec.priority` as Priority admission set it (0 when absent): the queue's first sort key. */
  readonly priority: number;
  /** Changes when anything scheduling-relevant changes (status excluded). */
  readonly fingerprint: string;
  /** The pod's current PodScheduled=False message, to skip writing the same one twice. */
  readonly unschedulableMessage: string | undefined;
  /** Set when the pod cannot be understood (a malformed quantity): it is never placed. */
  readonly problem: string | undefined;
}

/** A node as the scheduler sees it (static part; usage is tracked by the cache). */
export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly allocatable: Resources;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  readonly ready: boolean;
}

/** What is already placed on a node: sums of requests, ports in use, pods per owner. */
export interface NodeUsage {
  readonly requested: Resources;
  /** Requests with the scoring defaults for containers that ask for nothing (NONZERO_DEFAULTS). */
  readonly nonzero: { readonly milliCpu: number; readonly memory: number };
  /** `protocol/hostIP/port` and `protocol/*\/port` for every claimed host port. */
  readonly ports: ReadonlySet<string>;
  readonly owners: ReadonlyMap<string, number>;
}

/** A node and its usage: the input of filters and scores. */
export interface NodeState {
  readonly node: NodeInfo;
  readonly usage: NodeUsage;
}

/** The scheduler name pods get by default (apiserver defaulting). */
export const DEFAULT_SCHEDULER = 'default-scheduler';

/** Default allowed pods per node when a Node does not say (kubelet `--max-pods`). */
export const DEFAULT_MAX_PODS = 110;

function containerRequests(c: Container, field: string): { cpu: number; mem: number } {
  const r = c.resources?.requests ?? {};
  return {
    cpu: r.cpu === undefined ? 0 : milliCpu(r.cpu, `${field}.resources.requests.cpu`),
    mem: r.memory === undefined ? 0 : integerQuantity(r.memory, `${field}.resources.requests.memory`),
  };
}

/**
 * Effective requests: max(sum of app containers, largest init container) + overhead, the
 * rule of the Kubernetes resource model ("Resources" in pod-overhead and init-containers docs).
 */
export function podRequests(pod: Pod): Resources {
  let cpu = 0;
  let mem = 0;
  pod.spec.containers.forEach((c, i) => {
    const r = containerRequests(c, `spec.containers[${i}]`);
    cpu += r.cpu;
    mem += r.mem;
  });
  (pod.spec.initContainers ?? []).forEach((c, i) => {
    const r = containerRequests(c, `spec.initContainers[${i}]`);
    cpu = Math.max(cpu, r.cpu);
    mem = Math.max(mem, r.mem);
  });
  const o = pod.spec.overhead ?? {};
  if (o.cpu !== undefined) cpu += milliCpu(o.cpu, 'spec.overhead.cpu');
  if (o.memory !== undefined) mem += integerQuantity(o.memory, 'spec.overhead.memory');
  return { milliCpu: cpu, memory: mem, pods: 1 };
}

/** Converts an API Pod to a `PodInfo`; a malformed request becomes `problem`, not an exception. */
export function toPodInfo(pod: Pod): PodInfo {
  const spec = pod.spec ?? { containers: [] };
  let requests: Resources = { milliCpu: 0, memory: 0, pods: 1 };
  let problem: string | undefined;
  try {
    requests = podRequests({ ...pod, spec: { ...spec, containers: spec.containers ?? [] } });
  } catch (err: unknown) {
    problem = err instanceof Error ? err.message : String(err);
  }
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const affinity = spec.affinity?.nodeAffinity;
  const hostPorts: HostPort[] = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0)
        hostPorts.push({ port: p.hostPort, protocol: p.protocol ?? 'TCP', hostIP: p.hostIP || '0.0.0.0' });
    }
  }
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller) ?? pod.metadata.ownerReferences?.[0];
  const phase = pod.status?.phase;
  const info = {
    key: keyOf(pod),
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
    nodeName: spec.nodeName ?? '',
    schedulerName: spec.schedulerName || DEFAULT_SCHEDULER,
    terminal: phase === 'Succeeded' || phase === 'Failed',
    deleting: pod.metadata.deletionTimestamp !== undefined,
    requests,
    nodeSelector: spec.nodeSelector ?? {},
    requiredTerms: affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    preferredTerms: (affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => ({
      weight: p.weight,
      term: p.preference,
    })),
    tolerations: spec.tolerations ?? [],
    hostPorts,
    ownerUid: owner?.uid ?? '',
    priority: typeof spec.priority === 'number' ? spec.priority : 0,
    unschedulableMessage: cond?.status === 'False' ? (cond.message ?? '') : undefined,
    problem,
  };
  return {
    ...info,
    fingerprint: JSON.stringify([spec, pod.metadata.labels ?? {}, pod.metadata.deletionTimestamp ?? '']),
  };
}

function resourceOr(
  list: Record<string, string | number> | undefined,
  name: string,
  fallback: number,
): number {
  const v = list?.[name];
  if (v === undefined) return fallback;
  try {
    return name === 'cpu'
      ? milliCpu(v, `status.allocatable.${name}`)
      : integerQuantity(v, `status.allocatable.${name}`);
  } catch {
    return 0; // a node reporting garbage offers nothing rather than stopping the informer
  }
}

/** Converts an API Node to a `NodeInfo`. Allocatable falls back to capacity (kubelet reports both). */
export function toNodeInfo(node: Node): NodeInfo {
  const alloc = node.status?.allocatable ?? node.status?.capacity;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return {
    name: node.metadata.name ?? '',
    labels: node.metadata.labels ?? {},
    allocatable: {
      milliCpu: resourceOr(alloc, 'cpu', 0),
      memory: resourceOr(alloc, 'memory', 0),
      pods: resourceOr(alloc, 'pods', DEFAULT_MAX_PODS),
    },
    taints: node.spec?.taints ?? [],
    unschedulable: node.spec?.unschedulable === true,
    ready,
  };
}

/** The key a host port occupies on a node. A 0.0.0.0 claim conflicts with every address. */
export function portKey(p: HostPort): string {
  return `${p.protocol}/${p.hostIP}/${p.port}`;
}
