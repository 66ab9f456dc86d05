/**
 * The two zlib contexts of a SPDY/3 session (§2.6.10.1): one compressor for the header blocks
 * this side sends and one decompressor for those it receives, each primed with the SPDY/3
 * dictionary and kept for the whole session (every block ends with a sync flush, so a block
 * decodes as soon as it arrives). Node's zlib streams are asynchronous, so each context runs
 * one block at a time in order; a block that inflates beyond `maxHeaderBytes` is an error, so
 * a small compressed block cannot expand without bound.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { HEADER_DICTIONARY } from './dictionary.js';
import { decodeHeaderBlock, encodeHeaderBlock, SpdyFrameError } from './frames.js';

type Zlib = Deflate | Inflate;

/** Runs `input` through the stream with a sync flush and returns what came out. */
function flushThrough(z: Zlib, input: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit && !failed) {
        failed = true;
        finish(new SpdyFrameError(`header block inflates beyond ${limit} bytes`));
        return;
      }
      out.push(chunk);
    };
    const onError = (err: Error): void => finish(new SpdyFrameError(`header block: ${err.message}`));
    const finish = (err?: Error): void => {
      z.off('data', onData);
      z.off('error', onError);
      if (err) reject(err);
      else resolve(Buffer.concat(out));
    };
    z.on('data', onData);
    z.on('error', onError);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      if (!failed) finish();
    });
  });
}

/** One direction's compression context. */
export class HeaderCompressor {
  private readonly z = createDeflate({ dictionary: HEADER_DICTIONARY });
  private chain: Promise<unknown> = Promise.resolve();

  /** The compressed block for `headers` (blocks come out in call order). */
  compress(headers: ReadonlyMap<string, string>): Promise<Buffer> {
    const plain = encodeHeaderBlock(headers);
    const next = this.chain.then(() => flushThrough(this.z, plain, Number.POSITIVE_INFINITY));
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.destroy();
  }
}

/** The other direction's decompression context. */
export class HeaderDecompressor {
  private readonly z = createInflate({ dictionary: HEADER_DICTIONARY });
  private chain: Promise<unknown> = Promise.resolve();
  private broken = false;

  constructor(private readonly maxHeaderBytes: number) {
    this.z.on('error', () => {
      this.broken = true;
    });
  }

  /** The headers in a compressed block; rejects with `SpdyFrameError` (the context is then unusable). */
  decompress(block: Buffer): Promise<Map<string, string>> {
    const next = this.chain.then(async () => {
      if (this.broken) throw new SpdyFrameError('header compression context is broken');
      return decodeHeaderBlock(await flushThrough(this.z, block, this.maxHeaderBytes));
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.destroy();
  }
}
