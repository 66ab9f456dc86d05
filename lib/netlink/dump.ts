/**
 * A sorted, line-per-object text rendering of a namespace's user-managed network state, so
 * tests can compare the fake and the kernel (or two runs) with one string equality. Left out,
 * because the kernel makes them on its own: MAC addresses, carrier, IPv6 link-local
 * addresses and routes, non-main routing tables, learned neighbours and bridge FDB entries
 * other than
 * a VXLAN device's own (`self`) entries and non-local bridge entries.
 */
import type { Address, FdbEntry, Link, Neighbour, Netlink, NsRef, Route } from './types.js';
import { RouteTable } from './types.js';

/** The lists a dump is made from. */
export interface DumpInput {
  readonly links: readonly Link[];
  readonly addresses: readonly Address[];
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  readonly fdb: readonly FdbEntry[];
}

function linkLine(l: Link): string {
  const parts = [`link ${l.name}`, l.kind ?? 'device', l.up ? 'up' : 'down', `mtu ${l.mtu}`];
  if (l.master) parts.push(`master ${l.master}`);
  if (l.promisc) parts.push('promisc');
  if (l.bridge?.vlanFiltering) parts.push('vlan_filtering');
  const v = l.vxlan;
  if (v) {
    parts.push(`vni ${v.vni}`, `dstport ${v.dstPort}`);
    if (v.group) parts.push(`group ${v.group}`);
    if (v.local) parts.push(`local ${v.local}`);
    if (v.dev) parts.push(`dev ${v.dev}`);
    if (!v.learning) parts.push('nolearning');
  }
  return parts.join(' ');
}

function routeLine(r: Route): string {
  const parts = [`route ${r.type === 'unicast' ? '' : `${r.type} `}${r.dst}`];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.table !== RouteTable.main) parts.push(`table ${r.table}`);
  parts.push(`proto ${r.protocol}`, `scope ${r.scope}`);
  if (r.src) parts.push(`src ${r.src}`);
  if (r.metric !== undefined) parts.push(`metric ${r.metric}`);
  if (r.onlink) parts.push('onlink');
  return parts.join(' ');
}

const isV6LinkLocal = (ip: string): boolean => /^fe[89ab][0-9a-f]:/i.test(ip);

/** Renders the lists as sorted lines (pure). */
export function renderDump(input: DumpInput): string {
  const vxlans = new Set(input.links.filter((l) => l.kind === 'vxlan').map((l) => l.name));
  const lines = [
    ...input.links.map(linkLine),
    ...input.addresses
      .filter((a) => !isV6LinkLocal(a.address))
      .map((a) => `addr ${a.link} ${a.address} scope ${a.scope}${a.broadcast ? ` brd ${a.broadcast}` : ''}`),
    ...input.routes
      .filter((r) => r.table === RouteTable.main && !isV6LinkLocal(r.dst) && !r.dst.startsWith('ff'))
      .map(routeLine),
    ...input.neighbours
      .filter((n) => n.state === 'permanent')
      .map((n) => `neigh ${n.link} ${n.address} lladdr ${n.mac ?? '-'} ${n.state}`),
    ...input.fdb
      // The kernel's own entries (port MACs as master/permanent, multicast self entries on
      // non-VXLAN devices) are left out.
      .filter((f) => (f.self && vxlans.has(f.link)) || (f.master !== undefined && f.state !== 'permanent'))
      .map(
        (f) =>
          `fdb ${f.link} ${f.mac}${f.dst ? ` dst ${f.dst}` : ''}${f.vni !== undefined ? ` vni ${f.vni}` : ''}` +
          `${f.self ? ' self' : ''}${f.master ? ` master ${f.master}` : ''} ${f.state}`,
      ),
  ];
  return `${lines.sort().join('\n')}\n`;
}

/** Reads a namespace through any `Netlink` and renders it with `renderDump`. */
export async function dumpNetlink(nl: Netlink, ns: NsRef): Promise<string> {
  const [links, addresses, routes, neighbours, fdb] = await Promise.all([
    nl.listLinks(ns),
    nl.listAddresses(ns),
    nl.listRoutes(ns, { table: RouteTable.main }),
    nl.listNeighbours(ns),
    nl.listFdb(ns),
  ]);
  return renderDump({ links, addresses, routes, neighbours, fdb });
}
