/**
 * `FakeNetlink`: an in-memory `Netlink` with the kernel's semantics for what Switchyard does
 * (EEXIST/ENODEV/ESRCH answers, veth peers across namespaces, bridge masters, connected
 * routes, namespaces as separate worlds). Every call is a transaction: it works on a copy of
 * the state and commits only when it succeeds, so a failed call changes nothing (the kernel
 * gives no such promise for a multi-attribute RTM_NEWLINK). `dump()` renders a namespace as
 * sorted text in the same format as `dumpNetlink` on the kernel. The state and its rules live
 * in fake-state.ts, fake-links.ts, fake-l3.ts and fake-l2.ts; this class validates input,
 * opens the transaction and delegates.
 */
import { alreadyExists, invalid, notFound } from '../errors/index.js';
import { parseIp } from './codec/ip.js';
import { renderDump } from './dump.js';
import {
  changeFdbIn,
  deleteNeighbourIn,
  listFdbIn,
  listNeighboursIn,
  setNeighbourIn,
  sysctlIn,
} from './fake-l2.js';
import {
  addAddressIn,
  addRouteIn,
  deleteAddressIn,
  deleteRouteIn,
  listAddressesIn,
  listRoutesIn,
  replaceRouteIn,
} from './fake-l3.js';
import {
  createBridgeIn,
  createVethIn,
  createVxlanIn,
  deleteLinkIn,
  dropPeer,
  HOST,
  type LinkCtx,
  setBridgePortIn,
  setLinkIn,
  worldIn,
} from './fake-links.js';
import { byName, fakeMac, mustLink, newWorld, toLink, type World } from './fake-state.js';
import {
  checkBridge,
  checkLinkChange,
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
import { checkLinkName, sysctlPath } from './validate.js';

type Worlds = Map<string, World>;

function where(ns: NsRef): string {
  return ns === undefined ? 'in the current namespace' : `in network namespace "${ns}"`;
}

function routeDetail(r: RouteNorm, ns: NsRef): string {
  const via = r.gateway ? ` via ${r.gateway}` : '';
  const dev = r.dev ? ` dev ${r.dev}` : '';
  return `route ${r.dst}${via}${dev} table ${r.table} ${where(ns)}`;
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
    this.#tx((ctx) => {
      for (const l of ctx.world(name).links) dropPeer(ctx.ws, l);
      ctx.ws.delete(name);
    });
  }

  /** Namespace names known to the fake (the current namespace is not listed). */
  namespaces(): string[] {
    return [...this.#worlds.keys()].filter((k) => k !== HOST).sort();
  }

  /** The namespace's state as sorted text (see dump.ts for what is included). */
  dump(ns?: string): string {
    const w = this.#read(ns);
    return renderDump({
      links: this.#links(w),
      addresses: listAddressesIn(w, {}),
      routes: listRoutesIn(w, { table: RouteTable.main }),
      neighbours: listNeighboursIn(w, {}),
      fdb: listFdbIn(w, {}),
    });
  }

  dispose(): void {
    this.#disposed = true;
  }

  #read(ns: NsRef): World {
    if (this.#disposed) throw invalid('netlink', 'used after dispose()');
    return worldIn(this.#worlds, ns);
  }

  /** Runs `fn` on a copy of the state and commits it only if `fn` returns. */
  #tx(fn: (ctx: LinkCtx) => void): void {
    if (this.#disposed) throw invalid('netlink', 'used after dispose()');
    const ws = structuredClone(this.#worlds);
    fn({ ws, world: (ns) => worldIn(ws, ns), nextMac: () => fakeMac(++this.#macs) });
    this.#worlds = ws;
  }

  #links(w: World): Link[] {
    return [...w.links].sort((a, b) => a.index - b.index).map((l) => toLink(this.#worlds, w, l));
  }

  async listLinks(ns: NsRef): Promise<readonly Link[]> {
    return this.#links(this.#read(ns));
  }

  async getLink(ns: NsRef, name: string): Promise<Link> {
    checkLinkName('name', name);
    const w = this.#read(ns);
    return toLink(this.#worlds, w, mustLink(w, name, 'RTM_GETLINK', `link "${name}" ${where(ns)}`));
  }

  async findLink(ns: NsRef, name: string): Promise<Link | undefined> {
    checkLinkName('name', name);
    const w = this.#read(ns);
    const l = byName(w, name);
    return l ? toLink(this.#worlds, w, l) : undefined;
  }

  async createVeth(ns: NsRef, spec: VethSpec): Promise<void> {
    checkVeth(spec);
    const detail = `veth "${spec.name}"/"${spec.peerName}" ${where(ns)}`;
    this.#tx((ctx) => createVethIn(ctx, ns, spec, detail));
  }

  async createBridge(ns: NsRef, spec: BridgeSpec): Promise<void> {
    checkBridge(spec);
    this.#tx((ctx) => createBridgeIn(ctx, ns, spec, `bridge "${spec.name}" ${where(ns)}`));
  }

  async createVxlan(ns: NsRef, spec: VxlanSpec): Promise<void> {
    const v = normalizeVxlan(spec);
    this.#tx((ctx) => createVxlanIn(ctx, ns, v, `vxlan "${v.name}" (vni ${v.vni}) ${where(ns)}`));
  }

  async setLink(ns: NsRef, change: LinkChange): Promise<void> {
    checkLinkChange(change);
    this.#tx((ctx) => setLinkIn(ctx, ns, change, `link "${change.name}" ${where(ns)}`));
  }

  async getBridgePort(ns: NsRef, name: string): Promise<BridgePortFlags> {
    checkLinkName('name', name);
    const l = mustLink(this.#read(ns), name, 'RTM_GETLINK', `link "${name}" ${where(ns)}`);
    if (!l.port) throw notFound('bridge port', name);
    return { ...l.port };
  }

  async setBridgePort(ns: NsRef, change: BridgePortChange): Promise<void> {
    checkLinkName('name', change.name);
    this.#tx((ctx) => setBridgePortIn(ctx.world(ns), change, `bridge port "${change.name}" ${where(ns)}`));
  }

  async deleteLink(ns: NsRef, name: string): Promise<void> {
    checkLinkName('name', name);
    this.#tx((ctx) => deleteLinkIn(ctx, ns, name, `link "${name}" ${where(ns)}`));
  }

  async listAddresses(ns: NsRef, filter: AddressFilter = {}): Promise<readonly Address[]> {
    return listAddressesIn(this.#read(ns), filter);
  }

  async addAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    const a = normalizeAddress(spec);
    this.#tx((ctx) => addAddressIn(ctx.world(ns), a, `address ${a.address} on "${a.link}" ${where(ns)}`));
  }

  async deleteAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    const a = normalizeAddress(spec);
    this.#tx((ctx) => deleteAddressIn(ctx.world(ns), a, `address ${a.address} on "${a.link}" ${where(ns)}`));
  }

  async listRoutes(ns: NsRef, filter: RouteFilter = {}): Promise<readonly Route[]> {
    return listRoutesIn(this.#read(ns), filter);
  }

  async addRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    const r = normalizeRoute(spec);
    this.#tx((ctx) => addRouteIn(ctx.world(ns), r, routeDetail(r, ns)));
  }

  async replaceRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    const r = normalizeRoute(spec);
    this.#tx((ctx) => replaceRouteIn(ctx.world(ns), r, routeDetail(r, ns)));
  }

  async deleteRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    const r = { ...normalizeRoute(spec, 'delete'), typeGiven: spec.type !== undefined };
    this.#tx((ctx) => deleteRouteIn(ctx.world(ns), r, routeDetail(r, ns)));
  }

  async listNeighbours(ns: NsRef, filter: AddressFilter = {}): Promise<readonly Neighbour[]> {
    return listNeighboursIn(this.#read(ns), filter);
  }

  async setNeighbour(ns: NsRef, spec: NeighbourSpec): Promise<void> {
    const n = normalizeNeighbour(spec);
    this.#tx((ctx) => setNeighbourIn(ctx.world(ns), n, `neighbour ${n.address} on "${n.link}" ${where(ns)}`));
  }

  async deleteNeighbour(ns: NsRef, key: NeighbourKey): Promise<void> {
    checkLinkName('link', key.link);
    const ip = parseIp('address', key.address).ip;
    const detail = `neighbour ${ip} on "${key.link}" ${where(ns)}`;
    this.#tx((ctx) => deleteNeighbourIn(ctx.world(ns), { link: key.link, address: ip }, detail));
  }

  async listFdb(ns: NsRef, filter: FdbFilter = {}): Promise<readonly FdbEntry[]> {
    return listFdbIn(this.#read(ns), filter);
  }

  #fdb(ns: NsRef, f: FdbNorm, op: 'add' | 'append' | 'delete'): void {
    const detail = `fdb ${op} ${f.mac}${f.dst ? ` dst ${f.dst}` : ''} on "${f.link}" ${where(ns)}`;
    this.#tx((ctx) => changeFdbIn(ctx.world(ns), f, op, detail));
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

  async getSysctl(ns: NsRef, key: string): Promise<string> {
    return sysctlIn(this.#read(ns), sysctlPath(key), key);
  }

  async setSysctl(ns: NsRef, spec: SysctlSpec): Promise<void> {
    const path = sysctlPath(spec.key);
    if (typeof spec.value !== 'string' && typeof spec.value !== 'number') {
      throw invalid('value', 'must be a string or a number');
    }
    this.#tx((ctx) => {
      const w = ctx.world(ns);
      sysctlIn(w, path, spec.key);
      w.sysctls[path] = String(spec.value);
    });
  }
}
