/**
 * The kubelet's authenticated HTTPS endpoint (:10250), as upstream's `pkg/kubelet/server`:
 * every request — plain or upgrade — is authenticated (client certificate or TokenReview; none
 * is a 401), authorized by SubjectAccessReview on `nodes/<name>/<subresource>` (a 403 in
 * upstream's words), then routed (`routes.ts`) and answered (`handlers.ts`). Bounded like the
 * API server: header and request time limits, a connection cap, 16 KiB of headers, no request
 * bodies; a request Node cannot parse gets a 400/408/431; any failure is answered, never thrown.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { invalid } from '../../../lib/errors/index.js';
import type { Logger } from '../../../lib/obs/index.js';
import { authorizationErrorText, forbiddenText, type KubeletUser, requestAttributes } from './attributes.js';
import { Authenticator, type ReviewClient } from './authn.js';
import { Authorizer } from './authz.js';
import { type HandlerContext, resolveUpgrade, serveRequest } from './handlers.js';
import { errorAnswer, HttpError, sendRawText, sendText } from './respond.js';
import { route, splitTarget } from './routes.js';
import type { TargetCri } from './targets.js';
import type { PortForwardHandler, RemoteCommandHandler, StatsProvider } from './types.js';

/** Bounds per client; the defaults follow the API server's (controlplane/apiserver/server.ts). */
export interface KubeletServerLimits {
  /** Headers must arrive within this (default 30 s). */
  readonly headersTimeoutMs?: number;
  /** The whole request must arrive within this (default 60 s; streams after it are not limited). */
  readonly requestTimeoutMs?: number;
  /** An idle keep-alive connection closes after this (default 65 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Open connections at most, streams included (default 256). */
  readonly maxConnections?: number;
  /** Request headers at most, bytes (default 16 KiB; 431 beyond). */
  readonly maxHeaderBytes?: number;
}

/** How long review answers are reused (defaults: upstream's kubelet webhook caches). */
export interface KubeletAuthCacheOptions {
  readonly tokenTtlMs?: number;
  readonly allowedTtlMs?: number;
  readonly deniedTtlMs?: number;
}

/** Options of `startKubeletServer`. */
export interface KubeletServerOptions {
  /** The Node this kubelet is: the name in every SubjectAccessReview. */
  readonly nodeName: string;
  /** Listen address. */
  readonly host: string;
  /** Listen port (10250; 0 picks a free one). */
  readonly port: number;
  /** The serving certificate and key, PEM. */
  readonly tls: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** CA bundle for client certificates, PEM; without it only bearer tokens authenticate. */
  readonly clientCA?: string | Buffer;
  /** The API client the kubelet runs as (TokenReview, SubjectAccessReview). */
  readonly client: ReviewClient;
  /** The runtime (a lib/cri CriClient). */
  readonly cri: TargetCri;
  /** Where pod logs live (`--pod-logs-dir`); log files elsewhere are refused. */
  readonly podLogsDir: string;
  readonly logger: Logger;
  readonly remoteCommand: RemoteCommandHandler;
  readonly portForward: PortForwardHandler;
  readonly stats: StatsProvider;
  /**
   * The PodList of `GET /pods` (upstream serves its pod manager's pods: those bound to this
   * node, as the informer has them); without it `/pods` is 404.
   */
  readonly pods?: () => Promise<unknown>;
  readonly limits?: KubeletServerLimits;
  readonly authCache?: KubeletAuthCacheOptions;
  /** The clock, ms (default Date.now): `sinceSeconds`, the review caches. */
  readonly now?: () => number;
  /** How often a `follow` re-checks its container while the log is quiet (default 1 s). */
  readonly logRecheckMs?: number;
}

/** A running kubelet endpoint. */
export interface KubeletServer {
  readonly host: string;
  readonly port: number;
  /** Stops listening and ends every connection, streams included. */
  close(): Promise<void>;
}

/** A request with no body, or one that has a body the server will not read. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Checks the options that a caller could get wrong; errors name the field. */
function checkOptions(o: KubeletServerOptions): void {
  if (!o.nodeName) throw invalid('nodeName', 'must not be empty');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
    throw invalid('port', `must be 0–65535, got ${o.port}`);
  if (!o.podLogsDir) throw invalid('podLogsDir', 'must not be empty');
  for (const [field, v] of Object.entries(o.limits ?? {}))
    if (v !== undefined && !(Number.isInteger(v) && v > 0))
      throw invalid(`limits.${field}`, `must be a positive integer, got ${v}`);
}

/** Starts the endpoint; resolves once it listens. */
export async function startKubeletServer(options: KubeletServerOptions): Promise<KubeletServer> {
  checkOptions(options);
  const o = options;
  const now = o.now ?? Date.now;
  const log = o.logger;
  const limits = o.limits ?? {};
  const requestTimeout = limits.requestTimeoutMs ?? 60_000;
  const cache = o.authCache ?? {};
  const authenticator = new Authenticator({
    client: o.client,
    now,
    onError: (err) => log.warn('token review failed', { err }),
    ...(cache.tokenTtlMs !== undefined ? { tokenTtlMs: cache.tokenTtlMs } : {}),
  });
  const authorizer = new Authorizer({
    client: o.client,
    now,
    ...(cache.allowedTtlMs !== undefined ? { allowedTtlMs: cache.allowedTtlMs } : {}),
    ...(cache.deniedTtlMs !== undefined ? { deniedTtlMs: cache.deniedTtlMs } : {}),
  });
  const context: HandlerContext = {
    cri: o.cri,
    podLogsDir: o.podLogsDir,
    remoteCommand: o.remoteCommand,
    portForward: o.portForward,
    stats: o.stats,
    pods: o.pods,
    now,
    logRecheckMs: o.logRecheckMs ?? 1000,
  };

  /** Authenticates and authorizes; the user, or the HttpError to answer with. */
  const admit = async (req: IncomingMessage): Promise<KubeletUser> => {
    let user: KubeletUser | undefined;
    try {
      user = await authenticator.authenticate(req);
    } catch (err: unknown) {
      log.warn('authentication failed', { err });
    }
    if (!user) throw new HttpError(401, 'Unauthorized');
    const { path } = splitTarget(req.url ?? '/');
    const attrs = requestAttributes(req.method ?? '', path, o.nodeName);
    let allowed: boolean;
    try {
      allowed = (await authorizer.authorize(user, attrs)).allowed;
    } catch (err: unknown) {
      log.warn('authorization failed', { err, user: user.name, path: attrs.path });
      throw new HttpError(500, authorizationErrorText(user, attrs));
    }
    if (!allowed) throw new HttpError(403, forbiddenText(user, attrs));
    return user;
  };

  const logFailure = (req: IncomingMessage, status: number, text: string): void => {
    if (status >= 500) log.warn('request failed', { method: req.method, path: req.url, status, text });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    res.on('error', () => undefined);
    // Nothing here takes a body; one sent anyway is not read, and the connection closes after.
    if (hasBody(req)) res.shouldKeepAlive = false;
    req.resume();
    const run = async (): Promise<void> => {
      await admit(req);
      await serveRequest(context, route(req.method ?? '', req.url ?? '/'), res);
    };
    run().catch((err: unknown) => {
      const { status, text } = errorAnswer(err);
      logFailure(req, status, text);
      sendText(res, status, text);
    });
  };

  const upgraded = new Set<Duplex>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const run = async (): Promise<void> => {
      await admit(req);
      const { path } = splitTarget(req.url ?? '/');
      const start = await resolveUpgrade(context, route(req.method ?? '', req.url ?? '/'), path);
      // From here the bridge owns the socket: it answers the handshake or an error itself.
      await start(req, socket, head).catch((err: unknown) => {
        log.warn('stream failed', { path, err });
        socket.destroy();
      });
    };
    run().catch((err: unknown) => {
      const { status, text } = errorAnswer(err);
      logFailure(req, status, text);
      sendRawText(socket, status, text);
    });
  };

  const server: Server = createServer({
    cert: o.tls.cert,
    key: o.tls.key,
    ...(o.clientCA !== undefined ? { ca: o.clientCA, requestCert: true } : { requestCert: false }),
    // Certificates are optional (tokens also work); an unverified one is ignored (authn.ts).
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    handshakeTimeout: 10_000,
    // Node requires headersTimeout ≤ requestTimeout.
    headersTimeout: Math.min(limits.headersTimeoutMs ?? 30_000, requestTimeout),
    requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeoutMs ?? 65_000,
    connectionsCheckingInterval: 5_000,
    maxHeaderSize: limits.maxHeaderBytes ?? 16 * 1024,
  });
  server.maxConnections = limits.maxConnections ?? 256;
  server.maxHeadersCount = 100;
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
    else sendRawText(socket, status, STATUS_CODES[status] ?? 'Bad Request');
  });
  server.on('tlsClientError', () => undefined);
  // CONNECT never reaches the request listener.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => undefined);
    sendRawText(socket, 405, 'method not allowed');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('kubelet server error', { err }));
  const address = server.address() as AddressInfo;
  log.info('kubelet server listening', { host: address.address, port: address.port });
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
      }),
  };
}
