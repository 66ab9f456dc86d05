/** SPDY/3 framing: known frames from the spec's layouts, round trips, cut input, bounds, garbage. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HEADER_DICTIONARY } from './dictionary.js';
import {
  decodeHeaderBlock,
  decodeSettings,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynStream,
  encodeWindowUpdate,
  FrameParser,
  FrameType,
  SpdyFrameError,
} from './frames.js';
import { HeaderCompressor, HeaderDecompressor } from './headers.js';

describe('SPDY/3 frames', () => {
  it('has the 1423-byte dictionary of the spec', () => {
    expect(HEADER_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(HEADER_DICTIONARY).digest('hex')).toBe(
      '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02',
    );
  });

  it('decodes frames laid out as §2.2 and §2.6 give them', () => {
    // PING id 1: control bit + version 3, type 6, flags 0, length 4, id.
    const ping = Buffer.from('8003000600000004' + '00000001', 'hex');
    // RST_STREAM stream 3, status CANCEL (5).
    const rst = Buffer.from('8003000300000008' + '00000003' + '00000005', 'hex');
    // DATA stream 1, FIN, "hi".
    const data = Buffer.from('00000001' + '01000002' + '6869', 'hex');
    // WINDOW_UPDATE stream 5, delta 65536.
    const wu = Buffer.from('8003000900000008' + '00000005' + '00010000', 'hex');
    expect(encodePing(1)).toEqual(ping);
    expect(encodeRstStream(3, 5)).toEqual(rst);
    expect(encodeData(1, Buffer.from('hi'), true)).toEqual(data);
    expect(encodeWindowUpdate(5, 65536)).toEqual(wu);
    const frames = new FrameParser(1024).push(Buffer.concat([ping, rst, data, wu]));
    expect(frames).toEqual([
      {
        kind: 'control',
        version: 3,
        type: FrameType.ping,
        flags: 0,
        payload: Buffer.from('00000001', 'hex'),
      },
      { kind: 'control', version: 3, type: FrameType.rstStream, flags: 0, payload: rst.subarray(8) },
      { kind: 'data', streamId: 1, flags: 1, data: Buffer.from('hi') },
      { kind: 'control', version: 3, type: FrameType.windowUpdate, flags: 0, payload: wu.subarray(8) },
    ]);
  });

  it('parses input cut at every byte', () => {
    const all = Buffer.concat([
      encodeSynStream({ streamId: 1, priority: 2 }, Buffer.from('block')),
      encodeData(1, randomBytes(300)),
      encodeSettings(new Map([[7, 1 << 20]])),
      encodeGoAway(4, 0),
    ]);
    const whole = new FrameParser(1024).push(all);
    const p = new FrameParser(1024);
    const bytewise = [];
    for (const b of all) bytewise.push(...p.push(Buffer.from([b])));
    expect(bytewise).toEqual(whole);
    expect(whole).toHaveLength(4);
  });

  it('reads SETTINGS entries and refuses a truncated list', () => {
    const f = new FrameParser(1024).push(encodeSettings(new Map([[7, 65536]])))[0];
    expect(f?.kind === 'control' ? decodeSettings(f.payload) : undefined).toEqual(new Map([[7, 65536]]));
    expect(() => decodeSettings(Buffer.from('00000002', 'hex'))).toThrow(SpdyFrameError);
  });

  it('refuses a frame over the cap from its length field, before buffering it', () => {
    const p = new FrameParser(1000);
    expect(() => p.push(Buffer.from('00000001' + '00ffffff', 'hex'))).toThrow(SpdyFrameError);
  });

  it('round-trips header blocks and refuses malformed ones', () => {
    const h = new Map([
      ['streamtype', 'error'],
      ['port', '80'],
    ]);
    expect(decodeHeaderBlock(encodeHeaderBlock(h))).toEqual(h);
    expect(() => decodeHeaderBlock(Buffer.from('0000000500000001', 'hex'))).toThrow(SpdyFrameError);
    expect(() => decodeHeaderBlock(Buffer.from([0, 0]))).toThrow(SpdyFrameError);
  });

  it('never throws anything but SpdyFrameError on random bytes', () => {
    for (let i = 0; i < 200; i++) {
      const p = new FrameParser(4096);
      try {
        p.push(randomBytes(1 + (i % 97)));
        p.push(randomBytes(50));
      } catch (err) {
        expect(err).toBeInstanceOf(SpdyFrameError);
      }
      try {
        decodeHeaderBlock(randomBytes(i % 40));
      } catch (err) {
        expect(err).toBeInstanceOf(SpdyFrameError);
      }
    }
  });
});

describe('header compression', () => {
  it('keeps one context per direction across blocks', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor(64 * 1024);
    const blocks = [
      new Map([['streamtype', 'stdout']]),
      new Map([['streamtype', 'stderr']]),
      new Map([
        ['streamtype', 'data'],
        ['port', '8080'],
        ['requestid', '0'],
      ]),
    ];
    const wire = await Promise.all(blocks.map((b) => c.compress(b)));
    // Later blocks reuse the context's history: the second is smaller than the first.
    expect((wire[1] as Buffer).length).toBeLessThan((wire[0] as Buffer).length);
    for (const [i, w] of wire.entries()) expect(await d.decompress(w)).toEqual(blocks[i]);
    c.close();
    d.close();
  });

  it('rejects garbage and a block that inflates past the limit', async () => {
    await expect(new HeaderDecompressor(1024).decompress(randomBytes(64))).rejects.toBeInstanceOf(
      SpdyFrameError,
    );
    const c = new HeaderCompressor();
    const bomb = await c.compress(new Map([['x', 'a'.repeat(100_000)]]));
    expect(bomb.length).toBeLessThan(2000);
    await expect(new HeaderDecompressor(4096).decompress(bomb)).rejects.toBeInstanceOf(SpdyFrameError);
    c.close();
  });
});
