/**
 * Netlink attributes (struct nlattr, RFC 3549 §2.3.2 and linux/netlink.h): a 4-byte header
 * (u16 length including the header, u16 type), the payload, then padding to 4 bytes. Nested
 * attributes carry NLA_F_NESTED in the type. Host byte order, except where a field is
 * defined as network order (ports, marked `be`). Pure: Buffers in, Buffers out.
 */
import { invalid } from '../../errors/index.js';

/** NLA_F_NESTED: the payload is itself a list of attributes. */
export const NLA_F_NESTED = 0x8000;
/** NLA_F_NET_BYTEORDER. */
export const NLA_F_NET_BYTEORDER = 0x4000;
const TYPE_MASK = 0x3fff;
const HEADER = 4;

/** An attribute to encode: raw bytes, or a list of attributes to nest. */
export interface NlAttr {
  readonly type: number;
  readonly value: Buffer | readonly NlAttr[];
}

/** A decoded attribute: its type (flags masked off) and a view of its payload. */
export interface RawAttr {
  readonly type: number;
  readonly nested: boolean;
  readonly data: Buffer;
}

/** Rounds up to the 4-byte netlink alignment (NLA_ALIGN). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

function encodedLength(attrs: readonly NlAttr[]): number {
  let n = 0;
  for (const a of attrs) {
    const payload = Buffer.isBuffer(a.value) ? a.value.length : encodedLength(a.value);
    n += align4(HEADER + payload);
  }
  return n;
}

function writeAttrs(attrs: readonly NlAttr[], out: Buffer, offset: number): number {
  let at = offset;
  for (const a of attrs) {
    const nested = !Buffer.isBuffer(a.value);
    const start = at;
    at += HEADER;
    if (Buffer.isBuffer(a.value)) {
      a.value.copy(out, at);
      at += a.value.length;
    } else {
      at = writeAttrs(a.value as readonly NlAttr[], out, at);
    }
    const length = at - start;
    if (length > 0xffff)
      throw invalid('attribute', `type ${a.type} is ${length} bytes, over the 65535 limit`);
    out.writeUInt16LE(length, start);
    out.writeUInt16LE(a.type | (nested ? NLA_F_NESTED : 0), start + 2);
    at = start + align4(length);
  }
  return at;
}

/** Encodes a list of attributes, padded, into one Buffer. */
export function encodeAttrs(attrs: readonly NlAttr[]): Buffer {
  const out = Buffer.alloc(encodedLength(attrs));
  writeAttrs(attrs, out, 0);
  return out;
}

/**
 * Decodes the attributes in `buf`. Throws `invalid('attribute', …)` on a truncated or
 * overlong attribute, so garbage never turns into out-of-range reads.
 */
export function decodeAttrs(buf: Buffer): RawAttr[] {
  const out: RawAttr[] = [];
  let at = 0;
  while (at + HEADER <= buf.length) {
    const length = buf.readUInt16LE(at);
    const rawType = buf.readUInt16LE(at + 2);
    if (length < HEADER)
      throw invalid('attribute', `length ${length} at offset ${at} is below the header size`);
    if (at + length > buf.length) {
      throw invalid('attribute', `length ${length} at offset ${at} runs past the end (${buf.length} bytes)`);
    }
    out.push({
      type: rawType & TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      data: buf.subarray(at + HEADER, at + length),
    });
    at += align4(length);
  }
  if (at < buf.length && buf.length - at >= HEADER) {
    throw invalid('attribute', `trailing ${buf.length - at} bytes`);
  }
  return out;
}

/** Attributes by type; the last occurrence wins (as the kernel's nla_parse). */
export function attrMap(buf: Buffer): Map<number, Buffer> {
  const map = new Map<number, Buffer>();
  for (const a of decodeAttrs(buf)) map.set(a.type, a.data);
  return map;
}

function need(data: Buffer, n: number, what: string): void {
  if (data.length < n) throw invalid('attribute', `${what} needs ${n} bytes, got ${data.length}`);
}

/** Payload readers, each checking the length first. */
export const read = {
  u8(data: Buffer): number {
    need(data, 1, 'u8');
    return data.readUInt8(0);
  },
  u16(data: Buffer): number {
    need(data, 2, 'u16');
    return data.readUInt16LE(0);
  },
  u16be(data: Buffer): number {
    need(data, 2, 'be16');
    return data.readUInt16BE(0);
  },
  u32(data: Buffer): number {
    need(data, 4, 'u32');
    return data.readUInt32LE(0);
  },
  /** A NUL-terminated string (the NUL is optional on input). */
  str(data: Buffer): string {
    const nul = data.indexOf(0);
    return data.toString('utf8', 0, nul === -1 ? data.length : nul);
  },
} as const;

/** Attribute builders. */
export const attr = {
  u8(type: number, v: number): NlAttr {
    const b = Buffer.alloc(1);
    b.writeUInt8(v);
    return { type, value: b };
  },
  u16(type: number, v: number): NlAttr {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return { type, value: b };
  },
  u16be(type: number, v: number): NlAttr {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return { type, value: b };
  },
  u32(type: number, v: number): NlAttr {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return { type, value: b };
  },
  s32(type: number, v: number): NlAttr {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return { type, value: b };
  },
  /** NUL-terminated string (NLA_NUL_STRING / NLA_STRING both accept it). */
  str(type: number, v: string): NlAttr {
    return { type, value: Buffer.from(`${v}\0`, 'utf8') };
  },
  bytes(type: number, v: Buffer | Uint8Array): NlAttr {
    return { type, value: Buffer.from(v) };
  },
  /** A flag attribute: present, empty payload. */
  flag(type: number): NlAttr {
    return { type, value: Buffer.alloc(0) };
  },
  nest(type: number, children: readonly NlAttr[]): NlAttr {
    return { type, value: children };
  },
} as const;
