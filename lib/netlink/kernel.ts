/**
 * The kernel adapter: `Netlink` over rtnetlink sockets (one per namespace, see transport.ts).
 * Each operation validates its input (specs.ts), resolves names to ifindexes, encodes one
 * request (codec/) and decodes the replies into the public types; the operations live in
 * kernel-links.ts, kernel-l3.ts and kernel-l2.ts. No `ip` commands.
 */
import { Kernel } from './kernel-ctx.js';
import * as l2 from './kernel-l2.js';
import * as l3 from './kernel-l3.js';
import * as links from './kernel-links.js';
import type { TransportOptions } from './transport.js';
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

/** Options for `createNetlink`. */
export type NetlinkOptions = TransportOptions;

/** `Netlink` over real rtnetlink sockets. */
export class KernelNetlink implements Netlink {
  readonly #k: Kernel;

  constructor(options: NetlinkOptions = {}) {
    this.#k = new Kernel(options);
  }

  dispose(): void {
    this.#k.t.dispose();
  }

  listLinks(ns: NsRef): Promise<readonly Link[]> {
    return links.listLinks(this.#k, ns);
  }

  getLink(ns: NsRef, name: string): Promise<Link> {
    return links.getLink(this.#k, ns, name);
  }

  findLink(ns: NsRef, name: string): Promise<Link | undefined> {
    return links.findLink(this.#k, ns, name);
  }

  createVeth(ns: NsRef, spec: VethSpec): Promise<void> {
    return links.createVeth(this.#k, ns, spec);
  }

  createBridge(ns: NsRef, spec: BridgeSpec): Promise<void> {
    return links.createBridge(this.#k, ns, spec);
  }

  createVxlan(ns: NsRef, spec: VxlanSpec): Promise<void> {
    return links.createVxlan(this.#k, ns, spec);
  }

  setLink(ns: NsRef, change: LinkChange): Promise<void> {
    return links.setLink(this.#k, ns, change);
  }

  getBridgePort(ns: NsRef, name: string): Promise<BridgePortFlags> {
    return links.getBridgePort(this.#k, ns, name);
  }

  setBridgePort(ns: NsRef, change: BridgePortChange): Promise<void> {
    return links.setBridgePort(this.#k, ns, change);
  }

  deleteLink(ns: NsRef, name: string): Promise<void> {
    return links.deleteLink(this.#k, ns, name);
  }

  listAddresses(ns: NsRef, filter?: AddressFilter): Promise<readonly Address[]> {
    return l3.listAddresses(this.#k, ns, filter);
  }

  addAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    return l3.addAddress(this.#k, ns, spec);
  }

  deleteAddress(ns: NsRef, spec: AddressSpec): Promise<void> {
    return l3.deleteAddress(this.#k, ns, spec);
  }

  listRoutes(ns: NsRef, filter?: RouteFilter): Promise<readonly Route[]> {
    return l3.listRoutes(this.#k, ns, filter);
  }

  addRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    return l3.addRoute(this.#k, ns, spec);
  }

  replaceRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    return l3.replaceRoute(this.#k, ns, spec);
  }

  deleteRoute(ns: NsRef, spec: RouteSpec): Promise<void> {
    return l3.deleteRoute(this.#k, ns, spec);
  }

  listNeighbours(ns: NsRef, filter?: AddressFilter): Promise<readonly Neighbour[]> {
    return l2.listNeighbours(this.#k, ns, filter);
  }

  setNeighbour(ns: NsRef, spec: NeighbourSpec): Promise<void> {
    return l2.setNeighbour(this.#k, ns, spec);
  }

  deleteNeighbour(ns: NsRef, key: NeighbourKey): Promise<void> {
    return l2.deleteNeighbour(this.#k, ns, key);
  }

  listFdb(ns: NsRef, filter?: FdbFilter): Promise<readonly FdbEntry[]> {
    return l2.listFdb(this.#k, ns, filter);
  }

  addFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    return l2.addFdb(this.#k, ns, spec);
  }

  appendFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    return l2.appendFdb(this.#k, ns, spec);
  }

  deleteFdb(ns: NsRef, spec: FdbSpec): Promise<void> {
    return l2.deleteFdb(this.#k, ns, spec);
  }

  getSysctl(ns: NsRef, key: string): Promise<string> {
    return l2.getSysctl(this.#k, ns, key);
  }

  setSysctl(ns: NsRef, spec: SysctlSpec): Promise<void> {
    return l2.setSysctl(this.#k, ns, spec);
  }
}

/** Creates the kernel adapter. Call `dispose()` when done to close its sockets. */
export function createNetlink(options: NetlinkOptions = {}): Netlink {
  return new KernelNetlink(options);
}
