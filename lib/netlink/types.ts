/**
 * The public types of lib/netlink: plain, readonly value objects for links, addresses, routes,
 * neighbours and bridge FDB entries, plus the `Netlink` interface that both the kernel adapter
 * and the in-memory fake implement. Callers code against `Netlink` only.
 *
 * Conventions shared by every method:
 * - The first parameter is the target network namespace: a name under /run/netns, an
 *   absolute path to a namespace file (`/proc/PID/ns/net`, as in CNI_NETNS), or `undefined`
 *   for the process's own namespace. An unknown namespace rejects with
 *   `notFound('network namespace', name)`.
 * - At most two parameters: the namespace and one name or spec object.
 * - Kernel failures reject with `systemError('RTM_NEWLINK', errno, detail)` (the message type
 *   as the syscall), so `isNotFound` (ENOENT/ENODEV) and `isAlreadyExists` (EEXIST) work.
 * - Bad input rejects with `invalid(field, problem)` before anything is sent.
 * - IP addresses are strings (`10.0.0.1`, `fd00::1`); prefixes are CIDR strings with the host
 *   part kept (`10.0.0.1/24`); MAC addresses are lowercase `aa:bb:cc:dd:ee:ff`.
 */

/** A network namespace: a name under /run/netns, an absolute path, or undefined for our own. */
export type NsRef = string | undefined;

/** IP address family. */
export type IpFamily = 4 | 6;

/** Link kinds this module creates and decodes; other kinds are reported by their kernel name. */
export type KnownLinkKind = 'veth' | 'bridge' | 'vxlan';

/** Settings decoded from a VXLAN link's IFLA_INFO_DATA (see ip-link(8) "VXLAN Type Support"). */
export interface VxlanInfo {
  /** VXLAN network identifier, 0–16777215 (RFC 7348 §5). */
  readonly vni: number;
  /** Source address of the outer packets. */
  readonly local?: string;
  /** Multicast group (when multicast) or the single remote VTEP (unicast). */
  readonly group?: string;
  /** UDP destination port; the kernel default is 8472, IANA assigned 4789 (RFC 7348 §5). */
  readonly dstPort: number;
  /** Underlay device name, when pinned. */
  readonly dev?: string;
  /** Whether the kernel learns remote MACs from received packets. */
  readonly learning: boolean;
  /** Source UDP port range of outer packets, `[low, high]`. */
  readonly portRange?: readonly [number, number];
  /** Outer TTL; 0 means inherit. */
  readonly ttl: number;
}

/** Settings decoded from a bridge's IFLA_INFO_DATA. */
export interface BridgeInfo {
  /** IFLA_BR_VLAN_FILTERING. */
  readonly vlanFiltering: boolean;
}

/** One network interface as the kernel reports it (RTM_NEWLINK). */
export interface Link {
  readonly index: number;
  readonly name: string;
  /** IFLA_INFO_KIND (`veth`, `bridge`, `vxlan`, …); absent for loopback and plain devices. */
  readonly kind?: string;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  /** The lower layer reports carrier (IFF_LOWER_UP); a veth has it only when both ends are up. */
  readonly lowerUp: boolean;
  readonly mtu: number;
  /** Hardware address, absent for links without one. */
  readonly mac?: string;
  /** IFF_PROMISC. */
  readonly promisc: boolean;
  /** Name of the master (bridge) in the same namespace. */
  readonly master?: string;
  /** IFLA_LINK: for a veth, the peer's ifindex (possibly in another namespace). */
  readonly linkIndex?: number;
  readonly vxlan?: VxlanInfo;
  readonly bridge?: BridgeInfo;
}

/** Creates a veth pair whose peer may live in another namespace from the start. */
export interface VethSpec {
  readonly name: string;
  readonly peerName: string;
  /**
   * Namespace of the peer end (name or path). Omitted: same namespace as `name`. The peer is
   * created there directly (VETH_INFO_PEER with IFLA_NET_NS_FD), never created and then moved.
   */
  readonly peerNs?: string;
  readonly mtu?: number;
  readonly mac?: string;
  readonly peerMac?: string;
}

/** Creates a Linux bridge. */
export interface BridgeSpec {
  readonly name: string;
  readonly mtu?: number;
  readonly mac?: string;
  /** IFLA_BR_VLAN_FILTERING; default false. */
  readonly vlanFiltering?: boolean;
}

/** Creates a VXLAN device (RFC 7348). */
export interface VxlanSpec {
  readonly name: string;
  /** 0–16777215. */
  readonly vni: number;
  readonly local?: string;
  /** Multicast group; exclusive with `remote`. */
  readonly group?: string;
  /** Single unicast remote VTEP; exclusive with `group`. */
  readonly remote?: string;
  /** Default 4789 (IANA), unlike the kernel's 8472. */
  readonly dstPort?: number;
  /** Underlay device name. */
  readonly dev?: string;
  /** Default true (kernel default). Flannel-style static FDB setups turn it off. */
  readonly learning?: boolean;
  readonly portRange?: readonly [number, number];
  readonly ttl?: number;
  readonly mtu?: number;
  readonly mac?: string;
}

/** Changes to one link; only the fields given are changed. */
export interface LinkChange {
  /** The link to change. */
  readonly name: string;
  readonly up?: boolean;
  readonly mtu?: number;
  readonly mac?: string;
  readonly promisc?: boolean;
  /** A bridge name to enslave to, or null to release (`nomaster`). */
  readonly master?: string | null;
  /** Rename. Kernels before 6.9 refuse renaming an up link (EBUSY); newer ones allow it. */
  readonly newName?: string;
  /** Move into another namespace (name or path). Applied first, then the other changes. */
  readonly netns?: string;
}

/** Bridge port flags carried in IFLA_PROTINFO (AF_BRIDGE). */
export interface BridgePortFlags {
  readonly hairpin: boolean;
  readonly learning: boolean;
}

/** Changes to a bridge port's flags. */
export interface BridgePortChange {
  /** The enslaved link. */
  readonly name: string;
  readonly hairpin?: boolean;
  readonly learning?: boolean;
}

/** Address scope (rtnetlink RT_SCOPE_*). */
export type Scope = 'universe' | 'site' | 'link' | 'host' | 'nowhere';

/** One interface address (RTM_NEWADDR). */
export interface Address {
  readonly link: string;
  readonly family: IpFamily;
  /** CIDR with the host part: `10.0.0.1/24`. */
  readonly address: string;
  readonly scope: Scope;
  readonly broadcast?: string;
}

/** Adds or deletes one interface address. */
export interface AddressSpec {
  readonly link: string;
  /** CIDR with the host part: `10.0.0.1/24`, `fd00::1/64`. */
  readonly address: string;
  /** IPv4 broadcast address; omitted: none (as `ip addr add` without `brd`). */
  readonly broadcast?: string;
  readonly scope?: Scope;
  /** IPv6: skip duplicate address detection (IFA_F_NODAD), so the address is usable at once. */
  readonly noDad?: boolean;
}

/** Filters for list calls. */
export interface AddressFilter {
  readonly link?: string;
  readonly family?: IpFamily;
}

/** Route type (RTN_*). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';

/** Well-known routing tables (rtnetlink.h). */
export const RouteTable = { main: 254, local: 255, default: 253 } as const;

/** One route (RTM_NEWROUTE). */
export interface Route {
  readonly family: IpFamily;
  /** Destination prefix; `0.0.0.0/0` or `::/0` for the default route. */
  readonly dst: string;
  readonly table: number;
  readonly type: RouteType;
  readonly scope: Scope;
  /** RTPROT_* as a name (`kernel`, `boot`, `static`, …) or the number when unnamed. */
  readonly protocol: string;
  readonly gateway?: string;
  readonly dev?: string;
  /** Preferred source address (RTA_PREFSRC). */
  readonly src?: string;
  /** RTA_PRIORITY; absent when 0. */
  readonly metric?: number;
  readonly onlink: boolean;
}

/** Adds, replaces or deletes a route. Delete matches on dst, table, metric and any field given. */
export interface RouteSpec {
  /** Destination prefix; `0.0.0.0/0` or `::/0` for default. */
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly src?: string;
  /** Default: main (254). */
  readonly table?: number;
  /** Default: `link` for a route with only a device, else `universe` (as iproute2 does). */
  readonly scope?: Scope;
  readonly metric?: number;
  /** RTNH_F_ONLINK: the gateway is on the link even without a matching prefix. */
  readonly onlink?: boolean;
  /** Default `unicast`. */
  readonly type?: RouteType;
  /** Default `boot` (as `ip route add`). */
  readonly protocol?: 'boot' | 'static' | 'kernel';
}

/** Filters for route lists. */
export interface RouteFilter {
  /** Only this table; default: every table. */
  readonly table?: number;
  readonly family?: IpFamily;
}

/** Neighbour (ARP/NDP) entry state (NUD_*). */
export type NeighState =
  | 'permanent'
  | 'noarp'
  | 'reachable'
  | 'stale'
  | 'delay'
  | 'probe'
  | 'failed'
  | 'incomplete'
  | 'none';

/** One neighbour entry (RTM_NEWNEIGH, family AF_INET/AF_INET6). */
export interface Neighbour {
  readonly link: string;
  readonly family: IpFamily;
  readonly address: string;
  readonly mac?: string;
  readonly state: NeighState;
}

/** Sets (create or replace) a neighbour entry. */
export interface NeighbourSpec {
  readonly link: string;
  readonly address: string;
  readonly mac: string;
  /** Default `permanent`. */
  readonly state?: 'permanent' | 'reachable' | 'stale' | 'noarp';
}

/** Identifies a neighbour entry to delete. */
export interface NeighbourKey {
  readonly link: string;
  readonly address: string;
}

/** One bridge forwarding database entry (RTM_NEWNEIGH, family AF_BRIDGE). */
export interface FdbEntry {
  readonly link: string;
  readonly mac: string;
  /** VXLAN: the remote VTEP's underlay address (NDA_DST). */
  readonly dst?: string;
  /** VXLAN: the VNI when it differs from the device's (NDA_VNI). */
  readonly vni?: number;
  readonly vlan?: number;
  /** NTF_SELF: the entry lives in the device's own table (VXLAN). */
  readonly self: boolean;
  /** NTF_MASTER: the entry lives in the master bridge's table; its name. */
  readonly master?: string;
  readonly state: NeighState;
}

/** Adds, appends or deletes one FDB entry. */
export interface FdbSpec {
  readonly link: string;
  readonly mac: string;
  readonly dst?: string;
  readonly vni?: number;
  readonly vlan?: number;
  /** Where the entry lives: the device itself (`self`, default) or its master bridge. */
  readonly target?: 'self' | 'master';
  /** Default `permanent`. */
  readonly state?: 'permanent' | 'static';
}

/** Filters for FDB lists. */
export interface FdbFilter {
  readonly link?: string;
}

/** Sets one sysctl under /proc/sys, as seen from the namespace. */
export interface SysctlSpec {
  /** Dotted (`net.ipv4.ip_forward`) or slashed (`net/ipv4/conf/eth0.1/forwarding`) key. */
  readonly key: string;
  readonly value: string | number;
}

/**
 * Everything Switchyard does to links, addresses, routes, neighbours, the bridge FDB and
 * network sysctls. Implemented by the kernel adapter and by `FakeNetlink`. All methods are
 * async; each call is one netlink transaction (one request, one ACK).
 */
export interface Netlink {
  /** Every link in the namespace, sorted by index. */
  listLinks(ns: NsRef): Promise<readonly Link[]>;
  /** One link by name; rejects with a NotFound error when missing. */
  getLink(ns: NsRef, name: string): Promise<Link>;
  /** One link by name, or undefined when missing. */
  findLink(ns: NsRef, name: string): Promise<Link | undefined>;
  /** Creates a veth pair, the peer directly in `spec.peerNs`. EEXIST when a name is taken. */
  createVeth(ns: NsRef, spec: VethSpec): Promise<void>;
  /** Creates a bridge (down). */
  createBridge(ns: NsRef, spec: BridgeSpec): Promise<void>;
  /** Creates a VXLAN device (down). */
  createVxlan(ns: NsRef, spec: VxlanSpec): Promise<void>;
  /** Changes a link: up/down, mtu, mac, promisc, master, rename, move to another namespace. */
  setLink(ns: NsRef, change: LinkChange): Promise<void>;
  /** Reads a bridge port's hairpin and learning flags. */
  getBridgePort(ns: NsRef, name: string): Promise<BridgePortFlags>;
  /** Sets a bridge port's hairpin and learning flags (IFLA_PROTINFO). */
  setBridgePort(ns: NsRef, change: BridgePortChange): Promise<void>;
  /** Deletes a link (a veth's peer goes with it). ENODEV (NotFound) when missing. */
  deleteLink(ns: NsRef, name: string): Promise<void>;

  /** Addresses, sorted by link index then family then address. */
  listAddresses(ns: NsRef, filter?: AddressFilter): Promise<readonly Address[]>;
  addAddress(ns: NsRef, spec: AddressSpec): Promise<void>;
  deleteAddress(ns: NsRef, spec: AddressSpec): Promise<void>;

  /** Routes, sorted by table, family, dst, metric. */
  listRoutes(ns: NsRef, filter?: RouteFilter): Promise<readonly Route[]>;
  /** Adds a route; EEXIST when one with the same key exists. */
  addRoute(ns: NsRef, spec: RouteSpec): Promise<void>;
  /** Adds or replaces a route (NLM_F_REPLACE). */
  replaceRoute(ns: NsRef, spec: RouteSpec): Promise<void>;
  /** Deletes a route; ESRCH/ENOENT (NotFound) when missing. */
  deleteRoute(ns: NsRef, spec: RouteSpec): Promise<void>;

  /** IPv4 and IPv6 neighbour entries. */
  listNeighbours(ns: NsRef, filter?: AddressFilter): Promise<readonly Neighbour[]>;
  /** Creates or replaces a neighbour entry. */
  setNeighbour(ns: NsRef, spec: NeighbourSpec): Promise<void>;
  deleteNeighbour(ns: NsRef, key: NeighbourKey): Promise<void>;

  /** Bridge FDB entries (bridges and VXLAN devices). */
  listFdb(ns: NsRef, filter?: FdbFilter): Promise<readonly FdbEntry[]>;
  /** Adds an entry; EEXIST when the MAC is already there. */
  addFdb(ns: NsRef, spec: FdbSpec): Promise<void>;
  /** Appends a destination (NLM_F_APPEND): VXLAN head-end replication with the all-zero MAC. */
  appendFdb(ns: NsRef, spec: FdbSpec): Promise<void>;
  deleteFdb(ns: NsRef, spec: FdbSpec): Promise<void>;

  /** Reads a sysctl under /proc/sys as seen from the namespace, trimmed. */
  getSysctl(ns: NsRef, key: string): Promise<string>;
  /** Writes a sysctl under /proc/sys inside the namespace. */
  setSysctl(ns: NsRef, spec: SysctlSpec): Promise<void>;

  /** Closes every cached socket. The instance must not be used afterwards. */
  dispose(): void;
}
