/**
 * Node IPAM (kube-controller-manager's range allocator): every node gets a `podCIDR` from the
 * cluster CIDR. Node `<anything>-i` gets subnet i (10.244.i.0/24 in the lab) when that subnet
 * is free; otherwise, and for other names, the lowest free subnet. Ranges never overlap: the
 * allocator counts every range already recorded on a node and every range it handed out and
 * the cache has not shown yet.
 */
import { nodesResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import { invalid } from '../../lib/errors/index.js';
import { addressBits, formatCidr, parseCidr, parseIp, subnet } from '../../lib/net/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, startController } from './context.js';

/** Options of the node IPAM controller. */
export interface NodeIpamOptions {
  /** Default 10.244.0.0/16 (docs/architecture.md §4). */
  readonly clusterCidr?: string;
  /** Default 24. */
  readonly nodeMaskSize?: number;
}

/** A frozen allocator configuration. */
export interface IpamConfig {
  readonly clusterCidr: string;
  readonly nodeMaskSize: number;
  readonly count: number;
}

/** Validates the options once. */
export function ipamConfig(o: NodeIpamOptions = {}): IpamConfig {
  const cidr = parseCidr(o.clusterCidr ?? '10.244.0.0/16', 'clusterCidr');
  const mask = o.nodeMaskSize ?? 24;
  const bits = addressBits(cidr.family);
  if (!Number.isInteger(mask) || mask < cidr.prefixLength || mask > bits)
    throw invalid(
      'nodeMaskSize',
      `must be ${cidr.prefixLength}–${bits} for ${formatCidr(cidr)}, got ${mask}`,
    );
  const count = Math.min(2 ** (mask - cidr.prefixLength), 1 << 20);
  return Object.freeze({ clusterCidr: formatCidr(cidr), nodeMaskSize: mask, count });
}

/** The subnet index `cidr` occupies in the cluster CIDR, or undefined when it is not one of ours. */
export function indexOf(config: IpamConfig, cidr: string): number | undefined {
  try {
    const c = parseCidr(cidr, 'podCIDR');
    const base = parseCidr(config.clusterCidr);
    if (c.prefixLength !== config.nodeMaskSize || c.family !== base.family) return undefined;
    const bits = BigInt(addressBits(c.family));
    const offset = parseIp(c.network).value - parseIp(base.network).value;
    const i = Number(offset >> (bits - BigInt(config.nodeMaskSize)));
    return offset >= 0n && i < config.count ? i : undefined;
  } catch {
    return undefined;
  }
}

/** Pure: a podCIDR for `node` given the subnet indexes already taken; undefined when the range is full. */
export function allocateFor(
  config: IpamConfig,
  nodeName: string,
  taken: ReadonlySet<number>,
): string | undefined {
  const m = /-(\d+)$/.exec(nodeName);
  const preferred = m ? Number(m[1]) : -1;
  if (preferred >= 0 && preferred < config.count && !taken.has(preferred))
    return formatCidr(subnet(config.clusterCidr, config.nodeMaskSize, preferred));
  for (let i = 0; i < config.count; i++) {
    // Index 0 goes last: lab nodes are numbered from 1, and x.x.0.0/24 holds the cluster's network address.
    if (!taken.has(i) && i !== 0) return formatCidr(subnet(config.clusterCidr, config.nodeMaskSize, i));
  }
  return taken.has(0) ? undefined : formatCidr(subnet(config.clusterCidr, config.nodeMaskSize, 0));
}

/** Starts the node IPAM controller (one worker: allocations are serial). */
export function nodeIpamController(ctx: ControllerContext, options: NodeIpamOptions): RunningController {
  const config = ipamConfig(options);
  const { informers: inf, client } = ctx;
  /** Handed out but maybe not in the cache yet: node → index. */
  const inflight = new Map<string, number>();

  const taken = (except: string): Set<number> => {
    const out = new Set<number>();
    for (const n of inf.nodes.cache.list()) {
      if (n.metadata.name === except) continue;
      for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) {
        const i = indexOf(config, c);
        if (i !== undefined) out.add(i);
      }
    }
    for (const [name, i] of inflight) if (name !== except) out.add(i);
    return out;
  };

  const reconcile = async (name: string): Promise<ReconcileResult> => {
    const node = inf.nodes.cache.get(name);
    if (!node) {
      inflight.delete(name);
      return { kind: 'done' };
    }
    if (node.spec?.podCIDR) {
      inflight.delete(name);
      return { kind: 'done' };
    }
    const cidr = allocateFor(config, name, taken(name));
    if (cidr === undefined) {
      ctx.logger.warn('cluster CIDR exhausted', { node: name, clusterCidr: config.clusterCidr });
      return { kind: 'requeueAfter', ms: 30_000 };
    }
    inflight.set(name, indexOf(config, cidr) ?? -1);
    await client
      .resource(nodesResource)
      .patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { type: 'merge' });
    ctx.logger.info('allocated podCIDR', { node: name, podCIDR: cidr });
    return { kind: 'done' };
  };
  return startController(ctx, {
    name: 'nodeipam',
    reconcile,
    workers: 1,
    watches: [watch(inf.nodes)],
  });
}
