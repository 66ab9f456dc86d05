/**
 * lib/netlink: links, addresses, routes, neighbours, bridge FDB entries and network sysctls
 * in any network namespace, over rtnetlink sockets (no `ip` commands), plus `FakeNetlink`,
 * an in-memory implementation with the same semantics for tests. Code against `Netlink`.
 */

export { dumpNetlink } from './dump.js';
export { FakeNetlink } from './fake.js';
export { createNetlink, KernelNetlink, type NetlinkOptions } from './kernel.js';
export type {
  Address,
  AddressFilter,
  AddressSpec,
  BridgeInfo,
  BridgePortChange,
  BridgePortFlags,
  BridgeSpec,
  FdbEntry,
  FdbFilter,
  FdbSpec,
  IpFamily,
  KnownLinkKind,
  Link,
  LinkChange,
  Neighbour,
  NeighbourKey,
  NeighbourSpec,
  NeighState,
  Netlink,
  NsRef,
  Route,
  RouteFilter,
  RouteSpec,
  RouteType,
  Scope,
  SysctlSpec,
  VethSpec,
  VxlanInfo,
  VxlanSpec,
} from './types.js';
export { RouteTable } from './types.js';
