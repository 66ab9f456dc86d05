/**
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 §2.2, §2.6; the 3.1 revision adds the
 * session window): pure encoders and a `FrameParser` that takes bytes split anywhere and
 * yields whole frames. Header blocks stay compressed here (`headers.ts` owns the zlib
 * contexts). Every length is checked against a cap before anything is buffered, so a peer
 * cannot grow memory with one huge length field; every violation is a `SpdyFrameError`.
 */

/** Control frame types (§2.6). */
export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** FLAG_FIN (all stream frames) and FLAG_UNIDIRECTIONAL (SYN_STREAM). */
export const Flag = { fin: 0x01, unidirectional: 0x02 } as const;

/** RST_STREAM status codes (§2.6.3). */
export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

/** GOAWAY status codes (§2.6.6). */
export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;

/** SETTINGS ids used here (§2.6.4). */
export const SettingId = { maxConcurrentStreams: 4, initialWindowSize: 7 } as const;

/** The protocol version in every control frame. */
export const VERSION = 3;
const HEADER_BYTES = 8;
/** The largest length a frame header can carry (24 bits). */
export const MAX_FRAME_LENGTH = 0xffffff;

/** One frame off the wire; header blocks still compressed. */
export type RawFrame =
  | { readonly kind: 'data'; readonly streamId: number; readonly flags: number; readonly data: Buffer }
  | {
      readonly kind: 'control';
      readonly type: number;
      readonly flags: number;
      readonly version: number;
      readonly payload: Buffer;
    };

/** A framing violation: the session answers it with GOAWAY (PROTOCOL_ERROR) and ends. */
export class SpdyFrameError extends Error {
  constructor(
    message: string,
    readonly streamId = 0,
  ) {
    super(message);
    this.name = 'SpdyFrameError';
  }
}

function controlHeader(type: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_LENGTH) throw new RangeError(`frame length ${length} exceeds 24 bits`);
  const b = Buffer.allocUnsafe(HEADER_BYTES);
  b.writeUInt16BE(0x8000 | VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return b;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([controlHeader(type, flags, body.length), body]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.allocUnsafe(values.length * 4);
  for (const [i, v] of values.entries()) b.writeUInt32BE(v >>> 0, i * 4);
  return b;
}

/** A DATA frame (§2.2.2). */
export function encodeData(streamId: number, data: Buffer, fin = false): Buffer {
  const b = Buffer.allocUnsafe(HEADER_BYTES + data.length);
  b.writeUInt32BE(streamId & 0x7fffffff, 0);
  b.writeUInt32BE(((fin ? Flag.fin : 0) << 24) | data.length, 4);
  data.copy(b, HEADER_BYTES);
  return b;
}

/** SYN_STREAM (§2.6.1) around an already compressed header block. */
export function encodeSynStream(
  o: { streamId: number; associatedId?: number; priority?: number; flags?: number },
  block: Buffer,
): Buffer {
  const head = Buffer.allocUnsafe(10);
  head.writeUInt32BE(o.streamId & 0x7fffffff, 0);
  head.writeUInt32BE((o.associatedId ?? 0) & 0x7fffffff, 4);
  head.writeUInt8(((o.priority ?? 0) & 0x7) << 5, 8);
  head.writeUInt8(0, 9);
  return control(FrameType.synStream, o.flags ?? 0, Buffer.concat([head, block]));
}

/** SYN_REPLY (§2.6.2) or HEADERS (§2.6.7): a stream id and a compressed header block. */
export function encodeStreamHeaders(type: 2 | 8, streamId: number, block: Buffer, flags = 0): Buffer {
  return control(type, flags, Buffer.concat([u32(streamId & 0x7fffffff), block]));
}

/** RST_STREAM (§2.6.3). */
export function encodeRstStream(streamId: number, status: number): Buffer {
  return control(FrameType.rstStream, 0, u32(streamId & 0x7fffffff, status));
}

/** SETTINGS (§2.6.4) with the given id → value entries. */
export function encodeSettings(entries: ReadonlyMap<number, number>): Buffer {
  const body = Buffer.allocUnsafe(4 + entries.size * 8);
  body.writeUInt32BE(entries.size, 0);
  let at = 4;
  for (const [id, value] of entries) {
    body.writeUInt32BE(id & 0xffffff, at);
    body.writeUInt32BE(value >>> 0, at + 4);
    at += 8;
  }
  return control(FrameType.settings, 0, body);
}

/** A SETTINGS payload's id → value entries (flags dropped). */
export function decodeSettings(p: Buffer): Map<number, number> {
  const count = p.length >= 4 ? p.readUInt32BE(0) : -1;
  if (count < 0 || p.length < 4 + count * 8) throw new SpdyFrameError('truncated SETTINGS frame');
  const out = new Map<number, number>();
  for (let i = 0; i < count; i++) out.set(p.readUInt32BE(4 + i * 8) & 0xffffff, p.readUInt32BE(8 + i * 8));
  return out;
}

/** PING (§2.6.5). */
export function encodePing(id: number): Buffer {
  return control(FrameType.ping, 0, u32(id));
}

/** GOAWAY (§2.6.6, 3.x carries a status). */
export function encodeGoAway(lastGoodStreamId: number, status: number): Buffer {
  return control(FrameType.goAway, 0, u32(lastGoodStreamId & 0x7fffffff, status));
}

/** WINDOW_UPDATE (§2.6.8; stream 0 is the session window in 3.1). */
export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  return control(FrameType.windowUpdate, 0, u32(streamId & 0x7fffffff, delta & 0x7fffffff));
}

/** Splits a byte stream into frames; lengths above `maxFrameBytes` fail before buffering. */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds bytes; returns every frame now complete. Throws `SpdyFrameError`. */
  push(bytes: Buffer): RawFrame[] {
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    const out: RawFrame[] = [];
    while (this.buffered >= HEADER_BYTES) {
      const head = this.peek(HEADER_BYTES);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (length > this.maxFrameBytes)
        throw new SpdyFrameError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      if (this.buffered < HEADER_BYTES + length) break;
      const frame = this.take(HEADER_BYTES + length);
      const flags = frame[4] as number;
      const body = frame.subarray(HEADER_BYTES);
      if ((frame[0] as number) & 0x80) {
        out.push({
          kind: 'control',
          version: frame.readUInt16BE(0) & 0x7fff,
          type: frame.readUInt16BE(2),
          flags,
          payload: body,
        });
      } else {
        out.push({ kind: 'data', streamId: frame.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      }
    }
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.peek(n);
    const first = this.chunks[0] as Buffer;
    const rest = first.subarray(n);
    this.chunks = rest.length > 0 ? [rest, ...this.chunks.slice(1)] : this.chunks.slice(1);
    this.buffered -= n;
    return Buffer.from(all);
  }
}

/** Header blocks, uncompressed (§2.6.10): a count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Reads an uncompressed header block; repeated values (NUL-separated) stay joined. */
export function decodeHeaderBlock(block: Buffer): Map<string, string> {
  const fail = (why: string): never => {
    throw new SpdyFrameError(`malformed header block: ${why}`);
  };
  if (block.length < 4) fail('no pair count');
  const count = block.readUInt32BE(0);
  let at = 4;
  const out = new Map<string, string>();
  const str = (what: string): string => {
    if (at + 4 > block.length) fail(`${what} length missing`);
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) fail(`${what} runs past the block`);
    const s = block.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = str('name');
    if (name === '') fail('empty header name');
    if (name !== name.toLowerCase()) fail(`header name "${name}" is not lower case`);
    if (out.has(name)) fail(`header "${name}" repeated`);
    out.set(name, str('value'));
  }
  return out;
}
