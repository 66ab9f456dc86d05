/**
 * RTM_NEWNEIGH / RTM_DELNEIGH bodies (linux/neighbour.h): IPv4/IPv6 neighbours (ARP/NDP) and,
 * with family AF_BRIDGE, bridge FDB entries (NDA_LLADDR = MAC, NDA_DST = VXLAN remote). Pure.
 */
import { attr, attrMap, encodeAttrs, type NlAttr, read } from './attr.js';
import { type AF_BRIDGE, type AF_INET, type AF_INET6, NDA } from './constants.js';
import { decodeNdMsg, encodeNdMsg, NDMSG_LEN } from './headers.js';
import { formatIp, formatMac } from './ip.js';

/** A decoded neighbour or FDB entry before index → name resolution. */
export interface NeighRecord {
  /** AF_INET, AF_INET6 or AF_BRIDGE. */
  readonly family: number;
  readonly index: number;
  readonly state: number;
  readonly flags: number;
  readonly dst?: string;
  readonly mac?: string;
  readonly vni?: number;
  readonly vlan?: number;
  readonly masterIndex?: number;
}

/** Decodes one RTM_NEWNEIGH body. */
export function decodeNeigh(body: Buffer): NeighRecord {
  const h = decodeNdMsg(body);
  const m = attrMap(body.subarray(NDMSG_LEN));
  const dst = m.get(NDA.DST);
  const ll = m.get(NDA.LLADDR);
  const vni = m.get(NDA.VNI);
  const vlan = m.get(NDA.VLAN);
  const master = m.get(NDA.MASTER);
  return {
    family: h.family,
    index: h.index,
    state: h.state,
    flags: h.flags,
    ...(dst && (dst.length === 4 || dst.length === 16) ? { dst: formatIp(dst) } : {}),
    ...(ll && ll.length === 6 ? { mac: formatMac(ll) } : {}),
    ...(vni ? { vni: read.u32(vni) } : {}),
    ...(vlan ? { vlan: read.u16(vlan) } : {}),
    ...(master ? { masterIndex: read.u32(master) } : {}),
  };
}

/** A neighbour / FDB request in wire form. */
export interface NeighWire {
  readonly family: typeof AF_INET | typeof AF_INET6 | typeof AF_BRIDGE;
  readonly index: number;
  readonly state: number;
  readonly flags: number;
  readonly dst?: Buffer;
  readonly mac?: Buffer;
  readonly vni?: number;
  readonly vlan?: number;
}

/** Encodes an RTM_NEWNEIGH / RTM_DELNEIGH body. */
export function encodeNeigh(w: NeighWire): Buffer {
  const attrs: NlAttr[] = [];
  if (w.dst) attrs.push(attr.bytes(NDA.DST, w.dst));
  if (w.mac) attrs.push(attr.bytes(NDA.LLADDR, w.mac));
  if (w.vlan !== undefined) attrs.push(attr.u16(NDA.VLAN, w.vlan));
  if (w.vni !== undefined) attrs.push(attr.u32(NDA.VNI, w.vni));
  const header = encodeNdMsg({ family: w.family, index: w.index, state: w.state, flags: w.flags, type: 0 });
  return Buffer.concat([header, encodeAttrs(attrs)]);
}
