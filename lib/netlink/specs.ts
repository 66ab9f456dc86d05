/**
 * Validation and defaulting of request specs, shared by the kernel adapter and the fake so
 * both see the same normalised request. Pure: specs in, frozen plain objects out.
 */
import { invalid } from '../errors/index.js';
import { type Cidr, networkOf, parseCidr, parseIp, parseMac } from './codec/ip.js';
import type {
  AddressSpec,
  BridgeSpec,
  FdbSpec,
  IpFamily,
  LinkChange,
  NeighbourSpec,
  RouteSpec,
  RouteType,
  Scope,
  VethSpec,
  VxlanSpec,
} from './types.js';
import { RouteTable } from './types.js';
import { checkInt, checkLinkName, checkMtu, checkNsRef } from './validate.js';

const SCOPES: readonly Scope[] = ['universe', 'site', 'link', 'host', 'nowhere'];
const ROUTE_TYPES: readonly RouteType[] = [
  'unicast',
  'local',
  'broadcast',
  'blackhole',
  'unreachable',
  'prohibit',
];

function checkMac(field: string, mac: string | undefined): void {
  if (mac === undefined) return;
  const b = parseMac(field, mac);
  // A multicast (group bit) source MAC is refused by the kernel (eth_validate_addr): EADDRNOTAVAIL.
  if (((b[0] as number) & 1) === 1)
    throw invalid(field, `must be a unicast MAC (group bit clear), got "${mac}"`);
}

/** Checks a veth spec. */
export function checkVeth(spec: VethSpec): VethSpec {
  checkLinkName('name', spec.name);
  checkLinkName('peerName', spec.peerName);
  if (spec.peerNs === undefined && spec.peerName === spec.name) {
    throw invalid('peerName', `must differ from name "${spec.name}" in the same namespace`);
  }
  if (spec.peerNs !== undefined) checkNsRef('peerNs', spec.peerNs);
  checkMtu('mtu', spec.mtu);
  checkMac('mac', spec.mac);
  checkMac('peerMac', spec.peerMac);
  return spec;
}

/** Checks a link change (names, MTU, MAC, master, target namespace). */
export function checkLinkChange(change: LinkChange): LinkChange {
  checkLinkName('name', change.name);
  if (change.newName !== undefined) checkLinkName('newName', change.newName);
  checkMtu('mtu', change.mtu);
  if (change.mac !== undefined) parseMac('mac', change.mac);
  if (change.master !== undefined && change.master !== null) checkLinkName('master', change.master);
  if (change.netns !== undefined) checkNsRef('netns', change.netns);
  return change;
}

/** Checks a bridge spec. */
export function checkBridge(spec: BridgeSpec): BridgeSpec {
  checkLinkName('name', spec.name);
  checkMtu('mtu', spec.mtu);
  checkMac('mac', spec.mac);
  return spec;
}

/** A VXLAN spec with defaults applied. */
export interface VxlanNorm {
  readonly name: string;
  readonly vni: number;
  readonly local?: string;
  /** Group or remote (the kernel keeps both in IFLA_VXLAN_GROUP). */
  readonly group?: string;
  readonly dstPort: number;
  readonly dev?: string;
  readonly learning: boolean;
  readonly portRange?: readonly [number, number];
  readonly ttl: number;
  readonly mtu?: number;
  readonly mac?: string;
}

/** Checks a VXLAN spec and applies defaults (dstPort 4789, learning on, ttl inherit). */
export function normalizeVxlan(spec: VxlanSpec): VxlanNorm {
  checkLinkName('name', spec.name);
  // RFC 7348 §5: the VNI is 24 bits.
  checkInt('vni', spec.vni, 0, 0xffffff);
  if (spec.group !== undefined && spec.remote !== undefined) {
    throw invalid('remote', 'cannot be combined with group (one of multicast group or unicast remote)');
  }
  let family: IpFamily | undefined;
  const group = spec.group ?? spec.remote;
  const groupField = spec.group !== undefined ? 'group' : 'remote';
  if (group !== undefined) family = parseIp(groupField, group).family;
  if (spec.local !== undefined) {
    const lf = parseIp('local', spec.local).family;
    if (family !== undefined && lf !== family)
      throw invalid('local', `must be IPv${family} like ${groupField}`);
  }
  if (spec.dev !== undefined) checkLinkName('dev', spec.dev);
  const dstPort = spec.dstPort ?? 4789;
  checkInt('dstPort', dstPort, 1, 65535);
  if (spec.portRange !== undefined) {
    const [lo, hi] = spec.portRange;
    checkInt('portRange[0]', lo, 1, 65535);
    checkInt('portRange[1]', hi, 1, 65535);
    if (hi < lo) throw invalid('portRange', `high ${hi} is below low ${lo}`);
  }
  const ttl = spec.ttl ?? 0;
  checkInt('ttl', ttl, 0, 255);
  checkMtu('mtu', spec.mtu);
  checkMac('mac', spec.mac);
  return {
    name: spec.name,
    vni: spec.vni,
    ...(spec.local !== undefined ? { local: parseIp('local', spec.local).ip } : {}),
    ...(group !== undefined ? { group: parseIp(groupField, group).ip } : {}),
    dstPort,
    ...(spec.dev !== undefined ? { dev: spec.dev } : {}),
    learning: spec.learning ?? true,
    ...(spec.portRange !== undefined ? { portRange: spec.portRange } : {}),
    ttl,
    ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
    ...(spec.mac !== undefined ? { mac: spec.mac.toLowerCase() } : {}),
  };
}

/** An address spec, parsed. */
export interface AddressNorm {
  readonly link: string;
  readonly cidr: Cidr;
  /** `ip/prefix` in canonical form. */
  readonly address: string;
  readonly broadcast?: string;
  readonly scope: Scope;
  readonly noDad: boolean;
}

/** Checks an address spec; the default scope is `host` for loopback addresses, else `universe`. */
export function normalizeAddress(spec: AddressSpec): AddressNorm {
  checkLinkName('link', spec.link);
  const cidr = parseCidr('address', spec.address);
  if (spec.broadcast !== undefined) {
    const b = parseIp('broadcast', spec.broadcast);
    if (b.family !== 4 || cidr.family !== 4)
      throw invalid('broadcast', 'is only meaningful for IPv4 addresses');
  }
  if (spec.scope !== undefined && !SCOPES.includes(spec.scope)) {
    throw invalid('scope', `must be one of ${SCOPES.join(', ')}, got "${String(spec.scope)}"`);
  }
  const loopback = cidr.family === 4 ? cidr.ip.startsWith('127.') : cidr.ip === '::1';
  return {
    link: spec.link,
    cidr,
    address: `${cidr.ip}/${cidr.prefix}`,
    ...(spec.broadcast !== undefined ? { broadcast: parseIp('broadcast', spec.broadcast).ip } : {}),
    scope: spec.scope ?? (loopback ? 'host' : 'universe'),
    noDad: spec.noDad ?? false,
  };
}

/** A route spec, parsed and defaulted. */
export interface RouteNorm {
  readonly family: IpFamily;
  /** Network form: `10.1.0.0/24`, `0.0.0.0/0`. */
  readonly dst: string;
  readonly cidr: Cidr;
  readonly gateway?: string;
  readonly dev?: string;
  readonly src?: string;
  readonly table: number;
  readonly scope: Scope;
  /** True when the caller named the scope (deletes then match on it). */
  readonly scopeGiven: boolean;
  readonly metric?: number;
  readonly onlink: boolean;
  readonly type: RouteType;
  readonly protocol: 'boot' | 'static' | 'kernel';
}

/**
 * Checks a route spec for adding (or, with `delete`, for matching). Defaults as iproute2: table main, protocol boot, type unicast; scope
 * host for local routes, link for device-only unicast routes, universe otherwise.
 */
export function normalizeRoute(spec: RouteSpec, purpose: 'add' | 'delete' = 'add'): RouteNorm {
  const cidr = parseCidr('dst', spec.dst);
  const network = networkOf(cidr);
  if (network !== `${cidr.ip}/${cidr.prefix}`) {
    throw invalid('dst', `has host bits set; the network is ${network}, got "${spec.dst}"`);
  }
  for (const f of ['gateway', 'src'] as const) {
    const v = spec[f];
    if (v !== undefined && parseIp(f, v).family !== cidr.family) {
      throw invalid(f, `must be IPv${cidr.family} like dst, got "${v}"`);
    }
  }
  if (spec.dev !== undefined) checkLinkName('dev', spec.dev);
  const type = spec.type ?? 'unicast';
  if (!ROUTE_TYPES.includes(type)) throw invalid('type', `must be one of ${ROUTE_TYPES.join(', ')}`);
  // A delete only needs the key (dst, table, metric); the next hop narrows it when given.
  if (purpose === 'add' && type === 'unicast' && spec.gateway === undefined && spec.dev === undefined) {
    throw invalid('dev', 'a unicast route needs a gateway or a device');
  }
  if (spec.onlink && spec.gateway === undefined) throw invalid('onlink', 'needs a gateway');
  if (spec.onlink && spec.dev === undefined) throw invalid('onlink', 'needs a device');
  const table = spec.table ?? RouteTable.main;
  checkInt('table', table, 1, 0xfffffffe);
  if (spec.metric !== undefined) checkInt('metric', spec.metric, 0, 0xffffffff);
  if (spec.scope !== undefined && !SCOPES.includes(spec.scope)) {
    throw invalid('scope', `must be one of ${SCOPES.join(', ')}, got "${String(spec.scope)}"`);
  }
  const protocol = spec.protocol ?? 'boot';
  if (!['boot', 'static', 'kernel'].includes(protocol))
    throw invalid('protocol', 'must be boot, static or kernel');
  const scope: Scope =
    spec.scope ??
    (type === 'local' ? 'host' : type === 'unicast' && spec.gateway === undefined ? 'link' : 'universe');
  return {
    family: cidr.family,
    dst: network,
    cidr,
    ...(spec.gateway !== undefined ? { gateway: parseIp('gateway', spec.gateway).ip } : {}),
    ...(spec.dev !== undefined ? { dev: spec.dev } : {}),
    ...(spec.src !== undefined ? { src: parseIp('src', spec.src).ip } : {}),
    table,
    scope,
    scopeGiven: spec.scope !== undefined,
    ...(spec.metric !== undefined && spec.metric !== 0 ? { metric: spec.metric } : {}),
    onlink: spec.onlink ?? false,
    type,
    protocol,
  };
}

/** A neighbour spec, parsed. */
export interface NeighbourNorm {
  readonly link: string;
  readonly family: IpFamily;
  readonly address: string;
  readonly mac: string;
  readonly state: 'permanent' | 'reachable' | 'stale' | 'noarp';
}

/** Checks a neighbour spec (default state permanent). */
export function normalizeNeighbour(spec: NeighbourSpec): NeighbourNorm {
  checkLinkName('link', spec.link);
  const ip = parseIp('address', spec.address);
  parseMac('mac', spec.mac);
  const state = spec.state ?? 'permanent';
  if (!['permanent', 'reachable', 'stale', 'noarp'].includes(state)) {
    throw invalid('state', `must be permanent, reachable, stale or noarp, got "${String(state)}"`);
  }
  return { link: spec.link, family: ip.family, address: ip.ip, mac: spec.mac.toLowerCase(), state };
}

/** An FDB spec, parsed and defaulted. */
export interface FdbNorm {
  readonly link: string;
  readonly mac: string;
  readonly dst?: string;
  readonly vni?: number;
  readonly vlan?: number;
  readonly target: 'self' | 'master';
  readonly state: 'permanent' | 'static';
}

/** Checks an FDB spec (default target self, state permanent). */
export function normalizeFdb(spec: FdbSpec): FdbNorm {
  checkLinkName('link', spec.link);
  parseMac('mac', spec.mac);
  if (spec.vni !== undefined) checkInt('vni', spec.vni, 0, 0xffffff);
  if (spec.vlan !== undefined) checkInt('vlan', spec.vlan, 1, 4094);
  const target = spec.target ?? 'self';
  if (target !== 'self' && target !== 'master') throw invalid('target', 'must be self or master');
  const state = spec.state ?? 'permanent';
  if (state !== 'permanent' && state !== 'static') throw invalid('state', 'must be permanent or static');
  return {
    link: spec.link,
    mac: spec.mac.toLowerCase(),
    ...(spec.dst !== undefined ? { dst: parseIp('dst', spec.dst).ip } : {}),
    ...(spec.vni !== undefined ? { vni: spec.vni } : {}),
    ...(spec.vlan !== undefined ? { vlan: spec.vlan } : {}),
    target,
    state,
  };
}
