/**
 * The overlay's thin kernel adapter: reads back what the plan compares (the device, its
 * addresses, neighbours and FDB, the main table's routes) through lib/netlink, carries the
 * plan's actions out one netlink call each, and writes the masquerade table through lib/nft
 * as one `nft -f -` transaction that replaces only that table.
 */

import { invalid, isNotFound } from '../lib/errors/index.js';
import type { Netlink, NsRef } from '../lib/netlink/index.js';
import { createNft, type ExecFn, execaExec, type Nft, Transaction } from '../lib/nft/index.js';
import {
  type Action,
  deviceName,
  type Observed,
  type PlanInput,
  planActions,
  ROUTE_PROTOCOL,
} from './plan.js';

/** The masquerade table: `ip switchyard-overlay`, owned by the agent alone. */
export const NAT_TABLE = 'switchyard-overlay';

/** The underlay as the kernel reports it: the link holding the node's address and its MTU. */
export interface Underlay {
  readonly nodeIP: string;
  readonly dev: string;
  readonly mtu: number;
}

/**
 * Finds the underlay: the link holding `nodeIP`, or with `iface` its first IPv4 address.
 * Rejects naming the flag when neither is found.
 */
export async function findUnderlay(
  nl: Netlink,
  ns: NsRef,
  want: { readonly nodeIP?: string; readonly iface?: string },
): Promise<Underlay> {
  const addresses = await nl.listAddresses(ns, { family: 4 });
  const hit = want.iface
    ? addresses.find((a) => a.link === want.iface)
    : addresses.find((a) => a.address.split('/')[0] === want.nodeIP);
  if (!hit) {
    throw want.iface
      ? invalid('--iface', `no IPv4 address on "${want.iface}"`)
      : invalid('--node-ip', `no link holds ${want.nodeIP ?? '(none)'}`);
  }
  const link = await nl.getLink(ns, hit.link);
  return { nodeIP: hit.address.split('/')[0] as string, dev: link.name, mtu: link.mtu };
}

/** Reads the state `planActions` compares. */
export async function observe(nl: Netlink, ns: NsRef, vni: number): Promise<Observed> {
  const name = deviceName(vni);
  const [device, routes] = await Promise.all([
    nl.findLink(ns, name),
    nl.listRoutes(ns, { table: 254, family: 4 }),
  ]);
  if (!device) return { addresses: [], neighbours: [], fdb: [], routes };
  const [addresses, neighbours, fdb] = await Promise.all([
    nl.listAddresses(ns, { link: name }),
    nl.listNeighbours(ns, { link: name }),
    nl.listFdb(ns, { link: name }),
  ]);
  return { device, addresses: addresses.map((a) => a.address), neighbours, fdb, routes };
}

/** Carries out one action. Deleting something already gone is success (idempotent). */
async function applyOne(nl: Netlink, ns: NsRef, a: Action): Promise<void> {
  switch (a.kind) {
    case 'delete-link':
      return ignoreMissing(nl.deleteLink(ns, a.name));
    case 'create-vxlan':
      return nl.createVxlan(ns, a.spec);
    case 'set-link': {
      const { kind: _, ...change } = a;
      return nl.setLink(ns, change);
    }
    case 'add-address':
      return nl.addAddress(ns, { link: a.link, address: a.address });
    case 'delete-address':
      return ignoreMissing(nl.deleteAddress(ns, { link: a.link, address: a.address }));
    case 'set-neighbour':
      return nl.setNeighbour(ns, { link: a.link, address: a.address, mac: a.mac, state: 'permanent' });
    case 'delete-neighbour':
      return ignoreMissing(nl.deleteNeighbour(ns, { link: a.link, address: a.address }));
    case 'add-fdb':
      return nl.addFdb(ns, { link: a.link, mac: a.mac, dst: a.dst });
    case 'delete-fdb':
      return ignoreMissing(nl.deleteFdb(ns, { link: a.link, mac: a.mac, ...(a.dst ? { dst: a.dst } : {}) }));
    case 'replace-route':
      return nl.replaceRoute(ns, { ...a.route, protocol: ROUTE_PROTOCOL });
    case 'delete-route': {
      const r = a.route;
      return ignoreMissing(
        nl.deleteRoute(ns, {
          dst: r.dst,
          table: r.table,
          ...(r.gateway ? { gateway: r.gateway } : {}),
          ...(r.dev ? { dev: r.dev } : {}),
          ...(r.metric !== undefined ? { metric: r.metric } : {}),
        }),
      );
    }
  }
}

async function ignoreMissing(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err: unknown) {
    if (!isNotFound(err)) throw err;
  }
}

/** Carries out the actions in order; the first failure stops (the next resync retries). */
export async function applyActions(nl: Netlink, ns: NsRef, actions: readonly Action[]): Promise<void> {
  for (const a of actions) await applyOne(nl, ns, a);
}

/** Turns on IPv4 forwarding (pods' packets cross the node), when it is off. */
export async function ensureForwarding(nl: Netlink, ns: NsRef): Promise<boolean> {
  if ((await nl.getSysctl(ns, 'net.ipv4.ip_forward')) === '1') return false;
  await nl.setSysctl(ns, { key: 'net.ipv4.ip_forward', value: 1 });
  return true;
}

/**
 * The masquerade transaction: pod traffic leaving the cluster range takes the node's address
 * (after routing, so the outgoing interface picks it); pod-to-pod traffic returns first and
 * is never rewritten; multicast is left alone. The table is destroyed and rebuilt in the same
 * transaction, so the kernel swaps it atomically and nothing else is touched.
 */
export function masqueradeTransaction(clusterCIDR: string): Transaction {
  const table = { kind: 'table', family: 'ip', name: NAT_TABLE } as const;
  const base = { family: 'ip', table: NAT_TABLE } as const;
  return new Transaction()
    .destroy(table)
    .add(table)
    .add({ kind: 'chain', ...base, name: 'postrouting', type: 'nat', hook: 'postrouting', priority: 100 })
    .add({
      kind: 'rule',
      ...base,
      chain: 'postrouting',
      rule: `ip saddr ${clusterCIDR} ip daddr ${clusterCIDR} return`,
    })
    .add({ kind: 'rule', ...base, chain: 'postrouting', rule: 'ip daddr 224.0.0.0/4 return' })
    .add({ kind: 'rule', ...base, chain: 'postrouting', rule: `ip saddr ${clusterCIDR} masquerade` });
}

/** Rule bodies of the masquerade table as read back, or undefined when the table is missing. */
async function readMasquerade(nft: Nft): Promise<string[] | undefined> {
  try {
    const objects = await nft.listTable('ip', NAT_TABLE);
    return objects.flatMap((o) =>
      o.kind === 'rule' ? [o.rule] : o.kind === 'chain' ? [`chain ${o.name} ${o.hook}`] : [],
    );
  } catch (err: unknown) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Writes the masquerade table unless it already reads back as wanted; true when written. */
export async function ensureMasquerade(nft: Nft, clusterCIDR: string): Promise<boolean> {
  const tx = masqueradeTransaction(clusterCIDR);
  if (tx.error) throw tx.error;
  const want = tx.operations
    .slice(2)
    .map((op) =>
      op.object.kind === 'rule'
        ? op.object.rule
        : op.object.kind === 'chain'
          ? `chain ${op.object.name} ${op.object.hook}`
          : '',
    );
  const have = await readMasquerade(nft);
  if (have && have.length === want.length && have.every((r, i) => r === want[i])) return false;
  await nft.run(tx);
  return true;
}

/**
 * An Nft for a named namespace, or for the agent's own (a DaemonSet pod on the host network):
 * lib/nft always runs `ip netns exec NS nft …`, which takes names only, so for the own
 * namespace the prefix is dropped and `nft` runs directly.
 */
export function overlayNft(netns: string | undefined, exec: ExecFn = execaExec): Nft {
  if (netns !== undefined) return createNft({ netns, exec });
  const own: ExecFn = (file, args, options) =>
    file === 'ip' && args[0] === 'netns' && args[1] === 'exec'
      ? exec(args[3] as string, args.slice(4), options)
      : exec(file, args, options);
  return createNft({ netns: 'self', exec: own });
}

/** The kernel handles one sync works through. */
export interface KernelDeps {
  readonly nl: Netlink;
  readonly nft: Nft;
  /** The namespace lib/netlink programs (undefined: the agent's own). */
  readonly ns: NsRef;
}

/** What one sync changed (empty actions and two falses on a converged node). */
export interface SyncResult {
  readonly actions: readonly Action[];
  readonly masquerade: boolean;
  readonly forwarding: boolean;
}

/**
 * One level-triggered sync: read the kernel back, plan, apply; then forwarding and the
 * masquerade table. Changes nothing on a node that is already right.
 */
export async function syncKernel(deps: KernelDeps, input: PlanInput): Promise<SyncResult> {
  const actions = planActions(input, await observe(deps.nl, deps.ns, input.vni));
  await applyActions(deps.nl, deps.ns, actions);
  const forwarding = await ensureForwarding(deps.nl, deps.ns);
  const masquerade = await ensureMasquerade(deps.nft, input.clusterCIDR);
  return { actions, masquerade, forwarding };
}
