/**
 * HTTP/1.1 upgrades to SPDY/3.1 as Kubernetes makes them (apimachinery
 * `pkg/util/httpstream/spdy`): a request with `Connection: Upgrade`, `Upgrade: SPDY/3.1` and
 * the offered `X-Stream-Protocol-Version`s, answered by 101 (the chosen version echoed) or by an
 * ordinary HTTP answer. `upgradeRequest` sends one over any connected `Duplex` (TCP, TLS, or a
 * pipe into another network namespace) and reads the answer's head by hand, so the bytes after
 * a 101 stay on the socket for whoever speaks next; `spliceUpgrade` forwards an upgrade request
 * that arrived here to another server and, after its 101, joins the two sockets byte for byte
 * (a proxy that never parses SPDY). Bounded: an answer head over 64 KiB or a refusal body over
 * 64 KiB is cut; a time-out covers the whole exchange.
 */
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/** The `Upgrade` token of SPDY. */
export const SPDY_UPGRADE = 'SPDY/3.1';

const MAX_HEAD = 64 * 1024;
const MAX_BODY = 64 * 1024;

/** Where and how to send an upgrade request. */
export interface SpdyUpgradeOptions {
  /** Opens the connection (TCP, TLS …); see `dialUrl`. */
  readonly dial: () => Promise<Duplex>;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** The Host header. */
  readonly host: string;
  /** Further headers; arrays are sent as repeated lines. Upgrade/Connection are set here. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** The whole exchange's time-out (default 30 s). */
  readonly timeoutMs?: number;
}

/** The answer to an upgrade request. */
export type SpdyUpgraded =
  | {
      readonly upgraded: true;
      /** Lower-cased header names; repeated headers joined with ", ". */
      readonly headers: Readonly<Record<string, string>>;
      /** The raw head (status line and headers, with the blank line), for relaying as is. */
      readonly rawHead: Buffer;
      readonly socket: Duplex;
      /** Bytes that came after the head. */
      readonly head: Buffer;
    }
  | {
      readonly upgraded: false;
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly rawHead: Buffer;
      readonly body: Buffer;
    };

/** A dialer for an `http:` or `https:` URL (TLS options for the latter). */
export function dialUrl(
  url: URL,
  tls: {
    cert?: string | Buffer;
    key?: string | Buffer;
    ca?: string | Buffer;
    rejectUnauthorized?: boolean;
  } = {},
): () => Promise<Duplex> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port) || (secure ? 443 : 80);
  return () =>
    new Promise((resolve, reject) => {
      const socket = secure
        ? tlsConnect({ host, port, servername: /^[\d.:]+$/.test(host) ? '' : host, ...tls }, () => done())
        : netConnect({ host, port }, () => done());
      const done = (): void => {
        socket.off('error', reject);
        resolve(socket);
      };
      socket.once('error', reject);
    });
}

function parseHead(raw: Buffer): { status: number; headers: Record<string, string> } {
  const lines = raw.toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`malformed HTTP answer: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), headers };
}

/** The request head bytes. */
function requestHead(o: SpdyUpgradeOptions): string {
  const lines = [`${o.method} ${o.path} HTTP/1.1`, `Host: ${o.host}`];
  for (const [name, value] of Object.entries(o.headers ?? {})) {
    const lower = name.toLowerCase();
    if (['host', 'connection', 'upgrade', 'content-length', 'transfer-encoding'].includes(lower)) continue;
    for (const v of typeof value === 'string' ? [value] : value) lines.push(`${name}: ${v}`);
  }
  lines.push('Connection: Upgrade', `Upgrade: ${SPDY_UPGRADE}`, 'Content-Length: 0');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends an upgrade request and reads its answer; rejects on connection errors and the time-out. */
export async function upgradeRequest(o: SpdyUpgradeOptions): Promise<SpdyUpgraded> {
  const socket = await o.dial();
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let head: { status: number; headers: Record<string, string>; raw: Buffer } | undefined;
    const timer = setTimeout(
      () => fail(new Error('timed out waiting for the upgrade answer')),
      o.timeoutMs ?? 30_000,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('end', onEnd);
    };
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const refused = (): void => {
      if (!head) return;
      cleanup();
      socket.destroy();
      resolve({
        upgraded: false,
        status: head.status,
        headers: head.headers,
        rawHead: head.raw,
        body: buf.subarray(0, MAX_BODY),
      });
    };
    const onEnd = (): void => {
      if (head) refused();
      else fail(new Error('the connection closed before an answer'));
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (!head) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HEAD) fail(new Error('the answer head is too large'));
          return;
        }
        const raw = buf.subarray(0, end + 4);
        try {
          head = { ...parseHead(raw), raw };
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        buf = buf.subarray(end + 4);
        if (head.status === 101) {
          cleanup();
          socket.pause();
          resolve({ upgraded: true, headers: head.headers, rawHead: raw, socket, head: buf });
          return;
        }
      }
      const length = Number(head.headers['content-length'] ?? Number.NaN);
      const chunkedDone =
        /chunked/i.test(head.headers['transfer-encoding'] ?? '') &&
        /(^|\r\n)0\r\n\r\n$/.test(buf.toString('latin1'));
      if ((Number.isInteger(length) && buf.length >= length) || chunkedDone || buf.length >= MAX_BODY)
        refused();
    };
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('end', onEnd);
    socket.write(requestHead(o));
  });
}

/** Joins two sockets both ways until either ends (each side's end is passed on, then both close). */
export function joinSockets(a: Duplex, b: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let closed = 0;
    const done = (): void => {
      closed += 1;
      a.destroy();
      b.destroy();
      if (closed === 1) resolve();
    };
    a.on('error', () => undefined);
    b.on('error', () => undefined);
    a.pipe(b);
    b.pipe(a);
    a.once('close', done);
    b.once('close', done);
    a.resume();
    b.resume();
  });
}

/** Writes a plain HTTP answer on a raw socket and ends it. */
export function writeHttpError(
  socket: Duplex,
  status: number,
  body: string,
  contentType = 'text/plain',
): void {
  const text = Buffer.from(body, 'utf8');
  const reason =
    {
      400: 'Bad Request',
      403: 'Forbidden',
      404: 'Not Found',
      429: 'Too Many Requests',
      500: 'Internal Server Error',
      502: 'Bad Gateway',
    }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text.toString('utf8')}`,
  );
}

/**
 * Forwards an upgrade request that arrived on `client` (its bytes past the headers in
 * `clientHead`) to `target`; a 101 is relayed as is and the sockets are joined, any other
 * answer is relayed (head and body) and the client socket ended. Resolves when the splice ends;
 * rejects — before anything was written to the client — when the target cannot be reached.
 */
export async function spliceUpgrade(
  client: Duplex,
  clientHead: Buffer,
  target: SpdyUpgradeOptions,
): Promise<void> {
  const answer = await upgradeRequest(target);
  if (!answer.upgraded) {
    client.end(Buffer.concat([answer.rawHead, answer.body]));
    return;
  }
  client.write(answer.rawHead);
  if (answer.head.length > 0) client.write(answer.head);
  if (clientHead.length > 0) answer.socket.write(clientHead);
  await joinSockets(client, answer.socket);
}
