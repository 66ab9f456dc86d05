/**
 * The scheduler cache: nodes and the pods placed on them, bound or assumed. A pod is assumed
 * the moment the scheduler decides, before the bind reaches the API, so the next cycle already
 * counts it (kube-scheduler's assume cache); the informer's bound pod later confirms it, and a
 * failed bind forgets it. Rebuilt from the API on every start: nothing is persisted.
 */
import {
  type NodeInfo,
  type NodeState,
  type NodeUsage,
  type PodInfo,
  portKey,
  type Resources,
} from './info.js';
import { NONZERO_DEFAULTS } from './plugins.js';

interface MutableUsage {
  requested: { milliCpu: number; memory: number; pods: number };
  nonzero: { milliCpu: number; memory: number };
  portCounts: Map<string, number>;
  ports: Set<string>;
  owners: Map<string, number>;
}

interface Placed {
  readonly pod: PodInfo;
  readonly node: string;
  readonly assumed: boolean;
}

function emptyUsage(): MutableUsage {
  return {
    requested: { milliCpu: 0, memory: 0, pods: 0 },
    nonzero: { milliCpu: 0, memory: 0 },
    portCounts: new Map(),
    ports: new Set(),
    owners: new Map(),
  };
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

/** Node infos plus what is placed on them. */
export class SchedulerCache {
  readonly #nodes = new Map<string, { node: NodeInfo; usage: MutableUsage }>();
  /** Usage of pods on nodes the cache has not seen yet (the pod informer may run ahead). */
  readonly #orphanUsage = new Map<string, MutableUsage>();
  readonly #placed = new Map<string, Placed>();
  #snapshot: NodeState[] | undefined;

  /** Number of nodes. */
  get nodeCount(): number {
    return this.#nodes.size;
  }

  /** Adds or replaces a node. */
  setNode(node: NodeInfo): void {
    const existing = this.#nodes.get(node.name);
    const usage = existing?.usage ?? this.#orphanUsage.get(node.name) ?? emptyUsage();
    this.#orphanUsage.delete(node.name);
    this.#nodes.set(node.name, { node, usage });
    this.#snapshot = undefined;
  }

  /** Removes a node; pods still bound to it keep their usage parked until it returns. */
  removeNode(name: string): void {
    const entry = this.#nodes.get(name);
    if (!entry) return;
    this.#nodes.delete(name);
    this.#orphanUsage.set(name, entry.usage);
    this.#snapshot = undefined;
  }

  /** The node states for one cycle (live views: valid until the cache changes). */
  nodes(): readonly NodeState[] {
    if (this.#snapshot === undefined) {
      this.#snapshot = [...this.#nodes.values()]
        .sort((a, b) => (a.node.name < b.node.name ? -1 : 1))
        .map((e) => ({ node: e.node, usage: e.usage as unknown as NodeUsage }));
    }
    return this.#snapshot;
  }

  /** The usage of one node (for tests and checks). */
  usage(node: string): NodeUsage | undefined {
    return this.#nodes.get(node)?.usage as unknown as NodeUsage | undefined;
  }

  /** True when the pod is assumed and not yet confirmed by the informer. */
  isAssumed(key: string): boolean {
    return this.#placed.get(key)?.assumed === true;
  }

  /** Node the cache has the pod on, if any. */
  nodeOf(key: string): string | undefined {
    return this.#placed.get(key)?.node;
  }

  /** Counts `pod` on `node` before the bind is confirmed. */
  assume(pod: PodInfo, node: string): void {
    this.#remove(pod.key);
    this.#add({ pod, node, assumed: true });
  }

  /** Drops an assumed pod (its bind failed). Confirmed pods are left alone. */
  forget(key: string): void {
    if (this.#placed.get(key)?.assumed) this.#remove(key);
  }

  /**
   * Reconciles a pod seen by the informer: bound, non-terminal, not yet deleted pods hold
   * resources; anything else releases what it held (unless it is assumed and still pending).
   */
  observePod(pod: PodInfo): void {
    const holds = pod.nodeName !== '' && !pod.terminal;
    if (holds) {
      this.#remove(pod.key);
      this.#add({ pod, node: pod.nodeName, assumed: false });
      return;
    }
    const placed = this.#placed.get(pod.key);
    if (placed && !(placed.assumed && pod.nodeName === '' && !pod.terminal)) this.#remove(pod.key);
  }

  /** A pod deleted from the API. */
  removePod(key: string): void {
    this.#remove(key);
  }

  #usageFor(node: string): MutableUsage {
    const entry = this.#nodes.get(node);
    if (entry) return entry.usage;
    let u = this.#orphanUsage.get(node);
    if (!u) {
      u = emptyUsage();
      this.#orphanUsage.set(node, u);
    }
    return u;
  }

  #add(p: Placed): void {
    this.#placed.set(p.pod.key, p);
    this.#apply(this.#usageFor(p.node), p.pod, 1);
  }

  #remove(key: string): void {
    const p = this.#placed.get(key);
    if (!p) return;
    this.#placed.delete(key);
    this.#apply(this.#usageFor(p.node), p.pod, -1);
  }

  #apply(u: MutableUsage, pod: PodInfo, sign: 1 | -1): void {
    const r: Resources = pod.requests;
    u.requested.milliCpu += sign * r.milliCpu;
    u.requested.memory += sign * r.memory;
    u.requested.pods += sign;
    u.nonzero.milliCpu += sign * (r.milliCpu || NONZERO_DEFAULTS.milliCpu);
    u.nonzero.memory += sign * (r.memory || NONZERO_DEFAULTS.memory);
    for (const p of pod.hostPorts) {
      for (const k of [portKey(p), `${p.protocol}/*/${p.port}`]) {
        bump(u.portCounts, k, sign);
        if (u.portCounts.has(k)) u.ports.add(k);
        else u.ports.delete(k);
      }
    }
    if (pod.ownerUid !== '') bump(u.owners, pod.ownerUid, sign);
  }
}
