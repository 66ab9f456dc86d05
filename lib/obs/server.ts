/**
 * One small HTTP server per component: `/metrics` (Prometheus text), `/livez` and `/healthz` (liveness),
 * `/readyz` (readiness from registered checks). Request handling is bounded: header and
 * request timeouts, keep-alive timeout, a connection cap, and no request bodies are read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalid, messageOf } from '../errors/index.js';
import { HealthChecks } from './health.js';
import { formatListenAddr, type ListenAddr } from './listen-addr.js';
import type { Logger } from './logger.js';
import type { ComponentRegistry } from './metrics.js';

/** Options of {@link startObsServer}. */
export interface ObsServerOptions {
  /** Where to listen; port 0 picks a free port (tests). */
  readonly addr: ListenAddr;
  readonly metrics: ComponentRegistry;
  /** Liveness checks for /healthz (none: always ok while the process serves). */
  readonly liveness?: HealthChecks;
  /** Readiness checks for /readyz. */
  readonly readiness?: HealthChecks;
  readonly logger?: Logger;
  /** Bound on each health check run; default 2000 ms. */
  readonly checkTimeoutMs?: number;
  /** Bound on receiving a whole request; default 10000 ms. */
  readonly requestTimeoutMs?: number;
  /** Default 64. */
  readonly maxConnections?: number;
}

/** A running observability server. */
export interface ObsServer {
  /** The bound address (the real port when 0 was asked). */
  readonly addr: ListenAddr;
  /** `http://HOST:PORT`. */
  readonly url: string;
  readonly liveness: HealthChecks;
  readonly readiness: HealthChecks;
  /** Stops accepting, ends idle keep-alive connections, resolves when closed. */
  close(): Promise<void>;
}

function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0)
    throw invalid(field, `must be a positive integer, got ${value}`);
  return value;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Kubernetes-style probe body: one `[+]name ok` / `[-]name failed: reason` line per check. */
async function probe(
  res: ServerResponse,
  checks: HealthChecks,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const results = await checks.run(timeoutMs);
  const ok = results.every((r) => r.ok);
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.reason ?? ''}`));
  lines.push(ok ? `${what} check passed` : `${what} check failed`);
  send(res, ok ? 200 : 503, `${lines.join('\n')}\n`);
}

/** Starts the server and resolves once it listens. */
export async function startObsServer(options: ObsServerOptions): Promise<ObsServer> {
  const checkTimeoutMs = positive('checkTimeoutMs', options.checkTimeoutMs, 2000);
  const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, 10_000);
  const maxConnections = positive('maxConnections', options.maxConnections, 64);
  const liveness = options.liveness ?? new HealthChecks();
  const readiness = options.readiness ?? new HealthChecks();
  const { registry } = options.metrics;
  const log = options.logger;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/metrics':
        send(res, 200, await registry.metrics(), registry.contentType);
        return;
      case '/healthz':
      case '/livez':
        await probe(res, liveness, checkTimeoutMs, path.slice(1));
        return;
      case '/readyz':
        await probe(res, readiness, checkTimeoutMs, 'readyz');
        return;
      default:
        send(res, 404, 'not found\n');
    }
  };

  const server: Server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(requestTimeoutMs, 5000),
      keepAliveTimeout: 5000,
      // How often Node looks for requests past their timeout; keep it below the timeouts.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
      maxHeaderSize: 8192,
    },
    (req, res) => {
      // Bodies are never needed here; drain them without buffering.
      req.resume();
      handle(req, res).catch((err: unknown) => {
        log?.error('obs request failed', { path: req.url, err });
        if (!res.headersSent) send(res, 500, `internal error: ${messageOf(err)}\n`);
        else res.destroy();
      });
    },
  );
  server.maxConnections = maxConnections;
  server.maxHeadersCount = 64;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.addr.port, options.addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  const addr: ListenAddr = Object.freeze({ host: info.address, port: info.port });
  log?.info('obs server listening', { addr: formatListenAddr(addr) });

  return {
    addr,
    url: `http://${formatListenAddr(addr)}`,
    liveness,
    readiness,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
