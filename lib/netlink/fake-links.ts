/**
 * The fake's links: creation, changes and deletion over all worlds (a veth pair and a move
 * span two namespaces). Pure functions; the FakeNetlink class runs them in a transaction.
 */
import { notFound } from '../errors/index.js';
import {
  adjustBridgeMtus,
  byIndex,
  byName,
  detach,
  E,
  type FLink,
  fail,
  linkStateChanged,
  mustLink,
  releasePort,
  type World,
} from './fake-state.js';
import type { VxlanNorm } from './specs.js';
import type { BridgePortChange, BridgeSpec, LinkChange, NsRef, VethSpec } from './types.js';

/** The key of the process's own namespace in the worlds map. */
export const HOST = '';

/** What link operations need: all worlds, a namespace lookup, and a MAC source. */
export interface LinkCtx {
  readonly ws: Map<string, World>;
  /** The world of `ns`, or `notFound('network namespace', ns)`. */
  world(ns: NsRef): World;
  /** A fresh deterministic MAC for links created without one. */
  nextMac(): string;
}

/** Looks up a world. */
export function worldIn(ws: Map<string, World>, ns: NsRef): World {
  const w = ws.get(ns ?? HOST);
  if (!w) throw notFound('network namespace', ns ?? '');
  return w;
}

type NewLink = Omit<FLink, 'index' | 'up' | 'promisc' | 'mac'> & { mac?: string };

function newLink(ctx: LinkCtx, w: World, l: NewLink): FLink {
  const link: FLink = {
    index: w.nextIndex++,
    up: false,
    promisc: false,
    ...l,
    mac: l.mac?.toLowerCase() ?? ctx.nextMac(),
  };
  w.links.push(link);
  return link;
}

/** Removes the other end of a veth (the kernel deletes a pair as one). */
export function dropPeer(ws: Map<string, World>, l: FLink): void {
  if (!l.peer) return;
  const pw = ws.get(l.peer.world);
  if (!pw) return;
  detach(pw, l.peer.index);
  adjustBridgeMtus(pw);
}

/** Creates a veth pair, the peer directly in its namespace. */
export function createVethIn(ctx: LinkCtx, ns: NsRef, spec: VethSpec, detail: string): void {
  const w = ctx.world(ns);
  const pw = ctx.world(spec.peerNs ?? ns);
  if (byName(w, spec.name) || byName(pw, spec.peerName)) fail('RTM_NEWLINK', E.EEXIST, detail);
  const mtu = spec.mtu ?? 1500;
  const a = newLink(ctx, w, { name: spec.name, kind: 'veth', mtu, ...(spec.mac ? { mac: spec.mac } : {}) });
  const b = newLink(ctx, pw, {
    name: spec.peerName,
    kind: 'veth',
    mtu,
    ...(spec.peerMac ? { mac: spec.peerMac } : {}),
  });
  a.peer = { world: spec.peerNs ?? ns ?? HOST, index: b.index };
  b.peer = { world: ns ?? HOST, index: a.index };
}

/** Creates a bridge; its MTU follows its ports unless given. */
export function createBridgeIn(ctx: LinkCtx, ns: NsRef, spec: BridgeSpec, detail: string): void {
  const w = ctx.world(ns);
  if (byName(w, spec.name)) fail('RTM_NEWLINK', E.EEXIST, detail);
  newLink(ctx, w, {
    name: spec.name,
    kind: 'bridge',
    mtu: spec.mtu ?? 1500,
    mtuAuto: spec.mtu === undefined,
    vlanFiltering: spec.vlanFiltering ?? false,
    ...(spec.mac ? { mac: spec.mac } : {}),
  });
}

/** Creates a VXLAN device, with the all-zeros FDB entry for its remote or group. */
export function createVxlanIn(ctx: LinkCtx, ns: NsRef, v: VxlanNorm, detail: string): void {
  const w = ctx.world(ns);
  if (byName(w, v.name)) fail('RTM_NEWLINK', E.EEXIST, detail);
  const dev = v.dev === undefined ? undefined : mustLink(w, v.dev, 'RTM_NEWLINK', detail);
  // vxlan_newlink: the MTU defaults to the lower device's minus 50 bytes of outer headers
  // (RFC 7348 §4), or 1500 without one.
  const link = newLink(ctx, w, {
    name: v.name,
    kind: 'vxlan',
    mtu: v.mtu ?? (dev ? dev.mtu - 50 : 1500),
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
  if (v.group) {
    w.fdb.push({ index: link.index, mac: '00:00:00:00:00:00', dst: v.group, self: true, state: 'permanent' });
  }
}

/** Moves `l` from `w` to namespace `to` (down, without addresses or master); returns it. */
function move(ctx: LinkCtx, w: World, l: FLink, to: string, detail: string): FLink {
  const target = ctx.world(to);
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
    const pw = ctx.ws.get(moved.peer.world);
    const peer = pw ? byIndex(pw, moved.peer.index) : undefined;
    if (peer) peer.peer = { world: to, index: moved.index };
  }
  return moved;
}

/** Applies a link change in the kernel's order: namespace, address, MTU, name, flags, master. */
export function setLinkIn(ctx: LinkCtx, ns: NsRef, change: LinkChange, detail: string): void {
  let w = ctx.world(ns);
  let l = mustLink(w, change.name, 'RTM_NEWLINK', detail);
  if (change.netns !== undefined && change.netns !== (ns ?? HOST)) {
    l = move(ctx, w, l, change.netns, detail);
    w = ctx.world(change.netns);
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
}

/** Sets bridge port flags; EOPNOTSUPP when the link is not a port. */
export function setBridgePortIn(w: World, change: BridgePortChange, detail: string): void {
  const l = mustLink(w, change.name, 'RTM_SETLINK', detail);
  if (!l.port) fail('RTM_SETLINK', E.EOPNOTSUPP, detail);
  l.port = { hairpin: change.hairpin ?? l.port.hairpin, learning: change.learning ?? l.port.learning };
}

/** Deletes a link with everything hanging off it; loopback cannot be deleted. */
export function deleteLinkIn(ctx: LinkCtx, ns: NsRef, name: string, detail: string): void {
  const w = ctx.world(ns);
  const l = mustLink(w, name, 'RTM_DELLINK', detail);
  if (l.kind === undefined) fail('RTM_DELLINK', E.EOPNOTSUPP, detail);
  dropPeer(ctx.ws, l);
  // VXLAN devices on top of a deleted lower device go with it.
  for (const v of w.links.filter((x) => x.vxlan?.devIndex === l.index)) detach(w, v.index);
  detach(w, l.index);
  adjustBridgeMtus(w);
}
