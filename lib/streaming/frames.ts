/**
 * RFC 6455 framing, pure: one frame encoded (masked when the sender is a client), and an
 * incremental parser that takes bytes split anywhere and yields whole messages and control
 * frames. Every violation is a `FrameError` carrying the close code the peer must get: 1002 for
 * protocol errors (reserved bits, unknown opcodes, bad masking for the side, fragmented or long
 * control frames, stray continuations, bad close payloads), 1007 for text that is not UTF-8, 1009
 * for a message over the bound (checked from the length field, before any payload is buffered).
 */
import { randomBytes } from 'node:crypto';

/** Frame opcodes. */
export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** Close codes this library sends. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  noStatus: 1005,
  abnormal: 1006,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
} as const;

/** A violation of the protocol by the peer: the connection closes with `code`. */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Whether a close code may appear on the wire (RFC 6455 §7.4; 1005, 1006 and 1015 never do). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Encodes one frame; `mask` for frames a client sends (a fresh random key each). */
export function encodeFrame(
  opcode: number,
  payload: Buffer,
  options: { mask: boolean; fin?: boolean },
): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const maskBytes = options.mask ? 4 : 0;
  const head = Buffer.allocUnsafe(2 + lenBytes + maskBytes);
  head[0] = (options.fin === false ? 0 : 0x80) | opcode;
  const maskBit = options.mask ? 0x80 : 0;
  if (lenBytes === 0) head[1] = maskBit | len;
  else if (lenBytes === 2) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!options.mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + lenBytes);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = (payload[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([head, body]);
}

/** The payload of a close frame: the code and a UTF-8 reason cut to fit 125 bytes. */
export function closePayload(code: number, reason: string): Buffer {
  if (code === CloseCode.noStatus) return Buffer.alloc(0);
  let text = Buffer.from(reason, 'utf8');
  if (text.length > 123)
    text = Buffer.from(new TextDecoder().decode(text.subarray(0, 123)).replace(/\uFFFD$/, ''));
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(code, 0);
  text.copy(out, 2);
  return out;
}

/** What the parser yields. */
export type Frame =
  | { readonly type: 'message'; readonly binary: boolean; readonly data: Buffer }
  | { readonly type: 'ping' | 'pong'; readonly data: Buffer }
  | { readonly type: 'close'; readonly code: number; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function checkUtf8(data: Buffer, what: string): string {
  try {
    return utf8.decode(data);
  } catch {
    throw new FrameError(CloseCode.invalidPayload, `${what} is not valid UTF-8`);
  }
}

/**
 * Parses the frames a peer sends. `expectMasked` is true on the server side (clients must mask)
 * and false on the client side (servers must not). Feed it bytes as they arrive; it returns the
 * complete frames and keeps the rest.
 */
export class FrameParser {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** The data frames of a fragmented message so far. */
  private fragments: Buffer[] | undefined;
  private fragmentBytes = 0;
  private fragmentBinary = true;

  constructor(
    private readonly expectMasked: boolean,
    private readonly maxMessageBytes: number,
  ) {}

  /** Adds bytes; returns every frame they complete. Throws `FrameError` on a violation. */
  push(bytes: Buffer): Frame[] {
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    const out: Frame[] = [];
    for (;;) {
      const frame = this.next();
      if (frame === undefined) return out;
      if (frame !== null) out.push(frame);
    }
  }

  /** The first `n` buffered bytes, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    this.chunks.push(joined);
    return joined.subarray(0, n);
  }

  private consume(n: number): Buffer {
    const taken = Buffer.from(this.peek(n));
    let left = n;
    while (left > 0) {
      const c = this.chunks[0] as Buffer;
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return taken;
  }

  /** One frame: a Frame, null for a frame that completes nothing yet (a fragment), undefined for "need more bytes". */
  private next(): Frame | null | undefined {
    if (this.buffered < 2) return undefined;
    const h = this.peek(2);
    const b0 = h[0] as number;
    const b1 = h[1] as number;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0)
      throw new FrameError(CloseCode.protocolError, 'reserved bits set without an extension');
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.expectMasked)
      throw new FrameError(
        CloseCode.protocolError,
        this.expectMasked ? 'a client frame must be masked' : 'a server frame must not be masked',
      );
    const control = opcode >= 0x8;
    if (![0x0, 0x1, 0x2, 0x8, 0x9, 0xa].includes(opcode))
      throw new FrameError(CloseCode.protocolError, `unknown opcode ${opcode}`);
    let len = b1 & 0x7f;
    let offset = 2;
    if (control && (!fin || len > 125))
      throw new FrameError(CloseCode.protocolError, 'a control frame must be whole and at most 125 bytes');
    if (len === 126) {
      if (this.buffered < 4) return undefined;
      len = this.peek(4).readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (this.buffered < 10) return undefined;
      const big = this.peek(10).readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER))
        throw new FrameError(CloseCode.tooBig, 'frame length too large');
      len = Number(big);
      offset = 10;
    }
    if (!control) {
      if (opcode === Opcode.continuation && this.fragments === undefined)
        throw new FrameError(CloseCode.protocolError, 'continuation frame without a message to continue');
      if (opcode !== Opcode.continuation && this.fragments !== undefined)
        throw new FrameError(CloseCode.protocolError, 'new message before the fragmented one ended');
      if (this.fragmentBytes + len > this.maxMessageBytes)
        throw new FrameError(CloseCode.tooBig, `message larger than ${this.maxMessageBytes} bytes`);
    }
    const total = offset + (masked ? 4 : 0) + len;
    if (this.buffered < total) return undefined;
    const frame = this.consume(total);
    const payload = frame.subarray(offset + (masked ? 4 : 0));
    if (masked) {
      const key = frame.subarray(offset, offset + 4);
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number);
    }
    if (control) return this.control(opcode, payload);
    if (opcode !== Opcode.continuation) {
      this.fragments = [];
      this.fragmentBinary = opcode === Opcode.binary;
    }
    const parts = this.fragments as Buffer[];
    parts.push(payload);
    this.fragmentBytes += payload.length;
    if (!fin) return null;
    const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const binary = this.fragmentBinary;
    this.fragments = undefined;
    this.fragmentBytes = 0;
    if (!binary) checkUtf8(data, 'a text message');
    return { type: 'message', binary, data };
  }

  private control(opcode: number, payload: Buffer): Frame {
    if (opcode === Opcode.ping) return { type: 'ping', data: payload };
    if (opcode === Opcode.pong) return { type: 'pong', data: payload };
    if (payload.length === 0) return { type: 'close', code: CloseCode.noStatus, reason: '' };
    if (payload.length === 1) throw new FrameError(CloseCode.protocolError, 'a close frame of one byte');
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) throw new FrameError(CloseCode.protocolError, `invalid close code ${code}`);
    return { type: 'close', code, reason: checkUtf8(payload.subarray(2), 'a close reason') };
  }
}
