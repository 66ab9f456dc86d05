/**
 * The kernel adapter: `Netlink` over rtnetlink sockets (one per namespace, see transport.ts).
 * Each method validates its input (specs.ts), resolves names to ifindexes, encodes one
 * request (codec/), and decodes replies into the public types. No `ip` commands.
 */
import { closeSync, readFileSync, writeFileSync } from 'node:fs';
import { ENODEV, invalid, isNotFound, notFound, type SwitchyardError, systemError } from '../errors/index.js';
import { openNetnsFd, withNetns } from '../netns/index.js';
import { decodeAddress, encodeAddress } from './codec/addr.js';
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IFA_F_NODAD,
  IFF,
  NLM_F,
  NTF,
  NUD,
  RTM,
  RTN,
  RTPROT,
  SCOPE,
} from './codec/constants.js';
import { encodeIfAddr, encodeNdMsg, encodeRtMsg } from './codec/headers.js';
import { parseIp, parseMac } from './codec/ip.js';
import {
  bridgeData,
  decodeLink,
  encodeBridgePort,
  encodeLinkRef,
  encodeNewLink,
  encodeSetLink,
  type LinkRecord,
  vethData,
  vxlanData,
} from './codec/link.js';
import { neighStateName, protocolName, routeTypeName, scopeName } from './codec/names.js';
import { decodeNeigh, encodeNeigh } from './codec/neigh.js';
import { decodeRoute, encodeRoute } from './codec/route.js';
import {
  type AddressNorm,
  checkBridge,
  checkLinkChange,
  checkVeth,
  normalizeAddress,
  normalizeFdb,
  normalizeNeighbour,
  normalizeRoute,
  normalizeVxlan,
  type RouteNorm,
} from './specs.js';
import { Transport, type TransportOptions } from './transport.js';
import type {
  Address,
  AddressFilter,
  AddressSpec,
  BridgePortChange,
  BridgePortFlags,
  BridgeSpec,
  FdbEntry,
  FdbFilter,
  FdbSpec,
  Link,
  LinkChange,
  Neighbour,
  NeighbourKey,
  NeighbourSpec,
  Netlink,
  NsRef,
  Route,
  RouteFilter,
  RouteSpec,
  SysctlSpec,
  VethSpec,
  VxlanSpec,
} from './types.js';
import { checkLinkName, sysctlPath } from './validate.js';

/** Options for `createNetlink`. */
export type NetlinkOptions = TransportOptions;

const CREATE = NLM_F.CREATE | NLM_F.EXCL;

function where(ns: NsRef): string {
  return ns === undefined ? 'in the current namespace' : `in network namespace "${ns}"`;
}

function toLink(r: LinkRecord, names: ReadonlyMap<number, string>): Link {
  const vx = r.vxlan;
  return {
    index: r.index,
    name: r.name,
    ...(r.kind ? { kind: r.kind } : {}),
    up: (r.flags & IFF.UP) !== 0,
    lowerUp: (r.flags & IFF.LOWER_UP) !== 0,
    mtu: r.mtu,
    ...(r.mac ? { mac: r.mac } : {}),
    promisc: (r.flags & IFF.PROMISC) !== 0,
    ...(r.masterIndex !== undefined ? { master: names.get(r.masterIndex) ?? `if${r.masterIndex}` } : {}),
    ...(r.linkIndex !== undefined ? { linkIndex: r.linkIndex } : {}),
    ...(vx
      ? {
          vxlan: {
            vni: vx.vni,
            ...(vx.local ? { local: vx.local } : {}),
            ...(vx.group ? { group: vx.group } : {}),
            dstPort: vx.dstPort,
            ...(vx.devIndex !== undefined ? { dev: names.get(vx.devIndex) ?? `if${vx.devIndex}` } : {}),
            learning: vx.learning,
            ...(vx.portRange ? { portRange: vx.portRange } : {}),
            ttl: vx.ttl,
          },
        }
      : {}),
    ...(r.kind === 'bridge' ? { bridge: { vlanFiltering: r.vlanFiltering ?? false } } : {}),
  };
}

/** Runs `fn` with an fd for namespace `ref`, closing it afterwards. */
async function withNsFd<T>(ref: string | undefined, fn: (fd: number | undefined) => Promise<T>): Promise<T> {
  if (ref === undefined) return fn(undefined);
  const fd = openNetnsFd(ref);
  try {
    return await fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** `Netlink` over real rtnetlink sockets. */
export class KernelNetlink implements Netlink {
  readonly #t: Transport;

  constructor(options: NetlinkOptions = {}) {
    this.#t = new Transport(options);
  }

  dispose(): void {
    this.#t.dispose();
  }

  async #linkRecords(ns: NsRef, family = AF_UNSPEC): Promise<LinkRecord[]> {
    const bodies = await this.#t.dump(ns, {
      type: RTM.GETLINK,
      body: encodeLinkRef({ family }),
      detail: `listing links ${where(ns)}`,
    });
    return bodies.map(decodeLink).sort((a, b) => a.index - b.index);
  }

  async #names(ns: NsRef): Promise<Map<number, string>> {
    return new Map((await this.#linkRecords(ns)).map((r) => [r.index, r.name]));
  }

  async #record(ns: NsRef, name: string): Promise<LinkRecord> {
    const [body] = await this.#t.request(ns, {
      type: RTM.GETLINK,
      body: encodeLinkRef({ name }),
      flags: 0,
      detail: `link "${name}" ${where(ns)}`,
    });
    if (!body) throw systemError('RTM_GETLINK', ENODEV, `link "${name}" ${where(ns)}`);
    return decodeLink(body);
  }

  async #index(ns: NsRef, name: string): Promise<number> {
    return (await this.#record(ns, name)).index;
  }

  async listLinks(ns: NsRef): Promise<readonly Link[]> {
    const records = await this.#linkRecords(ns);
    const names = new Map(records.map((r) => [r.index, r.name]));
    return records.map((r) => toLink(r, names));
  }

  async getLink(ns: NsRef, name: string): Promise<Link> {
    checkLinkName('name', name);
    const r = await this.#record(ns, name);
    const needNames = r.masterIndex !== undefined || r.vxlan?.devIndex !== undefined;
    return toLink(r, needNames ? await this.#names(ns) : new Map());
  }

  async findLink(ns: NsRef, name: string): Promise<Link | undefined> {
    try {
      return await this.getLink(ns, name);
    } catch (err: unknown) {
      // A missing link is a kernel answer (it carries a syscall); a missing namespace is not.
      if (isNotFound(err) && err.syscall !== undefined) return undefined;
      throw err;
    }
  }

  async createVeth(ns: NsRef, spec: VethSpec): Promise<void> {
    checkVeth(spec);
    await withNsFd(spec.peerNs, async (peerFd) => {
      const body = encodeNewLink({
        name: spec.name,
        kind: 'veth',
        ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
        ...(spec.mac !== undefined ? { mac: parseMac('mac', spec.mac) } : {}),
        data: vethData({
          name: spec.peerName,
          ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
          ...(spec.peerMac !== undefined ? { mac: parseMac('peerMac', spec.peerMac) } : {}),
          ...(peerFd !== undefined ? { netnsFd: peerFd } : {}),
        }),
      });
      const peerWhere = spec.peerNs === undefined ? '' : ` (peer in "${spec.peerNs}")`;
      await this.#t.request(ns, {
        type: RTM.NEWLINK,
        body,
        flags: CREATE,
        detail: `veth "${spec.name}"/"${spec.peerName}" ${where(ns)}${peerWhere}`,
      });
    });
  }

  async createBridge(ns: NsRef, spec: BridgeSpec): Promise<void> {
    checkBridge(spec);
    const body = encodeNewLink({
      name: spec.name,
      kind: 'bridge',
      ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
      ...(spec.mac !== undefined ? { mac: parseMac('mac', spec.mac) } : {}),
      data: bridgeData(spec.vlanFiltering === undefined ? {} : { vlanFiltering: spec.vlanFiltering }),
    });
    await this.#t.request(ns, {
      type: RTM.NEWLINK,
      body,
      flags: CREATE,
      detail: `bridge "${spec.name}" ${where(ns)}`,
    });
  }

  async createVxlan(ns: NsRef, spec: VxlanSpec): Promise<void> {
    const v = normalizeVxlan(spec);
    const devIndex = v.dev === undefined ? undefined : await this.#index(ns, v.dev);
    const body = encodeNewLink({
      name: v.name,
      kind: 'vxlan',
      ...(v.mtu !== undefined ? { mtu: v.mtu } : {}),
      ...(v.mac !== undefined ? { mac: parseMac('mac', v.mac) } : {}),
      data: vxlanData({
        vni: v.vni,
        ...(v.group !== undefined ? { group: parseIp('group', v.group).bytes } : {}),
        ...(v.local !== undefined ? { local: parseIp('local', v.local).bytes } : {}),
        ...(devIndex !== undefined ? { devIndex } : {}),
        dstPort: v.dstPort,
        learning: v.learning,
        ...(v.portRange !== undefined ? { portRange: v.portRange } : {}),
        ttl: v.ttl,
      }),
    });
    await this.#t.request(ns, {
      type: RTM.NEWLINK,
      body,
      flags: CREATE,
      detail: `vxlan "${v.name}" (vni ${v.vni}) ${where(ns)}`,
    });
  }

  async setLink(ns: NsRef, change: LinkChange): Promise<void> {
    checkLinkChange(change);
    const mac = change.mac === undefined ? undefined : parseMac('mac', change.mac);
    const index = await this.#index(ns, change.name);
    const masterIndex =
      change.master === undefined
        ? undefined
        : change.master === null
          ? 0
          : await this.#index(ns, change.master);
    await withNsFd(change.netns, async (netnsFd) => {
      const body = encodeSetLink({
        index,
        ...(change.up !== undefined ? { up: change.up } : {}),
        ...(change.promisc !== undefined ? { promisc: change.promisc } : {}),
        ...(change.mtu !== undefined ? { mtu: change.mtu } : {}),
        ...(mac !== undefined ? { mac } : {}),
        ...(masterIndex !== undefined ? { masterIndex } : {}),
        ...(change.newName !== undefined ? { newName: change.newName } : {}),
        ...(netnsFd !== undefined ? { netnsFd } : {}),
      });
      await this.#t.request(ns, {
        type: RTM.NEWLINK,
        body,
        flags: 0,
        detail: `link "${change.name}" ${where(ns)}`,
      });
    });
  }

  async getBridgePort(ns: NsRef, name: string): Promise<BridgePortFlags> {
    checkLinkName('name', name);
    const index = await this.#index(ns, name);
    const port = (await this.#linkRecords(ns, AF_BRIDGE)).find((r) => r.index === index)?.port;
    if (!port) throw notFound('bridge port', name);
    return port;
  }

  async setBridgePort(ns: NsRef, change: BridgePortChange): Promise<void> {
    checkLinkName('name', change.name);
    const index = await this.#index(ns, change.name);
    const flags: { hairpin?: boolean; learning?: boolean } = {};
    if (change.hairpin !== undefined) flags.hairpin = change.hairpin;
    if (change.learning !== undefined) flags.learning = change.learning;
    await this.#t.request(ns, {
      type: RTM.SETLINK,
      body: encodeBridgePort(index, flags),
      flags: 0,
      detail: `bridge port "${change.name}" ${where(ns)}`,
    });
  }

  async deleteLink(ns: NsRef, name: string): Promise<void> {
    checkLinkName('name', name);
    await this.#t.request(ns, {
      type: RTM.DELLINK,
      body: encodeLinkRef({ name }),
      flags: 0,
      detail: `link "${name}" ${where(ns)}`,
    });
  }

  async listAddresses(ns: NsRef, filter: AddressFilter = {}): Promise<readonly Address[]> {
    const family = filter.family === 4 ? AF_INET : filter.family === 6 ? AF_INET6 : AF_UNSPEC;
    const [names, bodies] = await Promise.all([
      this.#names(ns),
      this.#t.dump(ns, {
        type: RTM.GETADDR,
        body: encodeIfAddr({ family, prefixLen: 0, flags: 0, scope: 0, index: 0 }),
        detail: `listing addresses ${where(ns)}`,
      }),
    ]);
    const out: Address[] = [];
    for (const body of bodies) {
      const r = decodeAddress(body);
      if (!r) continue;
      const link = names.get(r.index) ?? `if${r.index}`;
      if (filter.link !== undefined && link !== filter.link) continue;
      if (filter.family !== undefined && r.family !== filter.family) continue;
      out.push({
        link,
        family: r.family,
        address: r.address,
        scope: r.scope,
        ...(r.broadcast ? { broadcast: r.broadcast } : {}),
      });
    }
    return out;
  }

  async #address(ns: NsRef, a: AddressNorm, type: number, flags: number): Promise<void> {
    const index = await this.#index(ns, a.link);
    const body = encodeAddress({
      index,
      family: a.cidr.family,
      bytes: a.cidr.bytes,
      prefix: a.cidr.prefix,
      scope: SCOPE[a.scope],
      ...(a.broadcast !== undefined ? { broadcast: parseIp('broadcast', a.broadcast).bytes } : {}),
      flags: a.noDad ? IFA_F_NODAD : 0,
    });
    await this.#t.request(ns, {
      type,
      body,
      flags,
      detail: `address ${a.address} on "${a.link}" ${where(ns)}`,
    });
  }

  async addAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    await this.#address(ns, normalizeAddress(spec), RTM.NEWADDR, CREATE);
  }

  async deleteAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    await this.#address(ns, normalizeAddress(spec), RTM.DELADDR, 0);
  }

  async listRoutes(ns: NsRef, filter: RouteFilter = {}): Promise<readonly Route[]> {
    const family = filter.family === 4 ? AF_INET : filter.family === 6 ? AF_INET6 : AF_UNSPEC;
    const header = {
      family,
      dstLen: 0,
      srcLen: 0,
      tos: 0,
      table: 0,
      protocol: 0,
      scope: 0,
      type: 0,
      flags: 0,
    };
    const [names, bodies] = await Promise.all([
      this.#names(ns),
      this.#t.dump(ns, {
        type: RTM.GETROUTE,
        body: encodeRtMsg(header),
        detail: `listing routes ${where(ns)}`,
      }),
    ]);
    const out: Route[] = [];
    for (const body of bodies) {
      const r = decodeRoute(body);
      const type = r ? routeTypeName(r.type) : undefined;
      if (!r || !type) continue;
      if (filter.table !== undefined && r.table !== filter.table) continue;
      if (filter.family !== undefined && r.family !== filter.family) continue;
      out.push({
        family: r.family,
        dst: r.dst,
        table: r.table,
        type,
        scope: scopeName(r.scope),
        protocol: protocolName(r.protocol),
        ...(r.gateway ? { gateway: r.gateway } : {}),
        ...(r.oif !== undefined ? { dev: names.get(r.oif) ?? `if${r.oif}` } : {}),
        ...(r.src ? { src: r.src } : {}),
        ...(r.metric !== undefined ? { metric: r.metric } : {}),
        onlink: r.onlink,
      });
    }
    return out;
  }

  async #route(ns: NsRef, r: RouteNorm, op: { type: number; flags: number; del: boolean }): Promise<void> {
    const oif = r.dev === undefined ? undefined : await this.#index(ns, r.dev);
    const body = encodeRoute({
      family: r.family,
      dst: r.cidr.bytes,
      dstLen: r.cidr.prefix,
      table: r.table,
      type: RTN[r.type],
      // A delete matches any scope and protocol unless the caller named them (RT_SCOPE_NOWHERE
      // and RTPROT_UNSPEC are the kernel's wildcards in fib_table_delete).
      scope: op.del && !r.scopeGiven ? SCOPE.nowhere : SCOPE[r.scope],
      protocol: op.del ? RTPROT.unspec : RTPROT[r.protocol],
      ...(r.gateway !== undefined ? { gateway: parseIp('gateway', r.gateway).bytes } : {}),
      ...(oif !== undefined ? { oif } : {}),
      ...(r.src !== undefined ? { src: parseIp('src', r.src).bytes } : {}),
      ...(r.metric !== undefined ? { metric: r.metric } : {}),
      onlink: r.onlink,
    });
    const via = r.gateway ? ` via ${r.gateway}` : '';
    const dev = r.dev ? ` dev ${r.dev}` : '';
    await this.#t.request(ns, {
      type: op.type,
      body,
      flags: op.flags,
      detail: `route ${r.dst}${via}${dev} table ${r.table} ${where(ns)}`,
    });
  }

  async addRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    await this.#route(ns, normalizeRoute(spec), { type: RTM.NEWROUTE, flags: CREATE, del: false });
  }

  async replaceRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    const flags = NLM_F.CREATE | NLM_F.REPLACE;
    await this.#route(ns, normalizeRoute(spec), { type: RTM.NEWROUTE, flags, del: false });
  }

  async deleteRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    await this.#route(ns, normalizeRoute(spec, 'delete'), { type: RTM.DELROUTE, flags: 0, del: true });
  }

  async #neighRecords(
    ns: NsRef,
    family: number,
  ): Promise<[Map<number, string>, ReturnType<typeof decodeNeigh>[]]> {
    const [names, bodies] = await Promise.all([
      this.#names(ns),
      this.#t.dump(ns, {
        type: RTM.GETNEIGH,
        body: encodeNdMsg({ family, index: 0, state: 0, flags: 0, type: 0 }),
        detail: `listing neighbours ${where(ns)}`,
      }),
    ]);
    return [names, bodies.map(decodeNeigh)];
  }

  async listNeighbours(ns: NsRef, filter: AddressFilter = {}): Promise<readonly Neighbour[]> {
    const [names, records] = await this.#neighRecords(ns, AF_UNSPEC);
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

  async setNeighbour(ns: NsRef, spec: NeighbourSpec): Promise<void> {
    const n = normalizeNeighbour(spec);
    const index = await this.#index(ns, n.link);
    const body = encodeNeigh({
      family: n.family === 4 ? AF_INET : AF_INET6,
      index,
      state: NUD[n.state],
      flags: 0,
      dst: parseIp('address', n.address).bytes,
      mac: parseMac('mac', n.mac),
    });
    await this.#t.request(ns, {
      type: RTM.NEWNEIGH,
      body,
      flags: NLM_F.CREATE | NLM_F.REPLACE,
      detail: `neighbour ${n.address} on "${n.link}" ${where(ns)}`,
    });
  }

  async deleteNeighbour(ns: NsRef, key: NeighbourKey): Promise<void> {
    checkLinkName('link', key.link);
    const ip = parseIp('address', key.address);
    const index = await this.#index(ns, key.link);
    const body = encodeNeigh({
      family: ip.family === 4 ? AF_INET : AF_INET6,
      index,
      state: 0,
      flags: 0,
      dst: ip.bytes,
    });
    await this.#t.request(ns, {
      type: RTM.DELNEIGH,
      body,
      flags: 0,
      detail: `neighbour ${ip.ip} on "${key.link}" ${where(ns)}`,
    });
  }

  async listFdb(ns: NsRef, filter: FdbFilter = {}): Promise<readonly FdbEntry[]> {
    const [names, records] = await this.#neighRecords(ns, AF_BRIDGE);
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

  async #fdb(ns: NsRef, spec: FdbSpec, op: { type: number; flags: number; what: string }): Promise<void> {
    const f = normalizeFdb(spec);
    const index = await this.#index(ns, f.link);
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
    await this.#t.request(ns, {
      type: op.type,
      body,
      flags: op.flags,
      detail: `fdb ${op.what} ${f.mac}${dst} on "${f.link}" ${where(ns)}`,
    });
  }

  async addFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    await this.#fdb(ns, spec, { type: RTM.NEWNEIGH, flags: CREATE, what: 'add' });
  }

  async appendFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    await this.#fdb(ns, spec, { type: RTM.NEWNEIGH, flags: NLM_F.CREATE | NLM_F.APPEND, what: 'append' });
  }

  async deleteFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    await this.#fdb(ns, spec, { type: RTM.DELNEIGH, flags: 0, what: 'delete' });
  }

  async getSysctl(ns: NsRef, key: string): Promise<string> {
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

  async setSysctl(ns: NsRef, spec: SysctlSpec): Promise<void> {
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
}

function sysctlError(err: unknown, key: string, ns: NsRef): SwitchyardError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return notFound('sysctl', key, err);
  return systemError(e.syscall ?? 'open', e.errno ?? 0, `sysctl ${key} ${where(ns)}`, { cause: err });
}

/** Creates the kernel adapter. Call `dispose()` when done to close its sockets. */
export function createNetlink(options: NetlinkOptions = {}): Netlink {
  return new KernelNetlink(options);
}
