/** A server and a client of this library over loopback TCP: messages, ping/pong, the closing handshake, 1009, refusals. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, ChannelSession, decodeStatus, encodeChannel, V5_PROTOCOL } from './channels.js';
import { CloseCode } from './frames.js';
import { acceptUpgrade, checkUpgrade, connectWebSocket, UpgradeRefusedError } from './handshake.js';
import type { CloseInfo, WebSocket } from './websocket.js';

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(404).end('no'));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const check = checkUpgrade(req.method, req.headers, [V5_PROTOCOL]);
    if (!check.ok) {
      socket.end(
        `HTTP/1.1 ${check.status} No\r\nContent-Length: ${check.message.length}\r\n\r\n${check.message}`,
      );
      return;
    }
    const ws = acceptUpgrade(socket, check, { head, maxMessageBytes: 1024 });
    if (req.url === '/exit') {
      // A channel session: echo stdin to stdout until [255,0], then exit 3.
      const s = new ChannelSession(ws);
      s.onData = (ch, data) => ch === Channel.stdin && s.write(Channel.stdout, data);
      s.onChannelClose = () => s.finish({ exitCode: 3 });
      return;
    }
    ws.onMessage = (data, binary) => ws.send(data, binary);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const open = (path = '/', protocols = [V5_PROTOCOL]): Promise<WebSocket> =>
  connectWebSocket({ secure: false, host: '127.0.0.1', port, path, protocols, maxMessageBytes: 1 << 20 });

const closed = (ws: WebSocket): Promise<CloseInfo> => new Promise((r) => (ws.onClose = r));

describe('websocket over loopback', () => {
  it('echoes messages, answers pings and closes cleanly with 1000', async () => {
    const ws = await open();
    expect(ws.protocol).toBe(V5_PROTOCOL);
    const got: Buffer[] = [];
    ws.onMessage = (d) => got.push(d);
    const pong = new Promise<Buffer>((r) => (ws.onPong = r));
    ws.ping(Buffer.from('hi'));
    ws.send(Buffer.alloc(300, 7));
    ws.send('text', false);
    expect((await pong).toString()).toBe('hi');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([Buffer.alloc(300, 7), Buffer.from('text')]);
    const done = closed(ws);
    ws.close(CloseCode.normal);
    expect(await done).toEqual({ code: 1000, reason: '', initiatedHere: true });
  });

  it('closes with 1009 when a message passes the bound', async () => {
    const ws = await open();
    const done = closed(ws);
    ws.send(Buffer.alloc(2000));
    expect((await done).code).toBe(CloseCode.tooBig);
  });

  it('speaks channels: stdin echoed, [255,0] ends with a NonZeroExitCode Status', async () => {
    const ws = await open('/exit');
    const s = new ChannelSession(ws);
    const out: string[] = [];
    let status: Buffer | undefined;
    s.onData = (ch, d) => {
      if (ch === Channel.stdout) out.push(d.toString());
      else status = d;
    };
    const done = new Promise<CloseInfo>((r) => (s.onClose = r));
    s.write(Channel.stdin, 'abc');
    s.closeChannel(Channel.stdin);
    expect((await done).code).toBe(1000);
    expect(out.join('')).toBe('abc');
    expect(decodeStatus(status as Buffer)).toEqual({ exitCode: 3 });
    expect(encodeChannel(2, 'x')).toEqual(Buffer.from([2, 0x78]));
  });

  it('closes with 1001 after the idle time-out', async () => {
    const ws = await connectWebSocket({
      secure: false,
      host: '127.0.0.1',
      port,
      path: '/',
      protocols: [V5_PROTOCOL],
      idleTimeoutMs: 200,
    });
    const info = await closed(ws);
    expect(info).toMatchObject({ code: CloseCode.goingAway, initiatedHere: true });
  });

  it('refuses an unknown subprotocol with the server status', async () => {
    const err = await open('/', ['v4.channel.k8s.io']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpgradeRefusedError);
    expect((err as UpgradeRefusedError).status).toBe(400);
  });

  it('checks upgrade headers', () => {
    const h = {
      upgrade: 'websocket',
      connection: 'keep-alive, Upgrade',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-protocol': 'v4.channel.k8s.io, v5.channel.k8s.io',
    };
    expect(checkUpgrade('GET', h, [V5_PROTOCOL])).toEqual({
      ok: true,
      key: 'dGhlIHNhbXBsZSBub25jZQ==',
      protocol: V5_PROTOCOL,
    });
    expect(checkUpgrade('POST', h, [V5_PROTOCOL]).ok).toBe(false);
    expect(checkUpgrade('GET', { ...h, 'sec-websocket-version': '8' }, [V5_PROTOCOL])).toMatchObject({
      status: 426,
    });
    expect(checkUpgrade('GET', { ...h, 'sec-websocket-key': 'x' }, [V5_PROTOCOL]).ok).toBe(false);
  });
});
