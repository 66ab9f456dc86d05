/**
 * Filter and score plugins. Each is a small object with one method; the order they run in is
 * data (`DEFAULT_FILTERS`, `DEFAULT_SCORES`), as in the kube-scheduler framework
 * (pkg/scheduler/framework: Filter and Score extension points). Reason strings are the ones
 * kube-scheduler prints, so `kubectl describe pod` reads the same.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from '../../lib/api/index.js';
import { type NodeInfo, type NodeState, type PodInfo, portKey } from './info.js';

/** A filter: `undefined` when the node can host the pod, else why not (one or more reasons). */
export interface FilterPlugin {
  readonly name: string;
  filter(pod: PodInfo, state: NodeState): readonly string[] | undefined;
}

/**
 * A score: a raw number per feasible node, turned into 0–100 by `normalize` across the
 * feasible nodes (`none`: already 0–100; `scale`: raw/max×100; `reverse`: (max−raw)/max×100,
 * kube-scheduler's DefaultNormalizeScore), then multiplied by `weight`.
 */
export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  readonly normalize: 'none' | 'scale' | 'reverse';
  score(pod: PodInfo, state: NodeState): number;
}

/** Requests assumed for scoring when a container asks for nothing (pkg/scheduler/util/pod_resources.go). */
export const NONZERO_DEFAULTS = { milliCpu: 100, memory: 200 * 1024 * 1024 } as const;

/** True when `toleration` tolerates `taint` (core/v1 Toleration.ToleratesTaint). */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const op = toleration.operator ?? 'Equal';
  if (op === 'Exists') return true;
  if (!toleration.key) return false; // an empty key needs operator Exists
  return (toleration.value ?? '') === (taint.value ?? '');
}

/** The first taint of the given effects that no toleration tolerates. */
export function untoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly Taint['effect'][],
): Taint | undefined {
  return taints.find((t) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)));
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      // Gt/Lt compare the label as an integer (NodeSelectorOpGt/Lt); a non-integer never matches.
      if (
        value === undefined ||
        values.length !== 1 ||
        !/^-?\d+$/.test(value) ||
        !/^-?\d+$/.test(values[0] ?? '')
      )
        return false;
      const a = Number(value);
      const b = Number(values[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A term matches when every expression and field requirement holds; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: NodeInfo): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((r) => requirementMatches(r, node.labels[r.key])) &&
    // matchFields supports only metadata.name (core/v1 validation).
    fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.name))
  );
}

/** `spec.unschedulable` (kubectl cordon), unless the pod tolerates the matching taint. */
export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(pod, { node }) {
    if (!node.unschedulable) return undefined;
    const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
    return pod.tolerations.some((t) => tolerates(t, taint)) ? undefined : ['node(s) were unschedulable'];
  },
};

/** Nodes whose Ready condition is not True take no new pods, unless the pod tolerates not-ready (DaemonSet pods do). */
export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(pod, { node }) {
    if (node.ready) return undefined;
    const taint: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
    return pod.tolerations.some((t) => tolerates(t, taint)) ? undefined : ['node(s) were not ready'];
  },
};

/** NoSchedule and NoExecute taints must be tolerated. */
export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter(pod, { node }) {
    const t = untoleratedTaint(node.taints, pod.tolerations, ['NoSchedule', 'NoExecute']);
    return t === undefined ? undefined : [`node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`];
  },
};

/** `nodeSelector` and required node affinity (terms are ORed, expressions ANDed). */
export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, { node }) {
    const reason = ["node(s) didn't match Pod's node affinity/selector"];
    for (const [k, v] of Object.entries(pod.nodeSelector)) if (node.labels[k] !== v) return reason;
    const terms = pod.requiredTerms;
    if (terms !== undefined && !terms.some((t) => termMatches(t, node))) return reason;
    return undefined;
  },
};

/** Host ports: same protocol and port conflict when the addresses are equal or either is 0.0.0.0. */
export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter(pod, { usage }) {
    for (const p of pod.hostPorts) {
      const wildcard = p.hostIP === '0.0.0.0';
      const clash = wildcard
        ? usage.ports.has(`${p.protocol}/*/${p.port}`)
        : usage.ports.has(portKey(p)) || usage.ports.has(portKey({ ...p, hostIP: '0.0.0.0' }));
      if (clash) return ["node(s) didn't have free ports for the requested pod ports"];
    }
    return undefined;
  },
};

/** Requests against allocatable minus what bound and assumed pods already request. */
export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, { node, usage }) {
    const out: string[] = [];
    const a = node.allocatable;
    const u = usage.requested;
    if (u.pods + 1 > a.pods) out.push('Too many pods');
    if (pod.requests.milliCpu > 0 && u.milliCpu + pod.requests.milliCpu > a.milliCpu)
      out.push('Insufficient cpu');
    if (pod.requests.memory > 0 && u.memory + pod.requests.memory > a.memory) out.push('Insufficient memory');
    return out.length === 0 ? undefined : out;
  },
};

function nonzero(pod: PodInfo): { cpu: number; mem: number } {
  return {
    cpu: pod.requests.milliCpu || NONZERO_DEFAULTS.milliCpu,
    mem: pod.requests.memory || NONZERO_DEFAULTS.memory,
  };
}

function fractions(pod: PodInfo, { node, usage }: NodeState): { cpu: number; mem: number } {
  const p = nonzero(pod);
  const usedCpu = usage.nonzero.milliCpu + p.cpu;
  const usedMem = usage.nonzero.memory + p.mem;
  const cpu = node.allocatable.milliCpu > 0 ? Math.min(1, usedCpu / node.allocatable.milliCpu) : 1;
  const mem = node.allocatable.memory > 0 ? Math.min(1, usedMem / node.allocatable.memory) : 1;
  return { cpu, mem };
}

/** Prefers nodes with the most free cpu and memory after placing the pod (LeastAllocated). */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  normalize: 'none',
  score(pod, state) {
    const f = fractions(pod, state);
    return ((1 - f.cpu) * 100 + (1 - f.mem) * 100) / 2;
  },
};

/** Prefers nodes where cpu and memory use stay balanced: (1 − std-dev of the fractions) × 100. */
export const balancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  normalize: 'none',
  score(pod, state) {
    const f = fractions(pod, state);
    return (1 - Math.abs(f.cpu - f.mem) / 2) * 100;
  },
};

/** Spreads pods of the same controller across nodes: fewer siblings is better. */
export const ownerSpread: ScorePlugin = {
  name: 'OwnerSpread',
  weight: 2,
  normalize: 'reverse',
  score(pod, { usage }) {
    return pod.ownerUid === '' ? 0 : (usage.owners.get(pod.ownerUid) ?? 0);
  },
};

/** Sum of the weights of matching preferred node affinity terms. */
export const preferredNodeAffinity: ScorePlugin = {
  name: 'NodeAffinityPreferred',
  weight: 2,
  normalize: 'scale',
  score(pod, { node }) {
    let sum = 0;
    for (const p of pod.preferredTerms) if (termMatches(p.term, node)) sum += p.weight;
    return sum;
  },
};

/** Fewer untolerated PreferNoSchedule taints is better. */
export const preferNoScheduleTaints: ScorePlugin = {
  name: 'TaintTolerationPreferred',
  weight: 3,
  normalize: 'reverse',
  score(pod, { node }) {
    let n = 0;
    for (const t of node.taints) {
      if (t.effect === 'PreferNoSchedule' && !pod.tolerations.some((tol) => tolerates(tol, t))) n += 1;
    }
    return n;
  },
};

/** Filters in the order they run; the first that rejects a node gives its reasons. */
export const DEFAULT_FILTERS: readonly FilterPlugin[] = [
  nodeUnschedulable,
  nodeReady,
  taintToleration,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
];

/** Scores, summed with their weights. */
export const DEFAULT_SCORES: readonly ScorePlugin[] = [
  leastAllocated,
  balancedAllocation,
  ownerSpread,
  preferredNodeAffinity,
  preferNoScheduleTaints,
];
