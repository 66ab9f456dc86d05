/**
 * The fake's neighbours, bridge FDB and sysctls: pure functions over one `World`.
 * VXLAN FDB semantics follow vxlan_fdb_update: one entry per MAC, `append` adds a further
 * destination (head-end replication), NLM_F_EXCL makes a second add of the MAC EEXIST.
 */
import { notFound } from '../errors/index.js';
import { byIndex, byName, E, fail, mustLink, SYSCTL_DEFAULTS, type World } from './fake-state.js';
import type { FdbNorm, NeighbourNorm } from './specs.js';
import type { AddressFilter, FdbEntry, FdbFilter, Neighbour } from './types.js';

/** The neighbours of a world. */
export function listNeighboursIn(w: World, filter: AddressFilter): Neighbour[] {
  return w.neighbours
    .map((n) => ({ n, link: byIndex(w, n.index)?.name ?? `if${n.index}` }))
    .filter(
      ({ n, link }) =>
        (filter.link === undefined || filter.link === link) &&
        (filter.family === undefined || filter.family === n.family),
    )
    .map(({ n, link }) => ({ link, family: n.family, address: n.address, mac: n.mac, state: n.state }));
}

/** Creates or replaces a neighbour entry. */
export function setNeighbourIn(w: World, n: NeighbourNorm, detail: string): void {
  const l = mustLink(w, n.link, 'RTM_NEWNEIGH', detail);
  w.neighbours = w.neighbours.filter((x) => !(x.index === l.index && x.address === n.address));
  w.neighbours.push({ index: l.index, family: n.family, address: n.address, mac: n.mac, state: n.state });
}

/** Deletes a neighbour entry; ENOENT when missing. */
export function deleteNeighbourIn(w: World, key: { link: string; address: string }, detail: string): void {
  const l = mustLink(w, key.link, 'RTM_DELNEIGH', detail);
  const before = w.neighbours.length;
  w.neighbours = w.neighbours.filter((x) => !(x.index === l.index && x.address === key.address));
  if (w.neighbours.length === before) fail('RTM_DELNEIGH', E.ENOENT, detail);
}

/** The FDB entries of a world. */
export function listFdbIn(w: World, filter: FdbFilter): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const f of w.fdb) {
    const link = byIndex(w, f.index)?.name ?? `if${f.index}`;
    if (filter.link !== undefined && filter.link !== link) continue;
    const master = f.master === undefined ? undefined : byIndex(w, f.master)?.name;
    out.push({
      link,
      mac: f.mac,
      ...(f.dst ? { dst: f.dst } : {}),
      ...(f.vni !== undefined ? { vni: f.vni } : {}),
      ...(f.vlan !== undefined ? { vlan: f.vlan } : {}),
      self: f.self,
      ...(master ? { master } : {}),
      state: f.state,
    });
  }
  return out;
}

/** Adds, appends or deletes an FDB entry. */
export function changeFdbIn(w: World, f: FdbNorm, op: 'add' | 'append' | 'delete', detail: string): void {
  const syscall = op === 'delete' ? 'RTM_DELNEIGH' : 'RTM_NEWNEIGH';
  const l = mustLink(w, f.link, syscall, detail);
  const master = f.target === 'master' ? l.master : undefined;
  if (f.target === 'master' && master === undefined) fail(syscall, E.EINVAL, detail);
  if (f.target === 'self' && l.kind !== 'vxlan' && l.kind !== 'bridge') fail(syscall, E.EOPNOTSUPP, detail);
  const sameMac = (x: World['fdb'][number]): boolean =>
    x.index === l.index && x.mac === f.mac && (f.target === 'self' ? x.self : x.master === master);
  if (op === 'delete') {
    const before = w.fdb.length;
    w.fdb = w.fdb.filter((x) => !(sameMac(x) && (f.dst === undefined || x.dst === f.dst)));
    if (w.fdb.length === before) fail(syscall, E.ENOENT, detail);
    return;
  }
  const existing = w.fdb.filter(sameMac);
  if (op === 'add' && existing.length > 0) fail(syscall, E.EEXIST, detail);
  if (op === 'append' && existing.some((x) => x.dst === f.dst)) return;
  w.fdb.push({
    index: l.index,
    mac: f.mac,
    ...(f.dst !== undefined ? { dst: f.dst } : {}),
    ...(f.vni !== undefined ? { vni: f.vni } : {}),
    ...(f.vlan !== undefined ? { vlan: f.vlan } : {}),
    self: f.target === 'self',
    ...(master !== undefined ? { master } : {}),
    state: f.state === 'permanent' ? 'permanent' : 'noarp',
  });
}

/** A sysctl's value: set, or the fresh-namespace default; NotFound for unknown keys/devices. */
export function sysctlIn(w: World, path: string, key: string): string {
  const set = w.sysctls[path];
  if (set !== undefined) return set;
  const rel = path.slice('/proc/sys/'.length);
  const exact = SYSCTL_DEFAULTS[rel];
  if (exact !== undefined) return exact;
  const m = /^net\/ipv[46]\/conf\/([^/]+)\/([^/]+)$/.exec(rel);
  if (m?.[1] && m[2]) {
    const dev = m[1];
    const value = SYSCTL_DEFAULTS[rel.replace(`/conf/${dev}/`, '/conf/*/')];
    if (value !== undefined && (dev === 'all' || dev === 'default' || byName(w, dev))) return value;
  }
  throw notFound('sysctl', key);
}
