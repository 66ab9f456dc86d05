/**
 * A stand-in kubelet endpoint for the API server's stream tests: HTTPS on loopback that accepts
 * only clients with a certificate from the API server's CA, serving `/containerLogs` from
 * in-memory text (`tailLines`, and `follow` that streams lines appended later) and `/exec` by
 * spawning the command as a local process (`/attach`: a `cat`) and speaking v5.channel.k8s.io over lib/streaming
 * (stdin, `[255,0]` closing it, stdout/stderr, the exit code as the final Status). A SPDY/3.1
 * upgrade (what the API server splices for kubectl's fallback) is served with lib/spdy: `/exec`
 * as `v4.channel.k8s.io` (streams by `streamType`, the Status on the error stream), and
 * `/portForward` as `portforward.k8s.io`, where each error+data stream pair (`port`,
 * `requestID`) is joined to `127.0.0.1:<port>` — the "pod" is this host's loopback. It records
 * the requests it got and the client certificate's subject. `/stats/summary` answers the
 * Summary a test sets (`setSummary`), for metrics.k8s.io.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { SpdySession, type SpdyStream } from '../../../lib/spdy/index.js';
import {
  acceptUpgrade,
  Channel,
  ChannelSession,
  checkUpgrade,
  encodeStatus,
  V4_PROTOCOL,
  V5_PROTOCOL,
} from '../../../lib/streaming/index.js';

/** A running test kubelet. */
export interface TestKubelet {
  readonly port: number;
  /** Paths (with queries) requested, in order. */
  readonly requests: string[];
  /** The paths of those upgraded to SPDY/3.1 (with the protocol chosen: `v4.channel.k8s.io /exec/…`). */
  readonly spdy: string[];
  /** The CN of the last client certificate. */
  lastClient(): string;
  /** Sets a container's log text (`ns/pod/container`). */
  setLog(key: string, text: string): void;
  /** Appends to a log; followers get the new text at once. */
  appendLog(key: string, text: string): void;
  /** Ends every follow stream. */
  endFollowers(): void;
  /** Sets the `/stats/summary` answer (undefined: 503, as a kubelet whose stats failed). */
  setSummary(summary: unknown): void;
  close(): Promise<void>;
}

/** Starts the test kubelet with the API server's serving pair (any certificate does) and CA. */
export async function startTestKubelet(pki: { cert: string; key: string; ca: string }): Promise<TestKubelet> {
  const logs = new Map<string, string>();
  const followers = new Map<string, Set<ServerResponse>>();
  const requests: string[] = [];
  const spdy: string[] = [];
  let client = '';
  const stats: StatsState = { summary: undefined };
  const server: Server = createServer({
    cert: readFileSync(pki.cert),
    key: readFileSync(pki.key),
    ca: readFileSync(pki.ca),
    requestCert: true,
    rejectUnauthorized: true,
  });
  const note = (req: IncomingMessage): URL => {
    requests.push(req.url ?? '');
    client = String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
    return new URL(req.url ?? '/', 'https://kubelet');
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = note(req);
    if (serveStats(url, res, stats)) return;
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const key = m ? `${m[1]}/${m[2]}/${m[3]}` : '';
    const text = logs.get(key);
    if (text === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`container ${m?.[3] ?? '?'} not found`);
      return;
    }
    const tail = url.searchParams.get('tailLines');
    let body = text;
    if (tail !== null)
      body = text
        .split(/(?<=\n)/)
        .slice(-Number(tail))
        .join('');
    if (Number(tail) === 0 && tail !== null) body = '';
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write(body);
    if (url.searchParams.get('follow') !== 'true') {
      res.end();
      return;
    }
    const set = followers.get(key) ?? new Set();
    followers.set(key, set);
    set.add(res);
    res.on('close', () => set.delete(res));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = note(req);
    if (/spdy\/3\.1/i.test(String(req.headers.upgrade ?? ''))) {
      const protocol = serveSpdy(req, url, socket, head);
      if (protocol) spdy.push(`${protocol} ${url.pathname}`);
      return;
    }
    const m = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const check = checkUpgrade(req.method, req.headers, [V5_PROTOCOL]);
    if (!m || !check.ok) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno');
      return;
    }
    // attach: the container's main process is, here, a `cat` started for the session.
    const command = m[1] === 'attach' ? ['cat'] : url.searchParams.getAll('command');
    const session = new ChannelSession(acceptUpgrade(socket, check, { head }));
    const child = spawn(command[0] ?? 'true', command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (d: Buffer) => session.write(Channel.stdout, d));
    child.stderr.on('data', (d: Buffer) => session.write(Channel.stderr, d));
    session.onData = (ch, data) => {
      if (ch === Channel.stdin) child.stdin.write(data);
    };
    session.onChannelClose = (ch) => {
      if (ch === Channel.stdin) child.stdin.end();
    };
    session.onClose = () => child.kill();
    if (url.searchParams.get('input') !== '1') child.stdin.end();
    child.on('close', (code) => session.finish({ exitCode: code ?? 1 }));
    child.on('error', (err) => session.finish({ error: err.message }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    spdy,
    lastClient: () => client,
    setLog: (key, text) => logs.set(key, text),
    appendLog(key, text) {
      logs.set(key, (logs.get(key) ?? '') + text);
      for (const res of followers.get(key) ?? []) res.write(text);
    },
    setSummary: (summary) => {
      stats.summary = summary;
    },
    endFollowers() {
      for (const set of followers.values()) for (const res of set) res.end();
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** What the test kubelet answers on its stats endpoint. */
interface StatsState {
  summary: unknown;
}

/** `GET /stats/summary`: the fixture set by `setSummary` as JSON; false for any other path. */
function serveStats(url: URL, res: ServerResponse, stats: StatsState): boolean {
  if (url.pathname !== '/stats/summary') return false;
  if (stats.summary === undefined) {
    res.writeHead(503, { 'Content-Type': 'text/plain' }).end('stats are not available');
    return true;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats.summary));
  return true;
}

/** Answers a SPDY upgrade: 101 with the chosen protocol (returned), or 403 when none offered fits. */
function serveSpdy(req: IncomingMessage, url: URL, socket: Duplex, head: Buffer): string | undefined {
  const offered = req.headersDistinct['x-stream-protocol-version'] ?? [];
  const forward = url.pathname.startsWith('/portForward/');
  const exec = /^\/exec\//.test(url.pathname);
  const protocol = forward ? 'portforward.k8s.io' : exec ? V4_PROTOCOL : '';
  if (!protocol || !offered.includes(protocol)) {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nforbidden');
    return undefined;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  const session = new SpdySession(socket, { role: 'server', head });
  if (forward) servePortForward(session);
  else serveSpdyExec(session, url);
  return protocol;
}

/** Port-forward: each data stream joined to 127.0.0.1:<port>; dial errors as text on its error stream. */
function servePortForward(session: SpdySession): void {
  const errors = new Map<string, SpdyStream>();
  session.onStream = (s) => {
    s.reply();
    const id = s.headers.requestid ?? '';
    if (s.headers.streamtype === 'error') {
      errors.set(id, s);
      return;
    }
    const port = Number(s.headers.port);
    const tcp = connect(port, '127.0.0.1');
    tcp.on('error', (err) => {
      errors.get(id)?.end(Buffer.from(`error forwarding port ${port}: ${err.message}`));
      s.reset();
    });
    tcp.on('data', (d: Buffer) => {
      if (!s.write(d)) tcp.pause();
    });
    s.onDrain = () => tcp.resume();
    tcp.on('end', () => s.end());
    s.onData = (d) => tcp.write(d);
    s.onEnd = () => tcp.end();
    s.onReset = () => tcp.destroy();
  };
}

/** exec over SPDY v4: the command runs once the streams asked for are there; Status on the error stream. */
function serveSpdyExec(session: SpdySession, url: URL): void {
  const q = url.searchParams;
  const wanted = [
    'error',
    ...(q.get('input') === '1' ? ['stdin'] : []),
    ...(q.get('output') === '1' ? ['stdout'] : []),
    ...(q.get('error') === '1' ? ['stderr'] : []),
  ];
  const streams = new Map<string, SpdyStream>();
  session.onStream = (s) => {
    s.reply();
    streams.set(s.headers.streamtype ?? '', s);
    if (wanted.every((w) => streams.has(w))) run();
  };
  const run = (): void => {
    const command = q.getAll('command');
    const child = spawn(command[0] ?? 'true', command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined);
    const stdin = streams.get('stdin');
    if (stdin) {
      stdin.onData = (d) => child.stdin.write(d);
      stdin.onEnd = () => child.stdin.end();
    } else child.stdin.end();
    child.stdout.on('data', (d: Buffer) => streams.get('stdout')?.write(d));
    child.stderr.on('data', (d: Buffer) => streams.get('stderr')?.write(d));
    const finish = (status: string): void => {
      streams.get('stdout')?.end();
      streams.get('stderr')?.end();
      streams.get('error')?.end(Buffer.from(status));
      session.close();
    };
    child.on('close', (code) => finish(encodeStatus({ exitCode: code ?? 1 })));
    child.on('error', (err) => finish(encodeStatus({ error: err.message })));
  };
}
