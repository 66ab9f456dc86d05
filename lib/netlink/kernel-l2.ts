/**
 * The kernel adapter's neighbours and bridge FDB (RTM_NEWNEIGH/DELNEIGH/GETNEIGH, families
 * AF_INET/AF_INET6 and AF_BRIDGE) and network sysctls (/proc/sys read inside the namespace).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { invalid, notFound, type SwitchyardError, systemError } from '../errors/index.js';
import { withNetns } from '../netns/index.js';
import { AF_BRIDGE, AF_INET, AF_INET6, AF_UNSPEC, NLM_F, NTF, NUD, RTM } from './codec/constants.js';
import { encodeNdMsg } from './codec/headers.js';
import { parseIp, parseMac } from './codec/ip.js';
import { neighStateName } from './codec/names.js';
import { decodeNeigh, encodeNeigh } from './codec/neigh.js';
import { CREATE, type Kernel, where } from './kernel-ctx.js';
import { normalizeFdb, normalizeNeighbour } from './specs.js';
import type {
  AddressFilter,
  FdbEntry,
  FdbFilter,
  FdbSpec,
  Neighbour,
  NeighbourKey,
  NeighbourSpec,
  NsRef,
  SysctlSpec,
} from './types.js';
import { checkLinkName, sysctlPath } from './validate.js';

async function neighRecords(
  k: Kernel,
  ns: NsRef,
  family: number,
): Promise<[Map<number, string>, ReturnType<typeof decodeNeigh>[]]> {
  const [names, bodies] = await Promise.all([
    k.names(ns),
    k.t.dump(ns, {
      type: RTM.GETNEIGH,
      body: encodeNdMsg({ family, index: 0, state: 0, flags: 0, type: 0 }),
      detail: `listing neighbours ${where(ns)}`,
    }),
  ]);
  return [names, bodies.map(decodeNeigh)];
}

export async function listNeighbours(
  k: Kernel,
  ns: NsRef,
  filter: AddressFilter = {},
): Promise<readonly Neighbour[]> {
  const [names, records] = await neighRecords(k, ns, AF_UNSPEC);
  const out: Neighbour[] = [];
  for (const r of records) {
    if ((r.family !== AF_INET && r.family !== AF_INET6) || r.dst === undefined) continue;
    const family = r.family === AF_INET ? 4 : 6;
    const link = names.get(r.index) ?? `if${r.index}`;
    if (filter.link !== undefined && link !== filter.link) continue;
    if (filter.family !== undefined && family !== filter.family) continue;
    out.push({
      link,
      family,
      address: r.dst,
      ...(r.mac ? { mac: r.mac } : {}),
      state: neighStateName(r.state),
    });
  }
  return out;
}

export async function setNeighbour(k: Kernel, ns: NsRef, spec: NeighbourSpec): Promise<void> {
  const n = normalizeNeighbour(spec);
  const index = await k.index(ns, n.link);
  const body = encodeNeigh({
    family: n.family === 4 ? AF_INET : AF_INET6,
    index,
    state: NUD[n.state],
    flags: 0,
    dst: parseIp('address', n.address).bytes,
    mac: parseMac('mac', n.mac),
  });
  await k.t.request(ns, {
    type: RTM.NEWNEIGH,
    body,
    flags: NLM_F.CREATE | NLM_F.REPLACE,
    detail: `neighbour ${n.address} on "${n.link}" ${where(ns)}`,
  });
}

export async function deleteNeighbour(k: Kernel, ns: NsRef, key: NeighbourKey): Promise<void> {
  checkLinkName('link', key.link);
  const ip = parseIp('address', key.address);
  const index = await k.index(ns, key.link);
  const body = encodeNeigh({
    family: ip.family === 4 ? AF_INET : AF_INET6,
    index,
    state: 0,
    flags: 0,
    dst: ip.bytes,
  });
  await k.t.request(ns, {
    type: RTM.DELNEIGH,
    body,
    flags: 0,
    detail: `neighbour ${ip.ip} on "${key.link}" ${where(ns)}`,
  });
}

export async function listFdb(k: Kernel, ns: NsRef, filter: FdbFilter = {}): Promise<readonly FdbEntry[]> {
  const [names, records] = await neighRecords(k, ns, AF_BRIDGE);
  const out: FdbEntry[] = [];
  for (const r of records) {
    if (r.family !== AF_BRIDGE || r.mac === undefined) continue;
    const link = names.get(r.index) ?? `if${r.index}`;
    if (filter.link !== undefined && link !== filter.link) continue;
    out.push({
      link,
      mac: r.mac,
      ...(r.dst !== undefined ? { dst: r.dst } : {}),
      ...(r.vni !== undefined ? { vni: r.vni } : {}),
      ...(r.vlan !== undefined ? { vlan: r.vlan } : {}),
      self: (r.flags & NTF.SELF) !== 0,
      // NDA_MASTER names the bridge whose table holds the entry (br_fdb_fill_info).
      ...(r.masterIndex !== undefined ? { master: names.get(r.masterIndex) ?? `if${r.masterIndex}` } : {}),
      state: neighStateName(r.state),
    });
  }
  return out;
}

async function changeFdb(
  k: Kernel,
  ns: NsRef,
  spec: FdbSpec,
  op: { type: number; flags: number; what: string },
): Promise<void> {
  const f = normalizeFdb(spec);
  const index = await k.index(ns, f.link);
  const body = encodeNeigh({
    family: AF_BRIDGE,
    index,
    state: f.state === 'permanent' ? NUD.permanent : NUD.noarp,
    flags: f.target === 'self' ? NTF.SELF : NTF.MASTER,
    mac: parseMac('mac', f.mac),
    ...(f.dst !== undefined ? { dst: parseIp('dst', f.dst).bytes } : {}),
    ...(f.vni !== undefined ? { vni: f.vni } : {}),
    ...(f.vlan !== undefined ? { vlan: f.vlan } : {}),
  });
  const dst = f.dst ? ` dst ${f.dst}` : '';
  await k.t.request(ns, {
    type: op.type,
    body,
    flags: op.flags,
    detail: `fdb ${op.what} ${f.mac}${dst} on "${f.link}" ${where(ns)}`,
  });
}

export async function addFdb(k: Kernel, ns: NsRef, spec: FdbSpec): Promise<void> {
  await changeFdb(k, ns, spec, { type: RTM.NEWNEIGH, flags: CREATE, what: 'add' });
}

export async function appendFdb(k: Kernel, ns: NsRef, spec: FdbSpec): Promise<void> {
  await changeFdb(k, ns, spec, { type: RTM.NEWNEIGH, flags: NLM_F.CREATE | NLM_F.APPEND, what: 'append' });
}

export async function deleteFdb(k: Kernel, ns: NsRef, spec: FdbSpec): Promise<void> {
  await changeFdb(k, ns, spec, { type: RTM.DELNEIGH, flags: 0, what: 'delete' });
}

export async function getSysctl(_k: Kernel, ns: NsRef, key: string): Promise<string> {
  const path = sysctlPath(key);
  // /proc/sys/net resolves against the namespace of the thread that opens the file, so the
  // read happens inside the setns window.
  return withNetns(ns, () => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err: unknown) {
      throw sysctlError(err, key, ns);
    }
  });
}

export async function setSysctl(_k: Kernel, ns: NsRef, spec: SysctlSpec): Promise<void> {
  const path = sysctlPath(spec.key);
  if (typeof spec.value !== 'string' && typeof spec.value !== 'number') {
    throw invalid('value', 'must be a string or a number');
  }
  withNetns(ns, () => {
    try {
      writeFileSync(path, String(spec.value));
    } catch (err: unknown) {
      throw sysctlError(err, spec.key, ns);
    }
  });
}

function sysctlError(err: unknown, key: string, ns: NsRef): SwitchyardError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return notFound('sysctl', key, err);
  return systemError(e.syscall ?? 'open', e.errno ?? 0, `sysctl ${key} ${where(ns)}`, { cause: err });
}
