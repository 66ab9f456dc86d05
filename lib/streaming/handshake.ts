/**
 * The RFC 6455 opening handshake, both sides. Server: `checkUpgrade` reads an HTTP request's
 * upgrade headers (GET, `Upgrade: websocket`, `Connection: upgrade`, version 13, a 16-byte
 * key) and picks the subprotocol — the first the client offers that the server supports — or
 * says which refusal to answer (400, or 426 for another version); `acceptUpgrade` writes the
 * 101 on the raw socket and returns the connection. Client: `connectWebSocket` sends the
 * upgrade over HTTP or HTTPS (client certificates for TLS), checks the 101's accept hash and
 * subprotocol, and fails with `UpgradeRefusedError` (status and a bounded body) on any other
 * answer, or a time-out when the server does not answer in time.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, type WebSocketOptions } from './websocket.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The `Sec-WebSocket-Accept` value for a key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}${GUID}`).digest('base64');
}

/** The comma-separated tokens of a header, trimmed and lower-cased. */
function tokens(value: string | string[] | undefined, lower = true): string[] {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((t) => (lower ? t.trim().toLowerCase() : t.trim()))
    .filter((t) => t !== '');
}

/** Whether a request asks to be upgraded to a WebSocket (whatever else is wrong with it). */
export function isWebSocketUpgrade(headers: IncomingHttpHeaders): boolean {
  return tokens(headers.upgrade).includes('websocket');
}

/** The server's verdict on an upgrade request. */
export type UpgradeCheck =
  | { readonly ok: true; readonly key: string; readonly protocol: string }
  | {
      readonly ok: false;
      readonly status: number;
      readonly message: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** Checks an upgrade request and picks its subprotocol among `supported` (client's order). */
export function checkUpgrade(
  method: string | undefined,
  headers: IncomingHttpHeaders,
  supported: readonly string[],
): UpgradeCheck {
  const refuse = (message: string, status = 400, extra?: Record<string, string>): UpgradeCheck => ({
    ok: false,
    status,
    message,
    ...(extra ? { headers: extra } : {}),
  });
  if (method !== 'GET') return refuse('a websocket upgrade must use GET');
  if (!isWebSocketUpgrade(headers)) return refuse('missing "Upgrade: websocket"');
  if (!tokens(headers.connection).includes('upgrade')) return refuse('missing "Connection: upgrade"');
  if (headers['sec-websocket-version'] !== '13')
    return refuse('unsupported websocket version (13 expected)', 426, { 'Sec-WebSocket-Version': '13' });
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim()))
    return refuse('missing or malformed Sec-WebSocket-Key');
  const offered = tokens(headers['sec-websocket-protocol'], false);
  const protocol = offered.find((p) => supported.includes(p));
  if (protocol === undefined)
    return refuse(
      `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`,
    );
  return { ok: true, key: key.trim(), protocol };
}

/** Answers 101 on the raw socket and returns the server side of the connection. */
export function acceptUpgrade(
  socket: Duplex,
  check: { readonly key: string; readonly protocol: string },
  options: Omit<WebSocketOptions, 'role' | 'protocol'> = {},
): WebSocket {
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(check.key)}`,
    ...(check.protocol ? [`Sec-WebSocket-Protocol: ${check.protocol}`] : []),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return new WebSocket(socket, { ...options, role: 'server', protocol: check.protocol });
}

/** A non-101 answer to an upgrade. */
export class UpgradeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType: string,
  ) {
    super(`websocket upgrade refused with ${status}: ${body.slice(0, 200)}`);
    this.name = 'UpgradeRefusedError';
  }
}

/** Options of `connectWebSocket`. */
export interface ConnectOptions extends Omit<WebSocketOptions, 'role' | 'protocol' | 'head'> {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** Path and query. */
  readonly path: string;
  /** Subprotocols offered, in preference order; the answer must pick one of them. */
  readonly protocols: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** TLS: client certificate, key, CA (PEM) and whether to verify the server. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly ca?: string | Buffer;
  readonly rejectUnauthorized?: boolean;
  /** How long the handshake may take (default 30 s). */
  readonly handshakeTimeoutMs?: number;
}

const MAX_REFUSAL_BODY = 64 * 1024;

/** Opens a client connection; rejects on a refusal, a bad 101 or the time-out. */
export function connectWebSocket(o: ConnectOptions): Promise<WebSocket> {
  const key = randomBytes(16).toString('base64');
  const request = o.secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      host: o.host,
      port: o.port,
      path: o.path,
      method: 'GET',
      headers: {
        ...o.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        ...(o.protocols.length > 0 ? { 'Sec-WebSocket-Protocol': o.protocols.join(', ') } : {}),
      },
      ...(o.secure
        ? {
            ...(o.cert !== undefined ? { cert: o.cert } : {}),
            ...(o.key !== undefined ? { key: o.key } : {}),
            ...(o.ca !== undefined ? { ca: o.ca } : {}),
            rejectUnauthorized: o.rejectUnauthorized ?? true,
          }
        : {}),
      agent: false,
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`websocket handshake with ${o.host}:${o.port} timed out`)),
      o.handshakeTimeoutMs ?? 30_000,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_REFUSAL_BODY) chunks.push(c.subarray(0, MAX_REFUSAL_BODY - size));
        size += c.length;
      });
      res.on('error', () => undefined);
      res.on('end', () => {
        req.destroy();
        fail(
          new UpgradeRefusedError(
            res.statusCode ?? 0,
            Buffer.concat(chunks).toString('utf8'),
            String(res.headers['content-type'] ?? ''),
          ),
        );
      });
    });
    req.on('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
      clearTimeout(timer);
      const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
      const problem =
        res.headers['sec-websocket-accept'] !== acceptKey(key)
          ? 'bad Sec-WebSocket-Accept'
          : !isWebSocketUpgrade(res.headers)
            ? 'the 101 does not upgrade to websocket'
            : o.protocols.length > 0 && !o.protocols.includes(protocol)
              ? `the server chose subprotocol "${protocol}", not one offered`
              : undefined;
      if (problem) {
        socket.destroy();
        reject(new Error(`websocket handshake with ${o.host}:${o.port}: ${problem}`));
        return;
      }
      resolve(new WebSocket(socket, { ...o, role: 'client', protocol, head }));
    });
    req.end();
  });
}
