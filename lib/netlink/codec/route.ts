/**
 * RTM_NEWROUTE / RTM_DELROUTE bodies (linux/rtnetlink.h). Tables above 255 do not fit in
 * rtm_table, so, as iproute2 does, the header says RT_TABLE_UNSPEC and RTA_TABLE carries the
 * real id. Pure.
 */
import type { IpFamily } from '../types.js';
import { attr, attrMap, encodeAttrs, type NlAttr, read } from './attr.js';
import { AF_INET, AF_INET6, RTA, RTNH_F_ONLINK } from './constants.js';
import { decodeRtMsg, encodeRtMsg, RTMSG_LEN } from './headers.js';
import { formatIp } from './ip.js';

/** A decoded route before index → name resolution. */
export interface RouteRecord {
  readonly family: IpFamily;
  readonly dst: string;
  readonly table: number;
  readonly type: number;
  readonly scope: number;
  readonly protocol: number;
  readonly gateway?: string;
  readonly oif?: number;
  readonly src?: string;
  readonly metric?: number;
  readonly onlink: boolean;
}

/** Decodes one RTM_NEWROUTE body; undefined for families other than IPv4/IPv6. */
export function decodeRoute(body: Buffer): RouteRecord | undefined {
  const h = decodeRtMsg(body);
  if (h.family !== AF_INET && h.family !== AF_INET6) return undefined;
  const family: IpFamily = h.family === AF_INET ? 4 : 6;
  const m = attrMap(body.subarray(RTMSG_LEN));
  const dst = m.get(RTA.DST);
  const gw = m.get(RTA.GATEWAY);
  const oif = m.get(RTA.OIF);
  const src = m.get(RTA.PREFSRC);
  const prio = m.get(RTA.PRIORITY);
  const table = m.get(RTA.TABLE);
  const zero = family === 4 ? '0.0.0.0' : '::';
  const metric = prio ? read.u32(prio) : 0;
  return {
    family,
    dst: `${dst ? formatIp(dst) : zero}/${h.dstLen}`,
    table: table ? read.u32(table) : h.table,
    type: h.type,
    scope: h.scope,
    protocol: h.protocol,
    ...(gw ? { gateway: formatIp(gw) } : {}),
    ...(oif ? { oif: read.u32(oif) } : {}),
    ...(src ? { src: formatIp(src) } : {}),
    ...(metric ? { metric } : {}),
    onlink: (h.flags & RTNH_F_ONLINK) !== 0,
  };
}

/** A route request in wire form. */
export interface RouteWire {
  readonly family: IpFamily;
  readonly dst: Buffer;
  readonly dstLen: number;
  readonly table: number;
  readonly type: number;
  readonly scope: number;
  readonly protocol: number;
  readonly gateway?: Buffer;
  readonly oif?: number;
  readonly src?: Buffer;
  readonly metric?: number;
  readonly onlink: boolean;
}

/** Encodes an RTM_NEWROUTE / RTM_DELROUTE body. */
export function encodeRoute(w: RouteWire): Buffer {
  const attrs: NlAttr[] = [];
  if (w.dstLen > 0) attrs.push(attr.bytes(RTA.DST, w.dst));
  if (w.gateway) attrs.push(attr.bytes(RTA.GATEWAY, w.gateway));
  if (w.oif !== undefined) attrs.push(attr.u32(RTA.OIF, w.oif));
  if (w.src) attrs.push(attr.bytes(RTA.PREFSRC, w.src));
  if (w.metric !== undefined) attrs.push(attr.u32(RTA.PRIORITY, w.metric));
  attrs.push(attr.u32(RTA.TABLE, w.table));
  const header = encodeRtMsg({
    family: w.family === 4 ? AF_INET : AF_INET6,
    dstLen: w.dstLen,
    srcLen: 0,
    tos: 0,
    table: w.table < 256 ? w.table : 0,
    protocol: w.protocol,
    scope: w.scope,
    type: w.type,
    flags: w.onlink ? RTNH_F_ONLINK : 0,
  });
  return Buffer.concat([header, encodeAttrs(attrs)]);
}
