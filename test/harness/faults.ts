/**
 * A fault injector for client tests against the real API server: a plain-HTTP relay in front
 * of its HTTPS port that forwards every request (the client's own credentials included) and
 * can, on demand,
 * - record each request as the server received it (method, path and query, headers, body);
 * - end every open watch stream cleanly (as a server timeout or a proxy would) or cut its
 *   connection mid-stream;
 * - hold new watches until released, so a test can change things while a client is between
 *   watches;
 * - answer matching requests itself: a Status error (429/500 with `Retry-After`, 410 Expired
 *   for a watch or list exactly as kube-apiserver words it), a non-JSON page, or no answer.
 * History compaction needs no fake: `compactHistory` compacts the real store, after which a
 * watch from an older version gets the server's own in-stream ERROR 410.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request as the relay received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/v1/pods?watch=true`. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly watch: boolean;
}

/** What the relay answers instead of the server. */
export type InjectedReply =
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body: string;
    }
  /** Never answer (the client's deadline must fire). */
  | 'hang'
  /** 200 with its headers flushed, then not a byte more (a stream that ignores timeoutSeconds). */
  | 'stall';

/** One injected fault: the first `times` requests matching `match` get `reply`. */
export interface FaultRule {
  readonly match: (req: RecordedRequest) => boolean;
  readonly reply: InjectedReply;
  /** How many requests it answers (default 1). */
  readonly times?: number;
}

/** Options of `startFaultRelay`. */
export interface FaultRelayOptions {
  /** The server's base URL, `https://127.0.0.1:PORT`. */
  readonly upstream: string;
  /** The CA that signed its serving certificate. */
  readonly ca: Buffer;
}

interface OpenWatch {
  readonly res: ServerResponse;
  readonly upstream: { destroy(): void };
}

/** A running relay. */
export class FaultRelay {
  readonly #server: Server;
  readonly #upstream: URL;
  readonly #agent: Agent;
  readonly #rules: { rule: FaultRule; left: number }[] = [];
  readonly #watches = new Set<OpenWatch>();
  readonly #held: (() => void)[] = [];
  readonly #hung = new Set<ServerResponse>();
  #holding = false;
  readonly requests: RecordedRequest[] = [];
  /** `http://127.0.0.1:PORT`. */
  url = '';

  constructor(options: FaultRelayOptions) {
    this.#upstream = new URL(options.upstream);
    this.#agent = new Agent({ keepAlive: true, ca: options.ca });
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.#handle(req, res, Buffer.concat(chunks)));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Watch streams open through the relay now. */
  get activeWatches(): number {
    return this.#watches.size;
  }

  /** Watch requests waiting for `releaseWatches`. */
  get heldWatches(): number {
    return this.#held.length;
  }

  /** Adds a fault; rules are tried in the order added. */
  inject(rule: FaultRule): void {
    this.#rules.push({ rule, left: rule.times ?? 1 });
  }

  /** New watch requests wait (unforwarded) until `releaseWatches`. */
  holdWatches(): void {
    this.#holding = true;
  }

  /** Stops holding; the held watches go on (rules added meanwhile apply to them). */
  releaseWatches(): void {
    this.#holding = false;
    for (const go of this.#held.splice(0)) go();
  }

  /** Ends every open watch response cleanly; returns how many. */
  closeWatches(): number {
    const n = this.#watches.size;
    for (const w of this.#watches) {
      w.upstream.destroy();
      w.res.end();
    }
    this.#watches.clear();
    return n;
  }

  /** Destroys the connection of every open watch mid-stream; returns how many. */
  cutWatches(): number {
    const n = this.#watches.size;
    for (const w of this.#watches) {
      w.upstream.destroy();
      w.res.socket?.destroy();
    }
    this.#watches.clear();
    return n;
  }

  async close(): Promise<void> {
    this.releaseWatches();
    this.cutWatches();
    for (const res of this.#hung) res.socket?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
    this.#agent.destroy();
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = req.url ?? '/';
    const query = new URL(url, 'http://relay').searchParams;
    const watch = query.get('watch') === 'true' || query.get('watch') === '1';
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url,
      headers: req.headers,
      body: body.toString('utf8'),
      watch,
    };
    this.requests.push(recorded);
    const go = (): void => {
      if (!this.#answer(recorded, res)) this.#forward(req, res, recorded, body);
    };
    if (watch && this.#holding) this.#held.push(go);
    else go();
  }

  /** Answers `recorded` from the first matching rule; false when none matches. */
  #answer(recorded: RecordedRequest, res: ServerResponse): boolean {
    const hit = this.#rules.find((r) => r.left > 0 && r.rule.match(recorded));
    if (!hit) return false;
    hit.left -= 1;
    const reply = hit.rule.reply;
    if (reply === 'hang' || reply === 'stall') {
      this.#hung.add(res);
      res.on('close', () => this.#hung.delete(res));
      if (reply === 'stall') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
      }
      return true;
    }
    res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
    res.end(reply.body);
    return true;
  }

  #forward(req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest, body: Buffer): void {
    if (res.destroyed) return;
    const headers = { ...req.headers, host: this.#upstream.host };
    const up = httpsRequest(
      {
        protocol: this.#upstream.protocol,
        hostname: this.#upstream.hostname,
        port: this.#upstream.port,
        method: recorded.method,
        path: recorded.url,
        headers,
        agent: this.#agent,
      },
      (upRes) => {
        const { 'transfer-encoding': _te, connection: _c, ...rest } = upRes.headers;
        res.writeHead(upRes.statusCode ?? 502, rest);
        if (!recorded.watch) {
          upRes.pipe(res);
          return;
        }
        res.flushHeaders();
        const open: OpenWatch = { res, upstream: up };
        this.#watches.add(open);
        const done = (): void => {
          this.#watches.delete(open);
        };
        upRes.on('data', (c: Buffer) => {
          if (this.#watches.has(open)) res.write(c);
        });
        upRes.on('end', () => {
          if (this.#watches.has(open)) res.end();
          done();
        });
        upRes.on('error', done);
        res.on('close', () => {
          done();
          up.destroy();
        });
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.socket?.destroy();
    });
    up.end(body);
  }
}

/** Starts a relay on 127.0.0.1, port 0. */
export async function startFaultRelay(options: FaultRelayOptions): Promise<FaultRelay> {
  const relay = new FaultRelay(options);
  await relay.listen();
  return relay;
}

/** kube-apiserver's reason for an HTTP status (StatusReason). */
const REASONS: Readonly<Record<number, string>> = {
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** A `Status` reply as kube-apiserver writes it; `retryAfterSeconds` sets `Retry-After` and details. */
export function statusReply(
  code: number,
  message: string,
  options: { readonly reason?: string; readonly retryAfterSeconds?: number } = {},
): InjectedReply {
  const retry = options.retryAfterSeconds;
  return {
    status: code,
    headers: retry === undefined ? {} : { 'Retry-After': String(retry) },
    body: JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: options.reason ?? REASONS[code] ?? '',
      ...(retry === undefined ? {} : { details: { retryAfterSeconds: retry } }),
      code,
    }),
  };
}

/** The 410 a watch or list from a compacted version gets (etcd3 store's wording). */
export function goneReply(requested: string, compacted: string): InjectedReply {
  return statusReply(410, `too old resource version: ${requested} (${compacted})`);
}

/** Compacts the real store's history up to its current revision; returns that revision. */
export async function compactHistory(store: {
  revision(): Promise<number>;
  compact(revision: number): Promise<void>;
}): Promise<number> {
  const rev = await store.revision();
  await store.compact(rev);
  return rev;
}

/** True for a watch request (a matcher for `FaultRule`). */
export const isWatch = (req: RecordedRequest): boolean => req.watch;

/** A matcher for requests whose path (without the query) is `path`. */
export const pathIs =
  (path: string) =>
  (req: RecordedRequest): boolean =>
    req.url.split('?')[0] === path;
