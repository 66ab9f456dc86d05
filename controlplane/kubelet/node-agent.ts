/**
 * The kubelet's node agent (adapter): registers the Node (create; when it exists, patch only
 * its status, so the controller manager's spec.podCIDR stays), renews the Lease
 * kube-node-lease/<node> every 10 s (owned by the Node, as upstream), and every 10 s compares
 * the status it would report with the server's, writing it on a change or at least every
 * 5 min (nodeStatusReportFrequency). It exposes the node's podCIDR (the flag's, or node IPAM's)
 * for the CNI config. `hostFacts` reads the machine's facts for node-status.ts.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import type { Lease, Node } from '../../lib/api/index.js';
import { formatMicroTime } from '../../lib/api/time.js';
import {
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  leasesResource,
  nodesResource,
} from '../../lib/client/index.js';
import { type Clock, realClock } from '../../lib/reconcile/index.js';
import {
  type NodeFacts,
  nodeStatus,
  nodeStatusChanged,
  nodeToRegister,
  parseMeminfo,
  parseOsRelease,
  type RuntimeHealth,
} from './node-status.js';

/** The node Lease's namespace. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** How often the status is compared with the server's (nodeStatusUpdateFrequency). */
export const NODE_STATUS_UPDATE_MS = 10_000;
/** How often an unchanged status is still written (nodeStatusReportFrequency). */
export const NODE_STATUS_REPORT_MS = 300_000;

/** How the agent's loops are run: lib/component's `ctx.periodic`. */
export type Periodic = (name: string, intervalMs: number, run: () => Promise<void>) => unknown;

/** Options of `NodeAgent`. */
export interface NodeAgentOptions {
  /** A client authenticated as `system:node:<name>`. */
  readonly client: KubeClient;
  readonly facts: NodeFacts;
  /** The Lease's duration; it is renewed every quarter of it (40 s → 10 s). */
  readonly leaseDurationSeconds: number;
  /** `--pod-cidr`; else the Node's spec.podCIDR. */
  readonly podCIDR?: string;
  /** The runtime's health and version (CRI Status, Version); default: ready, version unknown. */
  readonly runtime?: () => Promise<RuntimeHealth & { readonly version?: string }>;
  readonly clock?: Clock;
  /** Overrides of the intervals, for tests. */
  readonly leaseRenewMs?: number;
  readonly statusUpdateMs?: number;
  readonly statusReportMs?: number;
}

/** The machine's facts (cpu count, MemTotal, root dir's filesystem, kernel, os-release). */
export function hostFacts(o: {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly maxPods: number;
  readonly kubeletPort: number;
  readonly rootDir: string;
}): NodeFacts {
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  let storage: number | undefined;
  try {
    const s = statfsSync(o.rootDir);
    storage = s.blocks * s.bsize;
  } catch {
    storage = undefined;
  }
  return {
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    hostname: hostname(),
    cpus: cpus().length,
    memoryBytes: parseMeminfo(read('/proc/meminfo')) ?? totalmem(),
    ...(storage !== undefined ? { ephemeralStorageBytes: storage } : {}),
    maxPods: o.maxPods,
    kernelVersion: release(),
    osImage: parseOsRelease(read('/etc/os-release')),
    arch: process.arch,
    kubeletPort: o.kubeletPort,
  };
}

/** Registers the node and keeps its Lease and status fresh. */
export class NodeAgent {
  readonly #o: NodeAgentOptions;
  readonly #clock: Clock;
  #facts: NodeFacts;
  #lease: Lease | undefined;
  #lastReport = Number.NEGATIVE_INFINITY;
  #podCIDR: string | undefined;

  constructor(options: NodeAgentOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#facts = options.facts;
    this.#podCIDR = options.podCIDR;
  }

  get name(): string {
    return this.#facts.nodeName;
  }

  /** The node's pod CIDR once known. */
  get podCIDR(): string | undefined {
    return this.#podCIDR;
  }

  async #health(): Promise<RuntimeHealth> {
    if (!this.#o.runtime) return { ready: true };
    try {
      const h = await this.#o.runtime();
      if (h.version !== undefined) this.#facts = { ...this.#facts, containerRuntimeVersion: h.version };
      return h.message !== undefined ? { ready: h.ready, message: h.message } : { ready: h.ready };
    } catch (err: unknown) {
      return { ready: false, message: `container runtime is down: ${String(err)}` };
    }
  }

  #nodes() {
    return this.#o.client.resource(nodesResource);
  }

  #seen(node: Node): void {
    if (this.#o.podCIDR === undefined && node.spec?.podCIDR) this.#podCIDR = node.spec.podCIDR;
  }

  /**
   * Creates the Node, or finds it when it exists (its spec is the cluster's), then writes its
   * status: this API server drops the status of a create (upstream's keeps it), so the first
   * report is always a status patch.
   */
  async register(): Promise<Node> {
    const now = this.#clock.now();
    const health = await this.#health();
    let node: Node;
    try {
      node = await this.#nodes().create(nodeToRegister(this.#facts, health, now));
    } catch (err: unknown) {
      if (!isAlreadyExists(err)) throw err;
      node = await this.#nodes().get(this.name);
    }
    return this.#report(node, health, now);
  }

  async #report(node: Node, health: RuntimeHealth, now: number): Promise<Node> {
    const status = nodeStatus(this.#facts, health, node.status?.conditions, now);
    const written = await this.#nodes().patchStatus(this.name, { status }, { type: 'merge' });
    this.#lastReport = now;
    this.#seen(written);
    return written;
  }

  /** One status check: writes when the status changed or the report is due. */
  async syncStatus(): Promise<void> {
    const node = await this.#nodes().get(this.name);
    this.#seen(node);
    const now = this.#clock.now();
    const health = await this.#health();
    const next = nodeStatus(this.#facts, health, node.status?.conditions, now);
    const due = now - this.#lastReport >= (this.#o.statusReportMs ?? NODE_STATUS_REPORT_MS);
    if (due || nodeStatusChanged(node.status, next)) await this.#report(node, health, now);
  }

  /** Renews (or creates) the node Lease, owned by the Node. */
  async renewLease(): Promise<Lease> {
    const leases = this.#o.client.resource(leasesResource);
    const opts = { namespace: NODE_LEASE_NAMESPACE };
    const spec = {
      holderIdentity: this.name,
      leaseDurationSeconds: this.#o.leaseDurationSeconds,
      renewTime: formatMicroTime(this.#clock.now()),
    };
    if (this.#lease) {
      try {
        this.#lease = await leases.update({ ...this.#lease, spec: { ...this.#lease.spec, ...spec } }, opts);
        return this.#lease;
      } catch {
        // Stale or gone: read it again below.
        this.#lease = undefined;
      }
    }
    try {
      const current = await leases.get(this.name, opts);
      this.#lease = await leases.update({ ...current, spec: { ...current.spec, ...spec } }, opts);
      return this.#lease;
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
    }
    const node = await this.#nodes().get(this.name);
    this.#lease = await leases.create(
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.name,
          namespace: NODE_LEASE_NAMESPACE,
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Node', name: this.name, uid: node.metadata.uid ?? '' },
          ],
        },
        spec,
      },
      opts,
    );
    return this.#lease;
  }

  /**
   * Registers, renews the Lease once, then runs the two loops as `periodic` tasks
   * (`node-lease`, `node-status`).
   */
  async start(periodic: Periodic): Promise<void> {
    await this.register();
    await this.renewLease();
    const leaseMs = this.#o.leaseRenewMs ?? (this.#o.leaseDurationSeconds * 1000) / 4;
    periodic('node-lease', leaseMs, async () => {
      await this.renewLease();
    });
    periodic('node-status', this.#o.statusUpdateMs ?? NODE_STATUS_UPDATE_MS, () => this.syncStatus());
  }

  /** Resolves with the pod CIDR once node IPAM has given one (polls the Node every `pollMs`). */
  async waitForPodCIDR(signal: AbortSignal, pollMs = 1000): Promise<string> {
    for (;;) {
      if (this.#podCIDR !== undefined) return this.#podCIDR;
      signal.throwIfAborted();
      this.#seen(await this.#nodes().get(this.name));
      if (this.#podCIDR !== undefined) return this.#podCIDR;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => {
          this.#clock.clearTimeout(t);
          resolve();
        };
        const t = this.#clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, pollMs);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}
