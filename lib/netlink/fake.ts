/**
 * `FakeNetlink`: an in-memory `Netlink` with the kernel's semantics for what Switchyard does
 * (EEXIST/ENODEV/ESRCH answers, veth peers across namespaces, bridge masters, connected
 * routes, namespaces as separate worlds). Every call is a transaction: it works on a copy of
 * the state and commits only when it succeeds, so a failed call changes nothing. `dump()`
 * renders a namespace as sorted text in the same format as `dumpNetlink` on the kernel.
 */
import { alreadyExists, invalid, notFound } from '../errors/index.js';
import { parseCidr, parseIp } from './codec/ip.js';
import { renderDump } from './dump.js';
import {
  addConnected,
  adjustBridgeMtus,
  byIndex,
  byName,
  detach,
  E,
  type FLink,
  type FRoute,
  fail,
  fakeMac,
  linkStateChanged,
  mustLink,
  newWorld,
  releasePort,
  removeConnected,
  SYSCTL_DEFAULTS,
  toLink,
  type World,
} from './fake-state.js';
import {
  checkBridge,
  checkVeth,
  type FdbNorm,
  normalizeAddress,
  normalizeFdb,
  normalizeNeighbour,
  normalizeRoute,
  normalizeVxlan,
  type RouteNorm,
} from './specs.js';
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
import { RouteTable } from './types.js';
import { checkLinkName, checkNsRef, sysctlPath } from './validate.js';

type Worlds = Map<string, World>;

const HOST = '';

function where(ns: NsRef): string {
  return ns === undefined ? 'in the current namespace' : `in network namespace "${ns}"`;
}

/** In-memory `Netlink` for tests; namespaces must be added with `addNamespace` first. */
export class FakeNetlink implements Netlink {
  #worlds: Worlds = new Map([[HOST, newWorld()]]);
  #macs = 0;
  #disposed = false;

  /** Adds an empty namespace (only `lo`, down); `alreadyExists` when it exists. */
  addNamespace(name: string): void {
    if (this.#worlds.has(name)) throw alreadyExists('network namespace', name);
    this.#worlds.set(name, newWorld());
  }

  /** Removes a namespace; veth pairs with one end in it disappear as a whole, as in the kernel. */
  removeNamespace(name: string): void {
    this.#tx((ws) => {
      const w = this.#world(ws, name);
      for (const l of w.links) this.#dropPeer(ws, l);
      ws.delete(name);
    });
  }

  /** Namespace names known to the fake (the current namespace is not listed). */
  namespaces(): string[] {
    return [...this.#worlds.keys()].filter((k) => k !== HOST).sort();
  }

  /** The namespace's state as sorted text (see dump.ts for what is included). */
  dump(ns?: string): string {
    const w = this.#world(this.#worlds, ns);
    return renderDump({
      links: this.#links(this.#worlds, w),
      addresses: this.#addresses(w, {}),
      routes: this.#routes(w, { table: RouteTable.main }),
      neighbours: this.#neighbours(w, {}),
      fdb: this.#fdbEntries(w, {}),
    });
  }

  dispose(): void {
    this.#disposed = true;
  }

  #world(ws: Worlds, ns: NsRef): World {
    if (this.#disposed) throw invalid('netlink', 'used after dispose()');
    const w = ws.get(ns ?? HOST);
    if (!w) throw notFound('network namespace', ns ?? '');
    return w;
  }

  /** Runs `fn` on a copy of the state and commits it only if `fn` returns. */
  #tx<T>(fn: (ws: Worlds) => T): T {
    if (this.#disposed) throw invalid('netlink', 'used after dispose()');
    const draft = structuredClone(this.#worlds);
    const result = fn(draft);
    this.#worlds = draft;
    return result;
  }

  #dropPeer(ws: Worlds, l: FLink): void {
    if (!l.peer) return;
    const pw = ws.get(l.peer.world);
    if (!pw) return;
    detach(pw, l.peer.index);
    adjustBridgeMtus(pw);
  }

  #links(ws: Worlds, w: World): Link[] {
    return [...w.links].sort((a, b) => a.index - b.index).map((l) => toLink(ws, w, l));
  }

  #newLink(w: World, l: Omit<FLink, 'index' | 'up' | 'promisc' | 'mac'> & { mac?: string }): FLink {
    const link: FLink = {
      index: w.nextIndex++,
      up: false,
      promisc: false,
      mac: l.mac ?? fakeMac(++this.#macs),
      ...l,
    };
    if (l.mac) link.mac = l.mac.toLowerCase();
    w.links.push(link);
    return link;
  }

  async listLinks(ns: NsRef): Promise<readonly Link[]> {
    const w = this.#world(this.#worlds, ns);
    return this.#links(this.#worlds, w);
  }

  async getLink(ns: NsRef, name: string): Promise<Link> {
    checkLinkName('name', name);
    const w = this.#world(this.#worlds, ns);
    return toLink(this.#worlds, w, mustLink(w, name, 'RTM_GETLINK', `link "${name}" ${where(ns)}`));
  }

  async findLink(ns: NsRef, name: string): Promise<Link | undefined> {
    checkLinkName('name', name);
    const w = this.#world(this.#worlds, ns);
    const l = byName(w, name);
    return l ? toLink(this.#worlds, w, l) : undefined;
  }

  async createVeth(ns: NsRef, spec: VethSpec): Promise<void> {
    checkVeth(spec);
    const detail = `veth "${spec.name}"/"${spec.peerName}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const peerKey = spec.peerNs ?? ns ?? HOST;
      const pw = this.#world(ws, spec.peerNs ?? ns);
      if (byName(w, spec.name) || byName(pw, spec.peerName)) fail('RTM_NEWLINK', E.EEXIST, detail);
      const mtu = spec.mtu ?? 1500;
      const a = this.#newLink(w, {
        name: spec.name,
        kind: 'veth',
        mtu,
        ...(spec.mac ? { mac: spec.mac } : {}),
      });
      const b = this.#newLink(pw, {
        name: spec.peerName,
        kind: 'veth',
        mtu,
        ...(spec.peerMac ? { mac: spec.peerMac } : {}),
      });
      a.peer = { world: peerKey, index: b.index };
      b.peer = { world: ns ?? HOST, index: a.index };
    });
  }

  async createBridge(ns: NsRef, spec: BridgeSpec): Promise<void> {
    checkBridge(spec);
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      if (byName(w, spec.name)) fail('RTM_NEWLINK', E.EEXIST, `bridge "${spec.name}" ${where(ns)}`);
      this.#newLink(w, {
        name: spec.name,
        kind: 'bridge',
        mtu: spec.mtu ?? 1500,
        mtuAuto: spec.mtu === undefined,
        vlanFiltering: spec.vlanFiltering ?? false,
        ...(spec.mac ? { mac: spec.mac } : {}),
      });
    });
  }

  async createVxlan(ns: NsRef, spec: VxlanSpec): Promise<void> {
    const v = normalizeVxlan(spec);
    const detail = `vxlan "${v.name}" (vni ${v.vni}) ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      if (byName(w, v.name)) fail('RTM_NEWLINK', E.EEXIST, detail);
      const dev = v.dev === undefined ? undefined : mustLink(w, v.dev, 'RTM_NEWLINK', detail);
      // vxlan_newlink: the device MTU defaults to the lower device's minus 50 bytes of
      // outer headers (RFC 7348 §4), or 1500 without one.
      const mtu = v.mtu ?? (dev ? dev.mtu - 50 : 1500);
      const link = this.#newLink(w, {
        name: v.name,
        kind: 'vxlan',
        mtu,
        ...(v.mac ? { mac: v.mac } : {}),
        vxlan: {
          vni: v.vni,
          ...(v.local ? { local: v.local } : {}),
          ...(v.group ? { group: v.group } : {}),
          dstPort: v.dstPort,
          ...(dev ? { devIndex: dev.index } : {}),
          learning: v.learning,
          ...(v.portRange ? { portRange: v.portRange } : {}),
          ttl: v.ttl,
        },
      });
      // A remote or group becomes the all-zeros default FDB entry (vxlan_dev_configure).
      if (v.group) {
        w.fdb.push({
          index: link.index,
          mac: '00:00:00:00:00:00',
          dst: v.group,
          self: true,
          state: 'permanent',
        });
      }
    });
  }

  async setLink(ns: NsRef, change: LinkChange): Promise<void> {
    checkLinkName('name', change.name);
    if (change.newName !== undefined) checkLinkName('newName', change.newName);
    if (
      change.mtu !== undefined &&
      (!Number.isInteger(change.mtu) || change.mtu < 68 || change.mtu > 65535)
    ) {
      throw invalid('mtu', `must be an integer 68–65535, got ${change.mtu}`);
    }
    if (change.mac !== undefined) parseMacField(change.mac);
    if (change.master !== undefined && change.master !== null) checkLinkName('master', change.master);
    if (change.netns !== undefined) checkNsRef('netns', change.netns);
    const detail = `link "${change.name}" ${where(ns)}`;
    this.#tx((ws) => {
      let w = this.#world(ws, ns);
      let key = ns ?? HOST;
      let l = mustLink(w, change.name, 'RTM_NEWLINK', detail);
      if (change.netns !== undefined && change.netns !== key) {
        const target = this.#world(ws, change.netns);
        if (byName(target, l.name)) fail('RTM_NEWLINK', E.EEXIST, detail);
        if (l.name === 'lo' && l.kind === undefined) fail('RTM_NEWLINK', E.EINVAL, detail);
        const moved: FLink = { ...l, up: false };
        releasePort(moved);
        detach(w, l.index);
        adjustBridgeMtus(w);
        // dev_change_net_namespace keeps the ifindex when it is free in the target.
        if (byIndex(target, moved.index)) moved.index = target.nextIndex++;
        else target.nextIndex = Math.max(target.nextIndex, moved.index + 1);
        target.links.push(moved);
        if (moved.peer) {
          const pw = ws.get(moved.peer.world);
          const peer = pw ? byIndex(pw, moved.peer.index) : undefined;
          if (peer) peer.peer = { world: change.netns, index: moved.index };
        }
        w = target;
        key = change.netns;
        l = moved;
      }
      if (change.mac !== undefined) l.mac = change.mac.toLowerCase();
      if (change.mtu !== undefined) {
        l.mtu = change.mtu;
        if (l.kind === 'bridge') l.mtuAuto = false;
      }
      if (change.newName !== undefined && change.newName !== l.name) {
        if (byName(w, change.newName)) fail('RTM_NEWLINK', E.EEXIST, detail);
        l.name = change.newName;
      }
      if (change.promisc !== undefined) l.promisc = change.promisc;
      if (change.up !== undefined && change.up !== l.up) {
        l.up = change.up;
        linkStateChanged(w, l);
      }
      if (change.master === null) {
        if (l.master !== undefined) releasePort(l);
      } else if (change.master !== undefined) {
        const m = mustLink(w, change.master, 'RTM_NEWLINK', detail);
        if (m.kind !== 'bridge' || m.index === l.index) fail('RTM_NEWLINK', E.EOPNOTSUPP, detail);
        if (l.master !== m.index) {
          l.master = m.index;
          l.port = { hairpin: false, learning: true };
        }
      }
      adjustBridgeMtus(w);
      return key;
    });
  }

  async getBridgePort(ns: NsRef, name: string): Promise<BridgePortFlags> {
    checkLinkName('name', name);
    const w = this.#world(this.#worlds, ns);
    const l = mustLink(w, name, 'RTM_GETLINK', `link "${name}" ${where(ns)}`);
    if (!l.port) throw notFound('bridge port', name);
    return { ...l.port };
  }

  async setBridgePort(ns: NsRef, change: BridgePortChange): Promise<void> {
    checkLinkName('name', change.name);
    const detail = `bridge port "${change.name}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const l = mustLink(w, change.name, 'RTM_SETLINK', detail);
      if (!l.port) fail('RTM_SETLINK', E.EOPNOTSUPP, detail);
      l.port = {
        hairpin: change.hairpin ?? l.port.hairpin,
        learning: change.learning ?? l.port.learning,
      };
    });
  }

  async deleteLink(ns: NsRef, name: string): Promise<void> {
    checkLinkName('name', name);
    const detail = `link "${name}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const l = mustLink(w, name, 'RTM_DELLINK', detail);
      if (l.kind === undefined) fail('RTM_DELLINK', E.EOPNOTSUPP, detail);
      this.#dropPeer(ws, l);
      // vxlan devices on top of a deleted lower device go with it.
      for (const v of w.links.filter((x) => x.vxlan?.devIndex === l.index)) detach(w, v.index);
      detach(w, l.index);
      adjustBridgeMtus(w);
    });
  }

  #addresses(w: World, filter: AddressFilter): Address[] {
    const out: Address[] = [];
    for (const a of w.addresses) {
      const link = byIndex(w, a.index)?.name ?? `if${a.index}`;
      if (filter.link !== undefined && filter.link !== link) continue;
      if (filter.family !== undefined && filter.family !== a.family) continue;
      out.push({
        link,
        family: a.family,
        address: a.address,
        scope: a.scope,
        ...(a.broadcast ? { broadcast: a.broadcast } : {}),
      });
    }
    return out.sort((a, b) => {
      const ia = byName(w, a.link)?.index ?? 0;
      const ib = byName(w, b.link)?.index ?? 0;
      return ia - ib || a.family - b.family || a.address.localeCompare(b.address);
    });
  }

  async listAddresses(ns: NsRef, filter: AddressFilter = {}): Promise<readonly Address[]> {
    return this.#addresses(this.#world(this.#worlds, ns), filter);
  }

  async addAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    const a = normalizeAddress(spec);
    const detail = `address ${a.address} on "${a.link}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const l = mustLink(w, a.link, 'RTM_NEWADDR', detail);
      // IPv4 refuses the same address and prefix twice; IPv6 the same address.
      const dup = w.addresses.some(
        (x) =>
          x.index === l.index &&
          x.family === a.cidr.family &&
          (a.cidr.family === 4 ? x.address === a.address : x.address.split('/')[0] === a.cidr.ip),
      );
      if (dup) fail('RTM_NEWADDR', E.EEXIST, detail);
      const added = {
        index: l.index,
        family: a.cidr.family,
        address: a.address,
        scope: a.scope,
        ...(a.broadcast ? { broadcast: a.broadcast } : {}),
      };
      w.addresses.push(added);
      addConnected(w, added);
    });
  }

  async deleteAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    const a = normalizeAddress(spec);
    const detail = `address ${a.address} on "${a.link}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const l = mustLink(w, a.link, 'RTM_DELADDR', detail);
      const found = w.addresses.find((x) => x.index === l.index && x.address === a.address);
      if (!found) fail('RTM_DELADDR', E.EADDRNOTAVAIL, detail);
      removeConnected(w, found);
      w.addresses = w.addresses.filter((x) => x !== found);
    });
  }

  #routes(w: World, filter: RouteFilter): Route[] {
    return w.routes
      .filter(
        (r) =>
          (filter.table === undefined || r.table === filter.table) &&
          (filter.family === undefined || r.family === filter.family),
      )
      .map((r) => {
        const { oif, ...rest } = r;
        const dev = oif === undefined ? undefined : byIndex(w, oif)?.name;
        return { ...rest, ...(dev ? { dev } : {}) };
      })
      .sort(
        (a, b) =>
          a.table - b.table ||
          a.family - b.family ||
          a.dst.localeCompare(b.dst) ||
          (a.metric ?? 0) - (b.metric ?? 0),
      );
  }

  async listRoutes(ns: NsRef, filter: RouteFilter = {}): Promise<readonly Route[]> {
    return this.#routes(this.#world(this.#worlds, ns), filter);
  }

  /** Validates a route against the world the way fib_create_info / ip6_route_info_create do. */
  #resolveRoute(w: World, r: RouteNorm, detail: string): FRoute {
    let oif: number | undefined;
    if (r.dev !== undefined) {
      const dev = mustLink(w, r.dev, 'RTM_NEWROUTE', detail);
      if (r.family === 4 && !dev.up && r.type === 'unicast') fail('RTM_NEWROUTE', E.ENETDOWN, detail);
      oif = dev.index;
    }
    if (r.gateway !== undefined && !r.onlink) {
      const gw = parseIp('gateway', r.gateway);
      const via = w.routes.find(
        (x) =>
          x.family === r.family &&
          x.table === RouteTable.main &&
          x.gateway === undefined &&
          x.oif !== undefined &&
          (oif === undefined || x.oif === oif) &&
          contains(x.dst, gw.ip),
      );
      if (!via) fail('RTM_NEWROUTE', E.ENETUNREACH, detail);
      oif ??= via.oif;
    }
    if (r.src !== undefined && !w.addresses.some((a) => a.address.split('/')[0] === r.src)) {
      fail('RTM_NEWROUTE', E.EINVAL, detail);
    }
    // IPv6 user routes default to metric 1024 (IP6_RT_PRIO_USER).
    const metric = r.metric ?? (r.family === 6 ? 1024 : undefined);
    return {
      family: r.family,
      dst: r.dst,
      table: r.table,
      type: r.type,
      scope: r.family === 6 ? 'universe' : r.scope,
      protocol: r.protocol,
      ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
      ...(oif !== undefined ? { oif } : {}),
      ...(r.src !== undefined ? { src: r.src } : {}),
      ...(metric !== undefined ? { metric } : {}),
      onlink: r.onlink,
    };
  }

  #routeKeyEquals(a: FRoute, b: FRoute): boolean {
    if (a.family !== b.family || a.table !== b.table || a.dst !== b.dst || a.metric !== b.metric)
      return false;
    // IPv6 keeps several routes to one prefix (multipath siblings) when the next hops differ.
    return a.family === 4 || (a.gateway === b.gateway && a.oif === b.oif);
  }

  async addRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    const r = normalizeRoute(spec);
    const detail = routeDetail(r, ns);
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const route = this.#resolveRoute(w, r, detail);
      if (w.routes.some((x) => this.#routeKeyEquals(x, route))) fail('RTM_NEWROUTE', E.EEXIST, detail);
      w.routes.push(route);
    });
  }

  async replaceRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    const r = normalizeRoute(spec);
    const detail = routeDetail(r, ns);
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const route = this.#resolveRoute(w, r, detail);
      const i = w.routes.findIndex(
        (x) =>
          x.family === route.family &&
          x.table === route.table &&
          x.dst === route.dst &&
          x.metric === route.metric,
      );
      if (i === -1) w.routes.push(route);
      else w.routes[i] = route;
    });
  }

  async deleteRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    const r = normalizeRoute(spec, 'delete');
    const detail = routeDetail(r, ns);
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const oif = r.dev === undefined ? undefined : mustLink(w, r.dev, 'RTM_DELROUTE', detail).index;
      const i = w.routes.findIndex(
        (x) =>
          x.family === r.family &&
          x.table === r.table &&
          x.dst === r.dst &&
          (r.metric === undefined || x.metric === r.metric) &&
          (r.gateway === undefined || x.gateway === r.gateway) &&
          (oif === undefined || x.oif === oif) &&
          (!r.scopeGiven || x.scope === r.scope) &&
          (spec.type === undefined || x.type === r.type),
      );
      if (i === -1) fail('RTM_DELROUTE', E.ESRCH, detail);
      w.routes.splice(i, 1);
    });
  }

  #neighbours(w: World, filter: AddressFilter): Neighbour[] {
    return w.neighbours
      .map((n) => ({ n, link: byIndex(w, n.index)?.name ?? `if${n.index}` }))
      .filter(
        ({ n, link }) =>
          (filter.link === undefined || filter.link === link) &&
          (filter.family === undefined || filter.family === n.family),
      )
      .map(({ n, link }) => ({ link, family: n.family, address: n.address, mac: n.mac, state: n.state }));
  }

  async listNeighbours(ns: NsRef, filter: AddressFilter = {}): Promise<readonly Neighbour[]> {
    return this.#neighbours(this.#world(this.#worlds, ns), filter);
  }

  async setNeighbour(ns: NsRef, spec: NeighbourSpec): Promise<void> {
    const n = normalizeNeighbour(spec);
    const detail = `neighbour ${n.address} on "${n.link}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const l = mustLink(w, n.link, 'RTM_NEWNEIGH', detail);
      w.neighbours = w.neighbours.filter((x) => !(x.index === l.index && x.address === n.address));
      w.neighbours.push({ index: l.index, family: n.family, address: n.address, mac: n.mac, state: n.state });
    });
  }

  async deleteNeighbour(ns: NsRef, key: NeighbourKey): Promise<void> {
    checkLinkName('link', key.link);
    const ip = parseIp('address', key.address);
    const detail = `neighbour ${ip.ip} on "${key.link}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const l = mustLink(w, key.link, 'RTM_DELNEIGH', detail);
      const before = w.neighbours.length;
      w.neighbours = w.neighbours.filter((x) => !(x.index === l.index && x.address === ip.ip));
      if (w.neighbours.length === before) fail('RTM_DELNEIGH', E.ENOENT, detail);
    });
  }

  #fdbEntries(w: World, filter: FdbFilter): FdbEntry[] {
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

  async listFdb(ns: NsRef, filter: FdbFilter = {}): Promise<readonly FdbEntry[]> {
    return this.#fdbEntries(this.#world(this.#worlds, ns), filter);
  }

  #fdb(ns: NsRef, f: FdbNorm, op: 'add' | 'append' | 'delete'): void {
    const syscall = op === 'delete' ? 'RTM_DELNEIGH' : 'RTM_NEWNEIGH';
    const detail = `fdb ${op} ${f.mac}${f.dst ? ` dst ${f.dst}` : ''} on "${f.link}" ${where(ns)}`;
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      const l = mustLink(w, f.link, syscall, detail);
      const master = f.target === 'master' ? l.master : undefined;
      if (f.target === 'master' && master === undefined) fail(syscall, E.EINVAL, detail);
      if (f.target === 'self' && l.kind !== 'vxlan' && l.kind !== 'bridge')
        fail(syscall, E.EOPNOTSUPP, detail);
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
    });
  }

  async addFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    this.#fdb(ns, normalizeFdb(spec), 'add');
  }

  async appendFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    this.#fdb(ns, normalizeFdb(spec), 'append');
  }

  async deleteFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    this.#fdb(ns, normalizeFdb(spec), 'delete');
  }

  #sysctlDefault(w: World, path: string, key: string): string {
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

  async getSysctl(ns: NsRef, key: string): Promise<string> {
    const path = sysctlPath(key);
    const w = this.#world(this.#worlds, ns);
    return w.sysctls[path] ?? this.#sysctlDefault(w, path, key);
  }

  async setSysctl(ns: NsRef, spec: SysctlSpec): Promise<void> {
    const path = sysctlPath(spec.key);
    if (typeof spec.value !== 'string' && typeof spec.value !== 'number') {
      throw invalid('value', 'must be a string or a number');
    }
    this.#tx((ws) => {
      const w = this.#world(ws, ns);
      this.#sysctlDefault(w, path, spec.key);
      w.sysctls[path] = String(spec.value);
    });
  }
}

function parseMacField(mac: string): void {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) {
    throw invalid('mac', `must be a MAC address like 02:00:00:00:00:01, got "${mac}"`);
  }
}

function routeDetail(r: RouteNorm, ns: NsRef): string {
  const via = r.gateway ? ` via ${r.gateway}` : '';
  const dev = r.dev ? ` dev ${r.dev}` : '';
  return `route ${r.dst}${via}${dev} table ${r.table} ${where(ns)}`;
}

/** True when `ip` lies inside the network `cidr` (both the same family). */
function contains(cidr: string, ip: string): boolean {
  const net = parseCidr('dst', cidr);
  const addr = parseIp('gateway', ip);
  if (net.family !== addr.family) return false;
  for (let bit = 0; bit < net.prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if (((net.bytes[bit >> 3] as number) & mask) !== ((addr.bytes[bit >> 3] as number) & mask)) return false;
  }
  return true;
}
