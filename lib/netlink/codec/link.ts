/**
 * RTM_NEWLINK bodies: decoding a link (with the veth/bridge/vxlan IFLA_INFO_DATA this module
 * understands) and encoding create/change requests. Names of masters and underlay devices are
 * left as ifindexes here; the adapter resolves them. Pure.
 */
import type { BridgePortFlags, VxlanInfo } from '../types.js';
import { attr, attrMap, type NlAttr, read } from './attr.js';
import {
  AF_UNSPEC,
  IFF,
  IFLA,
  IFLA_BR,
  IFLA_BRPORT,
  IFLA_INFO,
  IFLA_VXLAN,
  VETH_INFO_PEER,
} from './constants.js';
import { decodeIfInfo, encodeIfInfo, IFINFOMSG_LEN, type IfInfoMsg } from './headers.js';
import { formatIp, formatMac } from './ip.js';

/** VXLAN settings as on the wire: the underlay device by index. */
export interface VxlanRecord extends Omit<VxlanInfo, 'dev'> {
  readonly devIndex?: number;
}

/** A decoded link before index → name resolution. */
export interface LinkRecord {
  readonly index: number;
  readonly name: string;
  readonly flags: number;
  readonly kind?: string;
  readonly mtu: number;
  readonly mac?: string;
  readonly masterIndex?: number;
  readonly linkIndex?: number;
  readonly vxlan?: VxlanRecord;
  readonly vlanFiltering?: boolean;
  /** IFLA_PROTINFO, present in AF_BRIDGE dumps of bridge ports. */
  readonly port?: BridgePortFlags;
}

function decodeVxlan(data: Buffer): VxlanRecord {
  const m = attrMap(data);
  const get = (t: number): Buffer | undefined => m.get(t);
  const group = get(IFLA_VXLAN.GROUP) ?? get(IFLA_VXLAN.GROUP6);
  const local = get(IFLA_VXLAN.LOCAL) ?? get(IFLA_VXLAN.LOCAL6);
  const range = get(IFLA_VXLAN.PORT_RANGE);
  const dev = get(IFLA_VXLAN.LINK);
  const learning = get(IFLA_VXLAN.LEARNING);
  const ttl = get(IFLA_VXLAN.TTL);
  const port = get(IFLA_VXLAN.PORT);
  const devIndex = dev ? read.u32(dev) : 0;
  return {
    vni: read.u32(get(IFLA_VXLAN.ID) ?? Buffer.alloc(4)),
    ...(group && !group.every((b) => b === 0) ? { group: formatIp(group) } : {}),
    ...(local && !local.every((b) => b === 0) ? { local: formatIp(local) } : {}),
    dstPort: port ? read.u16be(port) : 0,
    ...(devIndex ? { devIndex } : {}),
    learning: learning ? read.u8(learning) !== 0 : true,
    ...(range && range.length >= 4 && range.readUInt16BE(2) !== 0
      ? { portRange: [range.readUInt16BE(0), range.readUInt16BE(2)] as const }
      : {}),
    ttl: ttl ? read.u8(ttl) : 0,
  };
}

function decodePort(data: Buffer): BridgePortFlags {
  const m = attrMap(data);
  const mode = m.get(IFLA_BRPORT.MODE);
  const learning = m.get(IFLA_BRPORT.LEARNING);
  return {
    hairpin: mode ? read.u8(mode) !== 0 : false,
    learning: learning ? read.u8(learning) !== 0 : true,
  };
}

/** Decodes one RTM_NEWLINK body (ifinfomsg + attributes). */
export function decodeLink(body: Buffer): LinkRecord {
  const h = decodeIfInfo(body);
  const m = attrMap(body.subarray(IFINFOMSG_LEN));
  const num = (t: number): number | undefined => {
    const d = m.get(t);
    return d ? read.u32(d) : undefined;
  };
  let kind: string | undefined;
  let vxlan: VxlanRecord | undefined;
  let vlanFiltering: boolean | undefined;
  const info = m.get(IFLA.LINKINFO);
  if (info) {
    const im = attrMap(info);
    const k = im.get(IFLA_INFO.KIND);
    kind = k ? read.str(k) : undefined;
    const data = im.get(IFLA_INFO.DATA);
    if (data && kind === 'vxlan') vxlan = decodeVxlan(data);
    if (data && kind === 'bridge') {
      const vf = attrMap(data).get(IFLA_BR.VLAN_FILTERING);
      vlanFiltering = vf ? read.u8(vf) !== 0 : false;
    }
  }
  const mac = m.get(IFLA.ADDRESS);
  const master = num(IFLA.MASTER);
  const link = num(IFLA.LINK);
  const protinfo = m.get(IFLA.PROTINFO);
  const name = m.get(IFLA.IFNAME);
  return {
    index: h.index,
    name: name ? read.str(name) : '',
    flags: h.flags,
    ...(kind ? { kind } : {}),
    mtu: num(IFLA.MTU) ?? 0,
    ...(mac && mac.length > 0 && (h.flags & IFF.LOOPBACK) === 0 ? { mac: formatMac(mac) } : {}),
    ...(master ? { masterIndex: master } : {}),
    // IFLA_LINK equals the own index for plain devices; a veth reports its peer's index,
    // which may be the same number in another namespace (then IFLA_LINK_NETNSID is present).
    ...(link && (link !== h.index || m.has(IFLA.LINK_NETNSID)) ? { linkIndex: link } : {}),
    ...(vxlan ? { vxlan } : {}),
    ...(vlanFiltering !== undefined ? { vlanFiltering } : {}),
    ...(protinfo && protinfo.length > 0 ? { port: decodePort(protinfo) } : {}),
  };
}

/** Common settings of a link to create. */
export interface NewLinkBody {
  readonly name: string;
  readonly kind: string;
  readonly data?: readonly NlAttr[];
  readonly mtu?: number;
  readonly mac?: Buffer;
  /** Create directly in the namespace behind this fd. */
  readonly netnsFd?: number;
}

function linkAttrs(spec: { name: string; mtu?: number; mac?: Buffer; netnsFd?: number }): NlAttr[] {
  const out: NlAttr[] = [attr.str(IFLA.IFNAME, spec.name)];
  if (spec.mtu !== undefined) out.push(attr.u32(IFLA.MTU, spec.mtu));
  if (spec.mac !== undefined) out.push(attr.bytes(IFLA.ADDRESS, spec.mac));
  if (spec.netnsFd !== undefined) out.push(attr.u32(IFLA.NET_NS_FD, spec.netnsFd));
  return out;
}

const EMPTY_IFINFO: IfInfoMsg = { family: AF_UNSPEC, type: 0, index: 0, flags: 0, change: 0 };

/** Encodes an RTM_NEWLINK create body: ifinfomsg, name, options, IFLA_LINKINFO{kind, data}. */
export function encodeNewLink(spec: NewLinkBody): Buffer {
  const info: NlAttr[] = [attr.str(IFLA_INFO.KIND, spec.kind)];
  if (spec.data) info.push(attr.nest(IFLA_INFO.DATA, spec.data));
  return Buffer.concat([
    encodeIfInfo(EMPTY_IFINFO),
    encodeAttrsOf([...linkAttrs(spec), attr.nest(IFLA.LINKINFO, info)]),
  ]);
}

/** IFLA_INFO_DATA for a veth: VETH_INFO_PEER = ifinfomsg + the peer's attributes. */
export function vethData(peer: { name: string; mtu?: number; mac?: Buffer; netnsFd?: number }): NlAttr[] {
  return [
    {
      type: VETH_INFO_PEER,
      value: Buffer.concat([encodeIfInfo(EMPTY_IFINFO), encodeAttrsOf(linkAttrs(peer))]),
    },
  ];
}

/** IFLA_INFO_DATA for a bridge. */
export function bridgeData(spec: { vlanFiltering?: boolean }): NlAttr[] {
  // Only sent to turn filtering on: kernels built without CONFIG_BRIDGE_VLAN_FILTERING refuse
  // the attribute altogether (EOPNOTSUPP), even with value 0.
  return spec.vlanFiltering ? [attr.u8(IFLA_BR.VLAN_FILTERING, 1)] : [];
}

/** VXLAN settings in wire form (addresses as bytes, device as index). */
export interface VxlanWire {
  readonly vni: number;
  readonly group?: Buffer;
  readonly local?: Buffer;
  readonly devIndex?: number;
  readonly dstPort: number;
  readonly learning: boolean;
  readonly portRange?: readonly [number, number];
  readonly ttl?: number;
}

/** IFLA_INFO_DATA for a vxlan device (if_link.h IFLA_VXLAN_*). */
export function vxlanData(v: VxlanWire): NlAttr[] {
  const out: NlAttr[] = [attr.u32(IFLA_VXLAN.ID, v.vni)];
  if (v.group) out.push(attr.bytes(v.group.length === 4 ? IFLA_VXLAN.GROUP : IFLA_VXLAN.GROUP6, v.group));
  if (v.local) out.push(attr.bytes(v.local.length === 4 ? IFLA_VXLAN.LOCAL : IFLA_VXLAN.LOCAL6, v.local));
  if (v.devIndex !== undefined) out.push(attr.u32(IFLA_VXLAN.LINK, v.devIndex));
  if (v.ttl !== undefined) out.push(attr.u8(IFLA_VXLAN.TTL, v.ttl));
  out.push(attr.u8(IFLA_VXLAN.LEARNING, v.learning ? 1 : 0));
  if (v.portRange) {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(v.portRange[0], 0);
    b.writeUInt16BE(v.portRange[1], 2);
    out.push(attr.bytes(IFLA_VXLAN.PORT_RANGE, b));
  }
  out.push(attr.u16be(IFLA_VXLAN.PORT, v.dstPort));
  return out;
}

/** A change to an existing link in wire form. */
export interface SetLinkWire {
  /** The link by ifindex; with 0 the kernel finds it by `name` (IFLA_IFNAME) instead. */
  readonly index: number;
  /** The link by name (only with index 0, so not together with a rename). */
  readonly name?: string;
  readonly up?: boolean;
  readonly promisc?: boolean;
  readonly mtu?: number;
  readonly mac?: Buffer;
  /** 0 releases from the master. */
  readonly masterIndex?: number;
  readonly newName?: string;
  readonly netnsFd?: number;
}

/** Encodes an RTM_NEWLINK change body (no CREATE flag): flags/change mask plus attributes. */
export function encodeSetLink(w: SetLinkWire): Buffer {
  let flags = 0;
  let change = 0;
  if (w.up !== undefined) {
    change |= IFF.UP;
    if (w.up) flags |= IFF.UP;
  }
  if (w.promisc !== undefined) {
    change |= IFF.PROMISC;
    if (w.promisc) flags |= IFF.PROMISC;
  }
  const attrs: NlAttr[] = [];
  if (w.netnsFd !== undefined) attrs.push(attr.u32(IFLA.NET_NS_FD, w.netnsFd));
  if (w.mtu !== undefined) attrs.push(attr.u32(IFLA.MTU, w.mtu));
  if (w.mac !== undefined) attrs.push(attr.bytes(IFLA.ADDRESS, w.mac));
  if (w.masterIndex !== undefined) attrs.push(attr.u32(IFLA.MASTER, w.masterIndex));
  if (w.newName !== undefined) attrs.push(attr.str(IFLA.IFNAME, w.newName));
  else if (w.index === 0 && w.name !== undefined) attrs.push(attr.str(IFLA.IFNAME, w.name));
  return Buffer.concat([
    encodeIfInfo({ family: AF_UNSPEC, type: 0, index: w.index, flags, change }),
    encodeAttrsOf(attrs),
  ]);
}

/** Encodes an RTM_SETLINK (AF_BRIDGE) body setting bridge port flags in IFLA_PROTINFO. */
export function encodeBridgePort(index: number, change: { hairpin?: boolean; learning?: boolean }): Buffer {
  const port: NlAttr[] = [];
  if (change.hairpin !== undefined) port.push(attr.u8(IFLA_BRPORT.MODE, change.hairpin ? 1 : 0));
  if (change.learning !== undefined) port.push(attr.u8(IFLA_BRPORT.LEARNING, change.learning ? 1 : 0));
  return Buffer.concat([
    encodeIfInfo({ family: 7, type: 0, index, flags: 0, change: 0 }),
    encodeAttrsOf([attr.nest(IFLA.PROTINFO, port)]),
  ]);
}

/** A body addressing one link by index (RTM_DELLINK, RTM_GETLINK) or by name when index is 0. */
export function encodeLinkRef(ref: { index?: number; name?: string; family?: number }): Buffer {
  const h: IfInfoMsg = { ...EMPTY_IFINFO, family: ref.family ?? AF_UNSPEC, index: ref.index ?? 0 };
  return Buffer.concat([encodeIfInfo(h), encodeAttrsOf(ref.name ? [attr.str(IFLA.IFNAME, ref.name)] : [])]);
}

import { encodeAttrs as encodeAttrsOf } from './attr.js';
