/**
 * The HTTP(S) layer: one keep-alive agent per client with the configured TLS material and
 * credentials, a deadline on every request, and a bound on every response body.
 */
import { readFileSync, statSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ErrorCode, messageOf, SwitchyardError } from '../errors/index.js';
import { type Clock, realClock } from '../reconcile/index.js';
import type { RestConfig } from './kubeconfig.js';

/** Options of `Transport`. */
export interface TransportOptions {
  /** Default deadline per request, ms (default 30 s). Streams use it until headers arrive. */
  readonly timeoutMs?: number;
  /** Largest response body accepted, bytes (default 64 MiB). */
  readonly maxResponseBytes?: number;
  readonly userAgent?: string;
  /** How long a token read from `tokenFile` is reused, ms (default 60 s, as client-go). */
  readonly tokenFileTtlMs?: number;
  /**
   * Supplies the bearer token for each request, before `config.token` and `config.tokenFile`:
   * credentials that rotate in memory (a TokenRequest token the caller renews).
   */
  readonly bearerToken?: () => string | undefined;
  readonly clock?: Clock;
}

/** One HTTP request to the API server. `path` is absolute (`/api/v1/...`). */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly accept?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A buffered response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** HTTP(S) transport bound to one `RestConfig`. */
export class Transport {
  readonly config: RestConfig;
  readonly #base: URL;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #userAgent: string;
  readonly #tokenTtl: number;
  readonly #clock: Clock;
  readonly #bearerToken: (() => string | undefined) | undefined;
  #cachedToken: { value: string; readAt: number; stamp: string | undefined } | undefined;

  constructor(config: RestConfig, options: TransportOptions = {}) {
    this.config = config;
    this.#base = new URL(config.server);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.#userAgent = options.userAgent ?? 'switchyard/0.1';
    this.#tokenTtl = options.tokenFileTtlMs ?? 60_000;
    this.#clock = options.clock ?? realClock;
    this.#bearerToken = options.bearerToken;
    this.#agent =
      this.#base.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            ...(config.ca ? { ca: config.ca } : {}),
            ...(config.cert ? { cert: config.cert } : {}),
            ...(config.key ? { key: config.key } : {}),
            ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
            rejectUnauthorized: !config.insecureSkipTlsVerify,
          })
        : new HttpAgent({ keepAlive: true });
  }

  /** Sends a request and buffers the whole (bounded) response. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? this.#timeoutMs;
    return this.#send(req, timeoutMs, async (res, fail) => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.#maxBytes) {
          res.destroy();
          return fail(
            new SwitchyardError(
              ErrorCode.Api,
              `${req.method} ${req.path}: response larger than ${this.#maxBytes} bytes; narrow the request or page it`,
            ),
          );
        }
        chunks.push(chunk);
      }
      return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
    });
  }

  /**
   * Sends a request and resolves with the response as soon as its headers arrive (for watch).
   * The deadline covers only the wait for headers; the caller owns the stream afterwards.
   */
  stream(req: HttpRequest): Promise<IncomingMessage> {
    return this.#send(req, req.timeoutMs ?? this.#timeoutMs, async (res) => res, true);
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }

  /** The full URL of a path and query. */
  url(path: string, query?: URLSearchParams): URL {
    const url = new URL(this.#base.toString());
    url.pathname = this.#base.pathname.replace(/\/+$/, '') + path;
    url.search = query && query.size > 0 ? `?${query.toString()}` : '';
    return url;
  }

  #headers(req: HttpRequest): Record<string, string> {
    const headers: Record<string, string> = {
      accept: req.accept ?? 'application/json',
      'user-agent': this.#userAgent,
    };
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(req.body));
    }
    const token = this.#token();
    if (token) headers.authorization = `Bearer ${token}`;
    else if (this.config.username !== undefined && this.config.password !== undefined) {
      const basic = Buffer.from(`${this.config.username}:${this.config.password}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
    return headers;
  }

  #token(): string | undefined {
    const supplied = this.#bearerToken?.();
    if (supplied) return supplied;
    if (this.config.token) return this.config.token;
    const file = this.config.tokenFile;
    if (!file) return undefined;
    const now = this.#clock.now();
    // Re-read after the TTL, or at once when the file changed (a kubelet rotating a projected
    // token swaps a symlink, so the stat of the path shows another inode or mtime).
    const stamp = fileStamp(file);
    const cached = this.#cachedToken;
    if (cached && now - cached.readAt < this.#tokenTtl && (stamp === undefined || stamp === cached.stamp))
      return cached.value;
    try {
      this.#cachedToken = { value: readFileSync(file, 'utf8').trim(), readAt: now, stamp };
    } catch (err: unknown) {
      // keep the last good token if the file is briefly absent during rotation
      if (!this.#cachedToken) {
        throw new SwitchyardError(ErrorCode.Invalid, `tokenFile ${file}: cannot read: ${messageOf(err)}`, {
          field: 'tokenFile',
          cause: err,
        });
      }
    }
    return this.#cachedToken.value;
  }

  #send<R>(
    req: HttpRequest,
    timeoutMs: number,
    onResponse: (res: IncomingMessage, fail: (err: Error) => never) => Promise<R>,
    streaming = false,
  ): Promise<R> {
    const url = this.url(req.path, req.query);
    const what = `${req.method} ${url.pathname}${url.search}`;
    return new Promise<R>((resolvePromise, rejectPromise) => {
      if (req.signal?.aborted) {
        rejectPromise(abortError(what, req.signal.reason));
        return;
      }
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const r = send(url, { method: req.method, agent: this.#agent, headers: this.#headers(req) });
      const timer = setTimeout(() => {
        const err = new SwitchyardError(ErrorCode.Timeout, `${what}: no response within ${timeoutMs}ms`);
        r.destroy(err);
        settle(() => rejectPromise(err));
      }, timeoutMs);
      const onAbort = (): void => {
        const err = abortError(what, req.signal?.reason);
        r.destroy(err);
        settle(() => rejectPromise(err));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.on('error', (err: NodeJS.ErrnoException) =>
        settle(() => rejectPromise(transportError(what, url, err))),
      );
      r.on('response', (res) => {
        if (streaming) {
          settle(() => resolvePromise(res as R));
          return;
        }
        res.on('error', (err: NodeJS.ErrnoException) =>
          settle(() => rejectPromise(transportError(what, url, err))),
        );
        onResponse(res, (err) => {
          throw err;
        }).then(
          (value) => settle(() => resolvePromise(value)),
          (err: unknown) => settle(() => rejectPromise(err)),
        );
      });
      r.end(req.body);
    });
  }
}

function abortError(what: string, reason: unknown): SwitchyardError {
  return new SwitchyardError(ErrorCode.Timeout, `${what}: aborted`, { cause: reason });
}

function transportError(what: string, url: URL, err: NodeJS.ErrnoException): Error {
  if (err instanceof SwitchyardError) return err;
  return new SwitchyardError(ErrorCode.System, `${what}: ${err.message}`, {
    cause: err,
    ...(err.syscall ? { syscall: err.syscall } : {}),
    ...(typeof err.errno === 'number' ? { errno: Math.abs(err.errno) } : {}),
    address: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
  });
}

/** The identity and version of a file's current content (undefined when it cannot be stat'ed). */
function fileStamp(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}
