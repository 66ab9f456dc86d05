/**
 * The HTTP side of a watch, over a real loopback connection read byte by byte: the events of one
 * event-loop turn leave as one chunk (one TLS record in production), in order, bookmarks and
 * errors included; closing flushes what is queued; a client that does not read is cut off.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { badRequest } from './status.js';
import { openWatchStream, type WatchWriter } from './watch-stream.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** Serves one watch; `drive` gets the writer as soon as the response has started. */
async function serve(
  drive: (w: WatchWriter) => void,
  opts: { maxBufferedBytes?: number; onClose?: () => void } = {},
): Promise<number> {
  server = createServer((req, res) => {
    drive(
      openWatchStream({
        req,
        res,
        contentType: 'application/json',
        timeoutSeconds: 30,
        maxBufferedBytes: opts.maxBufferedBytes ?? 1 << 20,
        encode: (o) => o,
        ...(opts.onClose ? { onClose: opts.onClose } : {}),
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** The body's chunks (chunked transfer encoding, RFC 9112 §7.1) as sent, read from raw bytes. */
async function chunksOf(port: number): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.write('GET /watch HTTP/1.1\r\nHost: test\r\n\r\n');
  const parts: Buffer[] = [];
  socket.on('data', (d: Buffer) => parts.push(d));
  await once(socket, 'end');
  socket.destroy();
  const raw = Buffer.concat(parts).toString('latin1');
  let at = raw.indexOf('\r\n\r\n') + 4;
  const chunks: string[] = [];
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = Number.parseInt(raw.slice(at, eol), 16);
    if (!(size > 0)) break;
    chunks.push(Buffer.from(raw.slice(eol + 2, eol + 2 + size), 'latin1').toString('utf8'));
    at = eol + 2 + size + 2;
  }
  return chunks;
}

const obj = (i: number) => ({ metadata: { name: `e-${i}`, resourceVersion: String(i) } });
const names = (chunk: string): string[] =>
  chunk
    .trim()
    .split('\n')
    .map((l) => {
      const e = JSON.parse(l) as { type: string; object: { metadata?: { name?: string } } };
      return `${e.type}:${e.object.metadata?.name ?? ''}`;
    });

describe('watch stream', () => {
  it("writes one turn's events as one chunk, in order, and flushes the queue when it closes", async () => {
    const port = await serve((w) => {
      for (let i = 0; i < 50; i++) w.event('ADDED', obj(i));
      setImmediate(() => {
        w.event('MODIFIED', obj(50));
        w.event('DELETED', obj(51));
        // An error ends the stream: what is queued goes first, then the ERROR event.
        w.error(badRequest('stop here'));
      });
    });
    const chunks = await chunksOf(port);
    expect(chunks).toHaveLength(2);
    expect(names(chunks[0] ?? '')).toEqual(Array.from({ length: 50 }, (_, i) => `ADDED:e-${i}`));
    expect(names(chunks[1] ?? '')).toEqual(['MODIFIED:e-50', 'DELETED:e-51', 'ERROR:']);
  });

  it('cuts off a client that does not read, instead of buffering without bound', async () => {
    let closed = false;
    const big = 'x'.repeat(64 * 1024);
    const port = await serve(
      (w) => {
        const pump = (i: number): void => {
          if (w.closed || i > 2000) return;
          w.event('ADDED', { metadata: { name: `e-${i}` }, data: { big } });
          setImmediate(() => pump(i + 1));
        };
        pump(0);
      },
      {
        maxBufferedBytes: 256 * 1024,
        onClose: () => {
          closed = true;
        },
      },
    );
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /watch HTTP/1.1\r\nHost: test\r\n\r\n');
    socket.pause(); // never reads: the kernel buffers fill, then the server's
    const deadline = Date.now() + 10_000;
    while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    expect(closed).toBe(true);
  });
});
