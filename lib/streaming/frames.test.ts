/** Framing edge cases: random split points, masking per side, fragmentation, control frames, bounds. */
import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  closePayload,
  encodeFrame,
  type Frame,
  FrameError,
  FrameParser,
  Opcode,
} from './frames.js';

/** A deterministic generator (mulberry32) so failures replay. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseAll(parser: FrameParser, bytes: Buffer, cuts: number[]): Frame[] {
  const out: Frame[] = [];
  let at = 0;
  for (const c of [...cuts.sort((a, b) => a - b), bytes.length]) {
    out.push(...parser.push(bytes.subarray(at, c)));
    at = c;
  }
  return out;
}

function violation(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof FrameError) return err.code;
    throw err;
  }
  return 0;
}

describe('websocket framing', () => {
  it('parses masked messages of every length class split at random points, with fragments and pings between', () => {
    const r = rng(42);
    for (let round = 0; round < 150; round++) {
      const sizes = [0, 1, 125, 126, 127, 65535, 65536, 70000];
      const messages = Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
        const n = r() < 0.5 ? (sizes[Math.floor(r() * sizes.length)] as number) : Math.floor(r() * 300);
        return Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
      });
      const wire: Buffer[] = [];
      for (const m of messages) {
        const pieces = 1 + Math.floor(r() * 3);
        const step = Math.ceil(m.length / pieces) || 1;
        let first = true;
        for (let at = 0; at < m.length || first; at += step) {
          const last = at + step >= m.length;
          wire.push(
            encodeFrame(first ? Opcode.binary : Opcode.continuation, m.subarray(at, at + step), {
              mask: true,
              fin: last,
            }),
          );
          if (!last && r() < 0.5) wire.push(encodeFrame(Opcode.ping, Buffer.from('p'), { mask: true }));
          first = false;
        }
      }
      const bytes = Buffer.concat(wire);
      const cuts = Array.from({ length: Math.floor(r() * 12) }, () => Math.floor(r() * bytes.length));
      const frames = parseAll(new FrameParser(true, 1 << 20), bytes, cuts);
      const got = frames.filter((f) => f.type === 'message').map((f) => (f as { data: Buffer }).data);
      // Buffers compared as lengths and bytes (a deep equal walks each index: slow for 70 kB).
      expect(got.map((b) => b.length)).toEqual(messages.map((m) => m.length));
      expect(Buffer.concat(got).equals(Buffer.concat(messages))).toBe(true);
    }
  });

  it('byte-at-a-time equals all-at-once', () => {
    const bytes = Buffer.concat([
      encodeFrame(Opcode.text, Buffer.from('héllo'), { mask: false }),
      encodeFrame(Opcode.close, closePayload(1000, 'bye'), { mask: false }),
    ]);
    const p = new FrameParser(false, 100);
    const frames = [...bytes].flatMap((b) => p.push(Buffer.from([b])));
    expect(frames).toEqual([
      { type: 'message', binary: false, data: Buffer.from('héllo') },
      { type: 'close', code: 1000, reason: 'bye' },
    ]);
  });

  it('refuses frames masked wrongly for the side (1002)', () => {
    const masked = encodeFrame(Opcode.binary, Buffer.from('x'), { mask: true });
    const plain = encodeFrame(Opcode.binary, Buffer.from('x'), { mask: false });
    expect(violation(() => new FrameParser(true, 10).push(plain))).toBe(CloseCode.protocolError);
    expect(violation(() => new FrameParser(false, 10).push(masked))).toBe(CloseCode.protocolError);
  });

  it('refuses an oversize message from its length field, before the payload (1009)', () => {
    const head = encodeFrame(Opcode.binary, Buffer.alloc(70000), { mask: true }).subarray(0, 10);
    expect(violation(() => new FrameParser(true, 65536).push(head))).toBe(CloseCode.tooBig);
    const p = new FrameParser(true, 100);
    p.push(encodeFrame(Opcode.binary, Buffer.alloc(60), { mask: true, fin: false }));
    const more = encodeFrame(Opcode.continuation, Buffer.alloc(60), { mask: true });
    expect(violation(() => p.push(more))).toBe(CloseCode.tooBig);
    const huge = Buffer.from([0x82, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 1]);
    expect(violation(() => new FrameParser(true, 100).push(huge))).toBe(CloseCode.tooBig);
  });

  it('refuses protocol violations with 1002 and bad UTF-8 with 1007', () => {
    const cases: [Buffer, number][] = [
      [Buffer.from([0xc2, 0x80, 0, 0, 0, 0]), 1002], // RSV1
      [Buffer.from([0x83, 0x80, 0, 0, 0, 0]), 1002], // opcode 3
      [Buffer.from([0x09, 0x80, 0, 0, 0, 0]), 1002], // fragmented ping
      [Buffer.concat([Buffer.from([0x89, 0xfe, 0, 126]), Buffer.alloc(130)]), 1002], // long ping
      [encodeFrame(Opcode.continuation, Buffer.from('x'), { mask: true }), 1002],
      [encodeFrame(Opcode.close, Buffer.from([3]), { mask: true }), 1002],
      [encodeFrame(Opcode.close, closePayload(1005, ''), { mask: true }).subarray(0, 6), 0],
      [encodeFrame(Opcode.close, Buffer.from([0x03, 0xed]), { mask: true }), 1002], // 1005 on the wire
      [encodeFrame(Opcode.close, Buffer.from([0x03, 0xe8, 0xff]), { mask: true }), 1007],
      [encodeFrame(Opcode.text, Buffer.from([0xc3, 0x28]), { mask: true }), 1007],
    ];
    for (const [bytes, code] of cases)
      expect(violation(() => new FrameParser(true, 1000).push(bytes))).toBe(code);
    const p = new FrameParser(true, 1000);
    p.push(encodeFrame(Opcode.binary, Buffer.from('a'), { mask: true, fin: false }));
    expect(violation(() => p.push(encodeFrame(Opcode.binary, Buffer.from('b'), { mask: true })))).toBe(1002);
  });

  it('never throws anything but FrameError on random bytes', () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
      const p = new FrameParser(r() < 0.5, 1024);
      expect(() => {
        try {
          p.push(bytes);
        } catch (err) {
          if (!(err instanceof FrameError)) throw err;
        }
      }).not.toThrow();
    }
  });

  it('cuts a long close reason to 125 bytes of valid UTF-8', () => {
    const p = closePayload(1000, 'é'.repeat(100));
    expect(p.length).toBeLessThanOrEqual(125);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(p.subarray(2))).not.toThrow();
  });
});
