/**
 * A stand-in kubelet endpoint for the API server's stream tests: HTTPS on loopback that accepts
 * only clients with a certificate from the API server's CA, serving `/containerLogs` from
 * in-memory text (`tailLines`, and `follow` that streams lines appended later) and `/exec` by
 * spawning the command as a local process (`/attach`: a `cat`) and speaking v5.channel.k8s.io over lib/streaming
 * (stdin, `[255,0]` closing it, stdout/stderr, the exit code as the final Status). It records the
 * requests it got and the client certificate's subject. `/stats/summary` answers the Summary a
 * test sets (`setSummary`), for metrics.k8s.io.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import {
  acceptUpgrade,
  Channel,
  ChannelSession,
  checkUpgrade,
  V5_PROTOCOL,
} from '../../../lib/streaming/index.js';

/** A running test kubelet. */
export interface TestKubelet {
  readonly port: number;
  /** Paths (with queries) requested, in order. */
  readonly requests: string[];
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
