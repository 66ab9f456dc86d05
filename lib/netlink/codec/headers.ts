/**
 * The fixed headers that start each rtnetlink message body (linux/rtnetlink.h,
 * if_link.h, if_addr.h, neighbour.h), host byte order. Pure.
 */
import { invalid } from '../../errors/index.js';

function need(buf: Buffer, n: number, what: string): void {
  if (buf.length < n) throw invalid('message', `${what} needs ${n} bytes, got ${buf.length}`);
}

/** struct ifinfomsg (16 bytes). */
export interface IfInfoMsg {
  readonly family: number;
  /** ARPHRD_* device type. */
  readonly type: number;
  readonly index: number;
  readonly flags: number;
  readonly change: number;
}
export const IFINFOMSG_LEN = 16;

export function encodeIfInfo(h: IfInfoMsg): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeUInt16LE(h.type, 2);
  b.writeInt32LE(h.index, 4);
  b.writeUInt32LE(h.flags >>> 0, 8);
  b.writeUInt32LE(h.change >>> 0, 12);
  return b;
}

export function decodeIfInfo(b: Buffer): IfInfoMsg {
  need(b, IFINFOMSG_LEN, 'ifinfomsg');
  return {
    family: b.readUInt8(0),
    type: b.readUInt16LE(2),
    index: b.readInt32LE(4),
    flags: b.readUInt32LE(8),
    change: b.readUInt32LE(12),
  };
}

/** struct ifaddrmsg (8 bytes). */
export interface IfAddrMsg {
  readonly family: number;
  readonly prefixLen: number;
  readonly flags: number;
  readonly scope: number;
  readonly index: number;
}
export const IFADDRMSG_LEN = 8;

export function encodeIfAddr(h: IfAddrMsg): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeUInt8(h.prefixLen, 1);
  b.writeUInt8(h.flags, 2);
  b.writeUInt8(h.scope, 3);
  b.writeUInt32LE(h.index, 4);
  return b;
}

export function decodeIfAddr(b: Buffer): IfAddrMsg {
  need(b, IFADDRMSG_LEN, 'ifaddrmsg');
  return {
    family: b.readUInt8(0),
    prefixLen: b.readUInt8(1),
    flags: b.readUInt8(2),
    scope: b.readUInt8(3),
    index: b.readUInt32LE(4),
  };
}

/** struct rtmsg (12 bytes). */
export interface RtMsg {
  readonly family: number;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly tos: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly flags: number;
}
export const RTMSG_LEN = 12;

export function encodeRtMsg(h: RtMsg): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeUInt8(h.dstLen, 1);
  b.writeUInt8(h.srcLen, 2);
  b.writeUInt8(h.tos, 3);
  b.writeUInt8(h.table, 4);
  b.writeUInt8(h.protocol, 5);
  b.writeUInt8(h.scope, 6);
  b.writeUInt8(h.type, 7);
  b.writeUInt32LE(h.flags >>> 0, 8);
  return b;
}

export function decodeRtMsg(b: Buffer): RtMsg {
  need(b, RTMSG_LEN, 'rtmsg');
  return {
    family: b.readUInt8(0),
    dstLen: b.readUInt8(1),
    srcLen: b.readUInt8(2),
    tos: b.readUInt8(3),
    table: b.readUInt8(4),
    protocol: b.readUInt8(5),
    scope: b.readUInt8(6),
    type: b.readUInt8(7),
    flags: b.readUInt32LE(8),
  };
}

/** struct ndmsg (12 bytes). */
export interface NdMsg {
  readonly family: number;
  readonly index: number;
  readonly state: number;
  readonly flags: number;
  readonly type: number;
}
export const NDMSG_LEN = 12;

export function encodeNdMsg(h: NdMsg): Buffer {
  const b = Buffer.alloc(NDMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeInt32LE(h.index, 4);
  b.writeUInt16LE(h.state, 8);
  b.writeUInt8(h.flags, 10);
  b.writeUInt8(h.type, 11);
  return b;
}

export function decodeNdMsg(b: Buffer): NdMsg {
  need(b, NDMSG_LEN, 'ndmsg');
  return {
    family: b.readUInt8(0),
    index: b.readInt32LE(4),
    state: b.readUInt16LE(8),
    flags: b.readUInt8(10),
    type: b.readUInt8(11),
  };
}
