/**
 * The overlay's behaviour, pure: the kernel state one node must have (its VXLAN device, and for
 * every other node a neighbour, an FDB entry and a route — or, for host-gw, one route), and the
 * ordered actions that turn what the kernel reports into it. Flannel's vxlan scheme: each node's
 * device carries its pod range's network address as a /32 (`10.244.1.0/32`); a peer's range is
 * routed `via <peer .0> onlink dev <device>`, that gateway resolves statically (permanent
 * neighbour) to the peer's VTEP MAC, and the FDB sends that MAC to the peer's underlay IP, so
 * nothing is learned or flooded (learning off, no ARP over the overlay).
 *
 * Ownership: the agent touches only its own device (and what hangs off it) and main-table
 * routes into the cluster range outside its own pod range that go through its device or carry
 * protocol `static` (what it writes for host-gw); the CNI bridge's connected route for the own
 * range, and anything else, are left alone.
 */

import { contains, nthAddress, parseCidr } from '../lib/net/index.js';
import type { FdbEntry, Link, Neighbour, Route, VxlanSpec } from '../lib/netlink/index.js';
import type { Backend, OverlayNode } from './model.js';

/** IANA's VXLAN port (RFC 7348 §5); the kernel's default is 8472. */
export const VXLAN_PORT = 4789;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD = 50;
/** Protocol of the routes the agent writes (ownership for host-gw routes). */
export const ROUTE_PROTOCOL = 'static';

/** The VXLAN device's name for a VNI: `sy-vx.<vni>`, at most 14 characters (IFNAMSIZ − 1 = 15). */
export function deviceName(vni: number): string {
  return `sy-vx.${vni}`;
}

/** Everything the plan needs to know about this node. */
export interface PlanInput {
  readonly backend: Backend;
  readonly vni: number;
  /** The whole cluster pod range (routes inside it are candidates for ownership). */
  readonly clusterCIDR: string;
  /** This node's name (excluded from peers). */
  readonly nodeName: string;
  /** This node's pod range; without it no address is set on the device. */
  readonly podCIDR?: string;
  /** Underlay: this node's address, the device holding it and its MTU. */
  readonly nodeIP: string;
  readonly underlayDev: string;
  readonly underlayMtu: number;
  /** The VTEP MAC this node uses (stable across restarts; published on the Node). */
  readonly vtepMac: string;
  /** Every node from the cache, this one included. */
  readonly nodes: readonly OverlayNode[];
}

/** A desired route; host-gw routes leave the device to the kernel. */
export interface RouteWant {
  readonly dst: string;
  readonly gateway: string;
  readonly dev?: string;
  readonly onlink: boolean;
}

/** The kernel state this node should have. */
export interface Desired {
  /** The VXLAN device (vxlan backend), with every field the plan checks. */
  readonly device?: Required<Pick<VxlanSpec, 'name' | 'vni' | 'local' | 'dstPort' | 'dev' | 'mtu' | 'mac'>>;
  /** The device's address (`10.244.1.0/32`). */
  readonly address?: string;
  readonly neighbours: readonly { readonly address: string; readonly mac: string }[];
  readonly fdb: readonly { readonly mac: string; readonly dst: string }[];
  readonly routes: readonly RouteWant[];
}

/** What the adapter read back from the kernel. */
export interface Observed {
  /** The link named like the device, whatever it is. */
  readonly device?: Link;
  /** Addresses on the device (CIDR with host part). */
  readonly addresses: readonly string[];
  readonly neighbours: readonly Neighbour[];
  readonly fdb: readonly FdbEntry[];
  /** Main-table IPv4 routes. */
  readonly routes: readonly Route[];
}

/** One step for the adapter; each maps to one lib/netlink call. */
export type Action =
  | { readonly kind: 'delete-link'; readonly name: string; readonly reason: string }
  | { readonly kind: 'create-vxlan'; readonly spec: VxlanSpec }
  | {
      readonly kind: 'set-link';
      readonly name: string;
      readonly mtu?: number;
      readonly mac?: string;
      readonly up?: true;
    }
  | { readonly kind: 'add-address'; readonly link: string; readonly address: string }
  | { readonly kind: 'delete-address'; readonly link: string; readonly address: string }
  | { readonly kind: 'set-neighbour'; readonly link: string; readonly address: string; readonly mac: string }
  | { readonly kind: 'delete-neighbour'; readonly link: string; readonly address: string }
  | { readonly kind: 'add-fdb'; readonly link: string; readonly mac: string; readonly dst: string }
  | { readonly kind: 'delete-fdb'; readonly link: string; readonly mac: string; readonly dst?: string }
  | { readonly kind: 'replace-route'; readonly route: RouteWant }
  | { readonly kind: 'delete-route'; readonly route: Route };

/** The network address of a pod range: the gateway other nodes route it through. */
function gatewayOf(podCIDR: string): string {
  return nthAddress(parseCidr(podCIDR), 0);
}

/** Peers this node programs: other nodes with a pod range, an address and the same backend. */
export function peersOf(input: PlanInput): OverlayNode[] {
  return input.nodes
    .filter((n) => n.name !== input.nodeName && n.podCIDR && n.nodeIP && n.backend === input.backend)
    .filter((n) => input.backend !== 'vxlan' || n.vtepMac !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The desired kernel state of this node. */
export function desiredState(input: PlanInput): Desired {
  const peers = peersOf(input);
  if (input.backend === 'host-gw') {
    return {
      neighbours: [],
      fdb: [],
      routes: peers.map((p) => ({ dst: p.podCIDR as string, gateway: p.nodeIP as string, onlink: false })),
    };
  }
  const name = deviceName(input.vni);
  return {
    device: {
      name,
      vni: input.vni,
      local: input.nodeIP,
      dstPort: VXLAN_PORT,
      dev: input.underlayDev,
      mtu: input.underlayMtu - VXLAN_OVERHEAD,
      mac: input.vtepMac,
    },
    ...(input.podCIDR ? { address: `${gatewayOf(input.podCIDR)}/32` } : {}),
    neighbours: peers.map((p) => ({ address: gatewayOf(p.podCIDR as string), mac: p.vtepMac as string })),
    fdb: peers.map((p) => ({ mac: p.vtepMac as string, dst: p.nodeIP as string })),
    routes: peers.map((p) => ({
      dst: p.podCIDR as string,
      gateway: gatewayOf(p.podCIDR as string),
      dev: name,
      onlink: true,
    })),
  };
}

/** Why an existing link cannot be kept as the device (recreated), or undefined. */
function deviceMismatch(want: NonNullable<Desired['device']>, link: Link): string | undefined {
  const vx = link.vxlan;
  if (link.kind !== 'vxlan' || !vx) return `kind ${link.kind ?? 'none'}`;
  if (vx.vni !== want.vni) return `vni ${vx.vni}`;
  if (vx.local !== want.local) return `local ${vx.local ?? 'none'}`;
  if (vx.dstPort !== want.dstPort) return `dstport ${vx.dstPort}`;
  if (vx.dev !== want.dev) return `dev ${vx.dev ?? 'none'}`;
  if (vx.learning) return 'learning on';
  if (vx.group !== undefined) return `remote ${vx.group}`;
  return undefined;
}

/** Whether the agent owns `r` (see the file comment). */
export function ownsRoute(input: Pick<PlanInput, 'clusterCIDR' | 'podCIDR' | 'vni'>, r: Route): boolean {
  if (r.table !== 254 || r.family !== 4 || r.type !== 'unicast') return false;
  const [net = '', len = '0'] = r.dst.split('/');
  const cluster = parseCidr(input.clusterCIDR);
  if (!contains(cluster, net) || Number(len) < cluster.prefixLength || r.dst === input.podCIDR) return false;
  return r.dev === deviceName(input.vni) || r.protocol === ROUTE_PROTOCOL;
}

function routeMatches(want: RouteWant, r: Route): boolean {
  return (
    r.gateway === want.gateway &&
    r.onlink === want.onlink &&
    (want.dev === undefined || r.dev === want.dev) &&
    r.protocol === ROUTE_PROTOCOL &&
    r.metric === undefined
  );
}

/** Device actions, and whether the device's dependants must all be rewritten (recreated). */
function deviceActions(want: Desired['device'], observed: Observed, input: PlanInput): [Action[], boolean] {
  const existing = observed.device;
  const name = deviceName(input.vni);
  if (!want)
    return [
      existing?.kind === 'vxlan' ? [{ kind: 'delete-link', name, reason: 'backend host-gw' }] : [],
      false,
    ];
  const actions: Action[] = [];
  const mismatch = existing ? deviceMismatch(want, existing) : 'missing';
  if (existing && mismatch) actions.push({ kind: 'delete-link', name, reason: mismatch });
  if (mismatch) {
    actions.push({ kind: 'create-vxlan', spec: { ...want, learning: false } });
    actions.push({ kind: 'set-link', name, up: true });
    return [actions, true];
  }
  const link = existing as Link;
  const change = {
    ...(link.mtu !== want.mtu ? { mtu: want.mtu } : {}),
    ...(link.mac !== want.mac ? { mac: want.mac } : {}),
    ...(!link.up ? { up: true as const } : {}),
  };
  if (Object.keys(change).length > 0) actions.push({ kind: 'set-link', name, ...change });
  // A device taken down loses its routes; the kernel's read-back already shows that.
  return [actions, false];
}

/** Additions and removals of one kind of entry. */
interface Delta {
  readonly adds: Action[];
  readonly removes: Action[];
}

/** The device's address, FDB entries and neighbours against what hangs off it now. */
function deviceEntryDelta(link: string, want: Desired, seen: Observed): Delta {
  const adds: Action[] = [];
  const removes: Action[] = [];
  if (want.address && !seen.addresses.includes(want.address))
    adds.push({ kind: 'add-address', link, address: want.address });
  for (const a of seen.addresses)
    if (a !== want.address && a.includes('.')) removes.push({ kind: 'delete-address', link, address: a });
  const fdb = seen.fdb.filter((e) => e.link === link && e.self && e.state === 'permanent');
  for (const f of want.fdb)
    if (!fdb.some((e) => e.mac === f.mac && e.dst === f.dst)) {
      // A peer that moved: its old entry goes first (the MAC is the FDB key).
      if (fdb.some((e) => e.mac === f.mac)) adds.push({ kind: 'delete-fdb', link, mac: f.mac });
      adds.push({ kind: 'add-fdb', link, ...f });
    }
  for (const e of fdb)
    if (!want.fdb.some((f) => f.mac === e.mac))
      removes.push({ kind: 'delete-fdb', link, mac: e.mac, ...(e.dst ? { dst: e.dst } : {}) });
  const neigh = seen.neighbours.filter((n) => n.link === link && n.family === 4 && n.state === 'permanent');
  for (const n of want.neighbours)
    if (!neigh.some((o) => o.address === n.address && o.mac === n.mac))
      adds.push({ kind: 'set-neighbour', link, ...n });
  for (const o of neigh)
    if (!want.neighbours.some((n) => n.address === o.address))
      removes.push({ kind: 'delete-neighbour', link, address: o.address });
  return { adds, removes };
}

/** The owned routes against the wanted ones; a wanted destination is fixed in place by replace. */
function routeDelta(input: PlanInput, want: Desired, seen: Observed): Delta {
  const owned = seen.routes.filter((r) => ownsRoute(input, r));
  return {
    adds: want.routes
      .filter((r) => !owned.some((o) => o.dst === r.dst && routeMatches(r, o)))
      .map((route) => ({ kind: 'replace-route', route })),
    // replace-route keys on dst and metric 0, so only other metrics and unwanted dsts go.
    removes: owned
      .filter((o) => !want.routes.some((r) => r.dst === o.dst && o.metric === undefined))
      .map((route) => ({ kind: 'delete-route', route })),
  };
}

/**
 * The ordered actions from `observed` to `desiredState(input)`: the device first, then what
 * makes packets flow (address, FDB, neighbours, routes), then removals in the reverse order
 * (routes, neighbours, FDB, addresses), so no packet meets a half-removed peer. Empty when
 * the kernel is already right, so a restart changes nothing.
 */
export function planActions(input: PlanInput, observed: Observed): Action[] {
  const want = desiredState(input);
  const [device, fresh] = deviceActions(want.device, observed, input);
  // A recreated device starts empty: nothing hanging off the old one survives its deletion.
  const seen: Observed = fresh
    ? {
        addresses: [],
        neighbours: [],
        fdb: [],
        routes: observed.routes.filter((r) => r.dev !== deviceName(input.vni)),
      }
    : observed;
  const entries = want.device ? deviceEntryDelta(want.device.name, want, seen) : { adds: [], removes: [] };
  const routes = routeDelta(input, want, seen);
  return [...device, ...entries.adds, ...routes.adds, ...routes.removes, ...entries.removes.reverse()];
}
