/**
 * The fake's state: one `World` per network namespace, plain data (so a transaction is a
 * structuredClone), with the kernel side effects the fake reproduces: connected routes for
 * addresses on up links, loopback addresses when `lo` comes up, routes (and IPv6 addresses)
 * flushed when their device goes down, a VXLAN's default FDB entry for its remote. Pure
 * functions over worlds; the FakeNetlink class wraps them in transactions.
 */
import { networkOf, parseCidr } from './codec/ip.js';
import { kernelError } from './errors.js';
import type { BridgePortFlags, IpFamily, Link, NeighState, RouteType, Scope, VxlanInfo } from './types.js';
import { RouteTable } from './types.js';

/** A link in a world; other objects refer to it by index so renames are free. */
export interface FLink {
  index: number;
  name: string;
  kind?: string;
  up: boolean;
  mtu: number;
  mac?: string;
  promisc: boolean;
  master?: number;
  peer?: { world: string; index: number };
  vxlan?: Omit<VxlanInfo, 'dev'> & { devIndex?: number };
  vlanFiltering?: boolean;
  port?: BridgePortFlags;
  /** A bridge whose MTU follows its ports (no MTU was ever set on it). */
  mtuAuto?: boolean;
}

export interface FAddress {
  index: number;
  family: IpFamily;
  address: string;
  scope: Scope;
  broadcast?: string;
}

export interface FRoute {
  family: IpFamily;
  dst: string;
  table: number;
  type: RouteType;
  scope: Scope;
  protocol: string;
  gateway?: string;
  oif?: number;
  src?: string;
  metric?: number;
  onlink: boolean;
}

export interface FNeigh {
  index: number;
  family: IpFamily;
  address: string;
  mac: string;
  state: NeighState;
}

export interface FFdb {
  index: number;
  mac: string;
  dst?: string;
  vni?: number;
  vlan?: number;
  self: boolean;
  master?: number;
  state: NeighState;
}

export interface World {
  nextIndex: number;
  links: FLink[];
  addresses: FAddress[];
  routes: FRoute[];
  neighbours: FNeigh[];
  fdb: FFdb[];
  sysctls: Record<string, string>;
}

/** Kernel errnos the fake answers with. */
export const E = {
  EEXIST: 17,
  ENODEV: 19,
  ENOENT: 2,
  EINVAL: 22,
  EBUSY: 16,
  EOPNOTSUPP: 95,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  EADDRNOTAVAIL: 99,
  ESRCH: 3,
} as const;

/** Throws the kernel-shaped error for `syscall`. */
export function fail(syscall: string, errno: number, detail: string): never {
  throw kernelError(syscall, errno, detail);
}

/** A fresh namespace: only `lo`, down, as the kernel creates it. */
export function newWorld(): World {
  return {
    nextIndex: 2,
    links: [{ index: 1, name: 'lo', up: false, mtu: 65536, promisc: false }],
    addresses: [],
    routes: [],
    neighbours: [],
    fdb: [],
    sysctls: {},
  };
}

export function byName(w: World, name: string): FLink | undefined {
  return w.links.find((l) => l.name === name);
}

export function byIndex(w: World, index: number): FLink | undefined {
  return w.links.find((l) => l.index === index);
}

/** The link or ENODEV. */
export function mustLink(w: World, name: string, syscall: string, detail: string): FLink {
  return byName(w, name) ?? fail(syscall, E.ENODEV, detail);
}

/** Carrier as the kernel derives it for the kinds the fake models. */
function lowerUp(worlds: ReadonlyMap<string, World>, w: World, l: FLink): boolean {
  if (!l.up) return false;
  if (l.kind === 'veth') {
    const pw = l.peer ? worlds.get(l.peer.world) : undefined;
    const peer = pw && l.peer ? byIndex(pw, l.peer.index) : undefined;
    return peer?.up ?? false;
  }
  if (l.kind === 'bridge') {
    return w.links.some((p) => p.master === l.index && p.kind !== 'bridge' && lowerUp(worlds, w, p));
  }
  return true;
}

/** The public view of a link. */
export function toLink(worlds: ReadonlyMap<string, World>, w: World, l: FLink): Link {
  const peerIndex = l.peer?.index;
  const vx = l.vxlan;
  const devName = vx?.devIndex !== undefined ? byIndex(w, vx.devIndex)?.name : undefined;
  const master = l.master !== undefined ? byIndex(w, l.master)?.name : undefined;
  return {
    index: l.index,
    name: l.name,
    ...(l.kind ? { kind: l.kind } : {}),
    up: l.up,
    lowerUp: lowerUp(worlds, w, l),
    mtu: l.mtu,
    ...(l.mac ? { mac: l.mac } : {}),
    promisc: l.promisc,
    ...(master ? { master } : {}),
    ...(peerIndex !== undefined ? { linkIndex: peerIndex } : {}),
    ...(vx
      ? {
          vxlan: {
            vni: vx.vni,
            ...(vx.local ? { local: vx.local } : {}),
            ...(vx.group ? { group: vx.group } : {}),
            dstPort: vx.dstPort,
            ...(devName ? { dev: devName } : {}),
            learning: vx.learning,
            ...(vx.portRange ? { portRange: vx.portRange } : {}),
            ttl: vx.ttl,
          },
        }
      : {}),
    ...(l.kind === 'bridge' ? { bridge: { vlanFiltering: l.vlanFiltering ?? false } } : {}),
  };
}

/** The connected route the kernel adds for an address on an up link, if any (main table). */
function connectedRoute(a: FAddress, dev: FLink): FRoute | undefined {
  const cidr = parseCidr('address', a.address);
  if (a.family === 4) {
    // fib_add_ifaddr: loopback prefixes go to the local table, /32 has no prefix route.
    if ((dev.name === 'lo' && dev.kind === undefined) || cidr.prefix === 32) return undefined;
    return {
      family: 4,
      dst: networkOf(cidr),
      table: RouteTable.main,
      type: 'unicast',
      scope: 'link',
      protocol: 'kernel',
      oif: dev.index,
      src: cidr.ip,
      onlink: false,
    };
  }
  // addrconf_prefix_route: IPv6 prefix routes carry metric 256 (IP6_RT_PRIO_ADDRCONF).
  // Loopback's ::1 has none in the main table (checked against kernel 6.18).
  if (dev.name === 'lo' && dev.kind === undefined) return undefined;
  return {
    family: 6,
    dst: networkOf(cidr),
    table: RouteTable.main,
    type: 'unicast',
    scope: 'universe',
    protocol: 'kernel',
    oif: dev.index,
    metric: 256,
    onlink: false,
  };
}

function sameRoute(a: FRoute, b: FRoute): boolean {
  return (
    a.dst === b.dst && a.table === b.table && a.oif === b.oif && a.metric === b.metric && a.type === b.type
  );
}

/** Adds the connected route of `a` when its link is up and the route is not there yet. */
export function addConnected(w: World, a: FAddress): void {
  const dev = byIndex(w, a.index);
  if (!dev?.up) return;
  const r = connectedRoute(a, dev);
  if (r && !w.routes.some((x) => sameRoute(x, r))) w.routes.push(r);
}

/** Removes the connected route of `a` unless another address on the link still needs it. */
export function removeConnected(w: World, a: FAddress): void {
  const dev = byIndex(w, a.index);
  if (!dev) return;
  const r = connectedRoute(a, dev);
  if (!r) return;
  const others = w.addresses.filter((x) => x !== a && x.index === a.index && x.family === a.family);
  if (others.some((o) => connectedRoute(o, dev)?.dst === r.dst)) return;
  w.routes = w.routes.filter((x) => !(sameRoute(x, r) && x.protocol === 'kernel'));
}

/** Kernel side effects of a link going up or down. */
export function linkStateChanged(w: World, l: FLink): void {
  if (l.up) {
    if (l.name === 'lo' && l.kind === undefined && !w.addresses.some((a) => a.index === l.index)) {
      // inetdev_event / addrconf: loopback gets 127.0.0.1/8 and ::1/128 when it comes up.
      w.addresses.push({ index: l.index, family: 4, address: '127.0.0.1/8', scope: 'host' });
      w.addresses.push({ index: l.index, family: 6, address: '::1/128', scope: 'host' });
    }
    for (const a of w.addresses.filter((x) => x.index === l.index)) addConnected(w, a);
    return;
  }
  // Down: fib_sync_down_dev flushes every IPv4 route through the device (addresses stay);
  // addrconf_ifdown removes the IPv6 addresses (keep_addr_on_down=0) and the IPv6 routes
  // through it. Checked against kernel 6.18.
  w.routes = w.routes.filter((r) => r.oif !== l.index);
  w.addresses = w.addresses.filter((a) => a.index !== l.index || a.family === 4);
}

/** Removes everything that refers to link `index` (it is being deleted or moved away). */
export function detach(w: World, index: number): void {
  for (const p of w.links) if (p.master === index) releasePort(p);
  w.addresses = w.addresses.filter((a) => a.index !== index);
  w.routes = w.routes.filter((r) => r.oif !== index);
  w.neighbours = w.neighbours.filter((n) => n.index !== index);
  w.fdb = w.fdb.filter((f) => f.index !== index && f.master !== index);
  w.links = w.links.filter((l) => l.index !== index);
}

/**
 * br_mtu_auto_adjust: a bridge whose MTU was never set follows the smallest MTU of its
 * ports (1500 without ports).
 */
export function adjustBridgeMtus(w: World): void {
  for (const br of w.links) {
    if (br.kind !== 'bridge' || !br.mtuAuto) continue;
    const ports = w.links.filter((p) => p.master === br.index);
    br.mtu = ports.length === 0 ? 1500 : Math.min(...ports.map((p) => p.mtu));
  }
}

/** Releases a port from its bridge. */
export function releasePort(p: FLink): void {
  delete p.master;
  delete p.port;
}

/** A deterministic, locally administered unicast MAC. */
export function fakeMac(n: number): string {
  const hex = n.toString(16).padStart(8, '0');
  return `02:fa:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
}

/** Sysctl defaults in a fresh namespace for the keys Switchyard touches. */
export const SYSCTL_DEFAULTS: Readonly<Record<string, string>> = {
  'net/ipv4/ip_forward': '0',
  'net/ipv4/ip_local_port_range': '32768\t60999',
  'net/ipv4/conf/*/forwarding': '0',
  'net/ipv4/conf/*/rp_filter': '0',
  'net/ipv4/conf/*/proxy_arp': '0',
  'net/ipv4/conf/*/arp_notify': '0',
  'net/ipv4/conf/*/route_localnet': '0',
  'net/ipv4/conf/*/send_redirects': '1',
  'net/ipv6/conf/*/forwarding': '0',
  'net/ipv6/conf/*/accept_dad': '1',
  'net/ipv6/conf/*/disable_ipv6': '0',
  'net/ipv6/conf/*/accept_ra': '1',
  'net/bridge/bridge-nf-call-iptables': '0',
};
