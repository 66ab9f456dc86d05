/**
 * Both roles of a SPDY session over a loopback TCP pair: streams with headers, data both ways,
 * FIN half-close, RST, PING, flow control with a paused reader, and garbage from the peer
 * ending the session with an error rather than a throw.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameParser, FrameType } from './frames.js';
import { SpdySession } from './session.js';
import type { SpdyStream } from './stream.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A connected socket pair on loopback. */
async function pair(): Promise<[Socket, Socket]> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  return [client, await accepted];
}

async function sessions(): Promise<{ client: SpdySession; server: SpdySession; sockets: [Socket, Socket] }> {
  const sockets = await pair();
  return {
    client: new SpdySession(sockets[0], { role: 'client' }),
    server: new SpdySession(sockets[1], { role: 'server' }),
    sockets,
  };
}

function collect(s: SpdyStream): { data: () => Buffer; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  s.onData = (d) => chunks.push(d);
  const ended = new Promise<void>((r) => {
    s.onEnd = () => r();
  });
  return { data: () => Buffer.concat(chunks), ended };
}

describe('SpdySession', () => {
  it('opens streams with headers, carries data both ways and half-closes each way', async () => {
    const { client, server } = await sessions();
    const accepted = new Promise<SpdyStream>((resolve) => {
      server.onStream = (s) => {
        s.reply();
        resolve(s);
      };
    });
    const a = client.openStream({ streamType: 'stdin', Port: '80' });
    const replied = new Promise<void>((r) => {
      a.onReply = () => r();
    });
    a.write(Buffer.from('hello '));
    a.end(Buffer.from('server'));
    const b = await accepted;
    expect(b.headers).toEqual({ streamtype: 'stdin', port: '80' });
    expect(b.id).toBe(1);
    const atServer = collect(b);
    await atServer.ended;
    expect(atServer.data().toString()).toBe('hello server');
    await replied;
    // The other direction is still open after the client's FIN.
    const atClient = collect(a);
    const closed = new Promise<void>((r) => {
      a.onClose = () => r();
    });
    b.end(Buffer.from('bye'));
    await atClient.ended;
    await closed;
    expect(atClient.data().toString()).toBe('bye');
    expect(a.closed && b.closed).toBe(true);
    // A second stream gets the next odd id; PING comes back.
    expect(client.openStream({ streamType: 'stdout' }).id).toBe(3);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
    expect(await server.ping()).toBeGreaterThanOrEqual(0);
    client.destroy();
  });

  it('resets a stream and refuses streams nobody accepts', async () => {
    const { client, server } = await sessions();
    const a = client.openStream({ streamType: 'error' });
    const reset = new Promise<number>((r) => {
      a.onReset = r;
    });
    expect(await reset).toBe(3); // REFUSED_STREAM: the default onStream
    server.onStream = (s) => {
      s.reply();
      s.reset(5);
    };
    const b = client.openStream({ streamType: 'data' });
    expect(await new Promise<number>((r) => (b.onReset = r))).toBe(5);
    client.destroy();
  });

  it('holds data beyond the window while the reader is paused, then delivers all of it', async () => {
    const { client, server } = await sessions();
    let serverStream: SpdyStream | undefined;
    const got: Buffer[] = [];
    const ended = new Promise<void>((resolve) => {
      server.onStream = (s) => {
        serverStream = s;
        s.pause();
        s.reply();
        s.onData = (d) => got.push(d);
        s.onEnd = () => resolve();
      };
    });
    const payload = randomBytes(300 * 1024);
    const a = client.openStream({ streamType: 'data' });
    await client.ping();
    const drained = new Promise<void>((r) => {
      a.onDrain = () => r();
    });
    // The server announced its window (SETTINGS), so the client keeps it.
    const accepted = a.write(payload);
    expect(accepted).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    const held = Buffer.concat(got).length;
    expect(held).toBe(0);
    serverStream?.resume();
    await drained;
    a.end();
    await ended;
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    client.destroy();
  });

  it('ends the session with an error and a GOAWAY on garbage, without throwing', async () => {
    const [raw, peer] = await pair();
    const server = new SpdySession(peer, { role: 'server' });
    const closed = new Promise<Error | undefined>((r) => {
      server.onClose = r;
    });
    const answer: Buffer[] = [];
    raw.on('data', (d: Buffer) => answer.push(d));
    raw.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const err = await closed;
    expect(err?.message).toMatch(/unsupported SPDY version|exceeds the limit/);
    await new Promise((r) => raw.once('close', r));
    const frames = new FrameParser(1024).push(Buffer.concat(answer));
    expect(frames.map((f) => (f.kind === 'control' ? f.type : -1))).toEqual([
      FrameType.settings,
      FrameType.goAway,
    ]);
  });

  it('ends with an error on a SYN_STREAM whose header block is not zlib', async () => {
    const [raw, peer] = await pair();
    const server = new SpdySession(peer, { role: 'server' });
    const closed = new Promise<Error | undefined>((r) => {
      server.onClose = r;
    });
    const body = Buffer.concat([Buffer.from('00000001000000000000', 'hex'), randomBytes(40)]);
    const head = Buffer.from('8003000100000000', 'hex');
    head.writeUInt32BE(body.length, 4);
    raw.write(Buffer.concat([head, body]));
    expect((await closed)?.message).toMatch(/header block/);
    raw.destroy();
  });
});
