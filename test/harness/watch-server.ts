/**
 * A small Kubernetes-shaped API server for tests of clients and informers, faithful to the
 * list/watch rules of the real apiserver (API conventions; controlplane notes §1.6):
 * - one global, monotonically increasing resourceVersion (like etcd's revision);
 * - a list answers with the current resourceVersion (or a snapshot: `resourceVersionMatch=Exact`,
 *   `continue` paging over a fixed snapshot, sorted by key);
 * - a watch from version N replays every later event from a bounded history, then streams;
 *   N older than the history → an in-stream ERROR event carrying Status 410 Expired on an
 *   HTTP 200 response; a watch without a version (or "0") starts with ADDED for every object;
 * - label/field selectors on list and watch, with watch transitions (an object that stops
 *   matching is sent as DELETED, one that starts matching as ADDED);
 * - BOOKMARK events when `allowWatchBookmarks=true` (on an interval and on demand);
 * - `timeoutSeconds` ends the stream; response headers are flushed at once;
 * - POST/PUT/PATCH(merge)/DELETE with the apiserver's Status errors (404, 409 AlreadyExists,
 *   409 Conflict on a stale resourceVersion, 422, 415) and the status subresource.
 * Test hooks: write directly, compact the history, close every stream, send bookmarks, and
 * inspect the recorded requests and the event history.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject, Selector, Status } from '../../lib/api/index.js';
import { matchSelector, objectKey, parseSelector } from '../../lib/api/index.js';

/** A resource type the server serves. */
export interface WatchServerResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Options of `startWatchServer`. */
export interface WatchServerOptions {
  readonly resources: readonly WatchServerResource[];
  /** Events kept for watch replay (default 1000); older versions answer 410. */
  readonly historyLimit?: number;
  /** Bookmark period for watches that allow them, ms (0 = only on `sendBookmarks`). */
  readonly bookmarkIntervalMs?: number;
  /**
   * How a watch from an expired version is answered: `event` (default, the apiserver's watch
   * cache: HTTP 200 + ERROR event) or `http` (an HTTP 410 Status, as proxies and etcd-direct
   * watches may answer). Clients must handle both.
   */
  readonly expiredWatch?: 'event' | 'http';
}

/** One request as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, as kept in the history. */
export interface HistoryEvent {
  readonly rv: number;
  readonly resource: string;
  readonly type: EventType;
  readonly key: string;
  readonly obj: KubeObject;
  readonly prev: KubeObject | undefined;
}

interface Watcher {
  readonly resource: string;
  readonly filter: (obj: KubeObject) => boolean;
  readonly res: ServerResponse;
  readonly bookmarks: boolean;
  readonly timers: NodeJS.Timeout[];
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Target = { r: WatchServerResource; namespace?: string | undefined; name?: string; sub?: string };

/** A running test server. */
export class WatchServer {
  readonly #server: Server;
  readonly #resources: readonly WatchServerResource[];
  readonly #historyLimit: number;
  readonly #bookmarkMs: number;
  readonly #expiredWatch: 'event' | 'http';
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  #log: HistoryEvent[] = [];
  #compactedRv = 0;
  #rv = 0;
  readonly #watchers = new Set<Watcher>();
  readonly requests: RecordedRequest[] = [];
  /** Base URL, `http://127.0.0.1:<port>`. */
  url = '';

  constructor(options: WatchServerOptions) {
    this.#resources = options.resources;
    this.#historyLimit = options.historyLimit ?? 1000;
    this.#bookmarkMs = options.bookmarkIntervalMs ?? 0;
    this.#expiredWatch = options.expiredWatch ?? 'event';
    for (const r of options.resources) this.#objects.set(r.plural, new Map());
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        this.#handle(req, res, body);
      });
    });
  }

  /** Listens on 127.0.0.1, port 0. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Ends every stream and stops the server. */
  async close(): Promise<void> {
    this.closeAllStreams();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The current resourceVersion. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Watch streams open now. */
  get activeWatches(): number {
    return this.#watchers.size;
  }

  /** Every committed event, in order (also those compacted away from replay). */
  readonly fullHistory: HistoryEvent[] = [];

  /** Ends every open watch stream cleanly (like an apiserver restart or a proxy timeout). */
  closeAllStreams(): number {
    const open = [...this.#watchers];
    for (const w of open) this.#endWatch(w);
    return open.length;
  }

  /** Cuts every watch connection without a clean end (a crash or a network failure). */
  destroyAllStreams(): number {
    const open = [...this.#watchers];
    for (const w of open) {
      this.#watchers.delete(w);
      for (const t of w.timers) clearTimeout(t);
      w.res.destroy();
    }
    return open.length;
  }

  /** Drops the whole replay history: a watch from any older version now gets 410 Expired. */
  compact(): void {
    this.#log = [];
    this.#compactedRv = this.#rv;
  }

  /** Sends a BOOKMARK at the current version on every stream that allows bookmarks. */
  sendBookmarks(): void {
    for (const w of this.#watchers) if (w.bookmarks) this.#bookmark(w);
  }

  /** Creates an object directly (as if another client did); returns the stored object. */
  create<O extends KubeObject>(plural: string, obj: O): O {
    return this.#expectOk<O>(this.#create(this.#resource(plural), obj.metadata.namespace, obj));
  }

  /** Replaces an object directly; an unset resourceVersion skips the precondition. */
  update<O extends KubeObject>(plural: string, obj: O): O {
    const r = this.#resource(plural);
    return this.#expectOk<O>(
      this.#update({ r, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }, obj),
    );
  }

  /** Deletes an object directly. */
  remove(plural: string, namespace: string | undefined, name: string): KubeObject {
    return this.#expectOk(this.#delete({ r: this.#resource(plural), namespace, name }, {}));
  }

  /** The stored object, or undefined. */
  get<O extends KubeObject = KubeObject>(
    plural: string,
    namespace: string | undefined,
    name: string,
  ): O | undefined {
    return this.#objects.get(plural)?.get(objectKey(namespace, name)) as O | undefined;
  }

  #resource(plural: string): WatchServerResource {
    const r = this.#resources.find((x) => x.plural === plural);
    if (!r) throw new Error(`watch-server: unknown resource ${plural}`);
    return r;
  }

  #expectOk<O extends KubeObject = KubeObject>(reply: Reply): O {
    if (reply.status >= 300) throw new Error(`watch-server: ${JSON.stringify(reply.body)}`);
    return reply.body as O;
  }

  // ---- HTTP routing ---------------------------------------------------------------------

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    let reply: Reply | undefined;
    try {
      reply = this.#dispatch(req, res, body);
    } catch (err: unknown) {
      if (!(err instanceof ReplyError)) throw err;
      reply = err.reply;
    }
    if (reply !== undefined) send(res, reply);
  }

  /** Serves one request; undefined means the response was taken over (a watch). */
  #dispatch(req: IncomingMessage, res: ServerResponse, body: string): Reply | undefined {
    const url = new URL(req.url ?? '/', 'http://x');
    const target = this.#route(url.pathname);
    const missing = statusReply(404, 'NotFound', 'the server could not find the requested resource');
    if (!target || (target.sub !== undefined && target.sub !== 'status')) return missing;
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (method === 'GET' && target.name === undefined) {
      if (q.get('watch') === 'true' || q.get('watch') === '1') {
        this.#watch(target, q, res);
        return undefined;
      }
      return this.#list(target, q);
    }
    if (method === 'GET') return this.#get(target);
    if (method === 'POST' && target.name === undefined) {
      return this.#create(target.r, target.namespace, parseBody(body));
    }
    if (method === 'PUT' && target.name !== undefined) return this.#update(target, parseBody(body));
    if (method === 'PATCH' && target.name !== undefined) {
      return this.#patch(target, req.headers['content-type'] ?? '', body);
    }
    if (method === 'DELETE' && target.name !== undefined) {
      return this.#delete(target, body ? (parseBody(body) as Record<string, unknown>) : {});
    }
    return statusReply(405, 'MethodNotAllowed', `${method} is not supported here`);
  }

  #route(pathname: string): Target | undefined {
    const segs = pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    let group = '';
    let version: string | undefined;
    let rest: string[];
    if (segs[0] === 'api') {
      version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === 'apis') {
      group = segs[1] ?? '';
      version = segs[2];
      rest = segs.slice(3);
    } else {
      return undefined;
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const r = this.#resources.find(
        (x) => x.group === group && x.version === version && x.plural === rest[2],
      );
      if (r?.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const r = this.#resources.find((x) => x.group === group && x.version === version && x.plural === rest[0]);
    if (!r || rest.length > 3) return undefined;
    return {
      r,
      ...(namespace === undefined ? {} : { namespace }),
      ...(rest[1] === undefined ? {} : { name: rest[1] }),
      ...(rest[2] === undefined ? {} : { sub: rest[2] }),
    };
  }

  // ---- reads ----------------------------------------------------------------------------

  #get(t: Target): Reply {
    const obj = this.#objects.get(t.r.plural)!.get(objectKey(t.namespace, t.name!));
    if (!obj) throw new ReplyError(notFoundReply(t.r, t.name!));
    return { status: 200, body: this.#typed(t.r, obj) };
  }

  /** The objects of a resource as they were at `rv` (undoing later events). */
  #snapshot(resource: string, rv: number): Map<string, KubeObject> {
    if (rv < this.#compactedRv) {
      throw new ReplyError(
        statusReply(410, 'Expired', `too old resource version: ${rv} (${this.#compactedRv})`),
      );
    }
    const state = new Map(this.#objects.get(resource)!);
    for (let i = this.#log.length - 1; i >= 0; i--) {
      const ev = this.#log[i]!;
      if (ev.rv <= rv) break;
      if (ev.resource !== resource) continue;
      if (ev.prev === undefined) state.delete(ev.key);
      else state.set(ev.key, ev.prev);
    }
    return state;
  }

  #list(t: Target, q: URLSearchParams): Reply {
    const filter = this.#filter(t, q);
    const limit = q.has('limit') ? Number(q.get('limit')) : 0;
    const token = q.get('continue');
    let rv = this.#rv;
    let after = '';
    if (token) {
      let decoded: { rv?: unknown; start?: unknown };
      try {
        decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof decoded;
      } catch {
        throw new ReplyError(statusReply(400, 'BadRequest', 'continue key is not valid'));
      }
      if (typeof decoded.rv !== 'number' || typeof decoded.start !== 'string') {
        throw new ReplyError(statusReply(400, 'BadRequest', 'continue key is not valid'));
      }
      if (decoded.rv < this.#compactedRv) {
        throw new ReplyError(
          statusReply(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          ),
        );
      }
      rv = decoded.rv;
      after = decoded.start;
    } else if (q.get('resourceVersionMatch') === 'Exact') {
      rv = Number(q.get('resourceVersion'));
      if (!Number.isInteger(rv) || rv < 0)
        throw new ReplyError(statusReply(400, 'BadRequest', 'invalid resourceVersion'));
    }
    const state = rv === this.#rv ? this.#objects.get(t.r.plural)! : this.#snapshot(t.r.plural, rv);
    const all = [...state.entries()]
      .filter(([key, obj]) => key > after && filter(obj))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const page = limit > 0 ? all.slice(0, limit) : all;
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (page.length < all.length) {
      const last = page[page.length - 1]![0];
      metadata.continue = Buffer.from(JSON.stringify({ rv, start: last })).toString('base64url');
      metadata.remainingItemCount = all.length - page.length;
    }
    return {
      status: 200,
      body: {
        kind: `${t.r.kind}List`,
        apiVersion: apiVersion(t.r),
        metadata,
        // list items carry no kind/apiVersion on the wire, like the real apiserver's typed lists
        items: page.map(([, obj]) => obj),
      },
    };
  }

  #filter(t: Target, q: URLSearchParams): (obj: KubeObject) => boolean {
    let labels: Selector = [];
    try {
      labels = parseSelector(q.get('labelSelector') ?? '');
    } catch (err: unknown) {
      throw new ReplyError(
        statusReply(400, 'BadRequest', `unable to parse requirement: ${(err as Error).message}`),
      );
    }
    const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
    const ns = t.namespace;
    return (obj) =>
      (ns === undefined || obj.metadata.namespace === ns) &&
      matchSelector(labels, obj.metadata.labels) &&
      fields.every((f) => (fieldValue(obj, f.path) === f.value) === f.equal);
  }

  #watch(t: Target, q: URLSearchParams, res: ServerResponse): void {
    const filter = this.#filter(t, q);
    const asked = Number(q.get('resourceVersion') ?? '');
    if (this.#expiredWatch === 'http' && asked > 0 && asked < this.#compactedRv) {
      throw new ReplyError(
        statusReply(410, 'Gone', `too old resource version: ${asked} (${this.#compactedRv})`),
      );
    }
    // Headers go out at once, before any event (controlplane notes §0.6: kubectl wait hangs otherwise).
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    const w: Watcher = {
      resource: t.r.plural,
      filter,
      res,
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      timers: [],
    };
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam === '' || rvParam === '0') {
      for (const obj of [...this.#objects.get(t.r.plural)!.values()].filter(filter)) {
        writeEvent(res, { type: 'ADDED', object: this.#typed(t.r, obj) });
      }
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from) || from < 0) {
        writeEvent(res, {
          type: 'ERROR',
          object: statusReply(400, 'BadRequest', `invalid resourceVersion "${rvParam}"`).body,
        });
        res.end();
        return;
      }
      if (from < this.#compactedRv) {
        // The real apiserver reports this in-stream on an HTTP 200 (watch cache "too old resource version").
        writeEvent(res, {
          type: 'ERROR',
          object: statusReply(410, 'Expired', `too old resource version: ${from} (${this.#compactedRv})`)
            .body,
        });
        res.end();
        return;
      }
      for (const ev of this.#log) if (ev.rv > from && ev.resource === t.r.plural) this.#deliver(w, ev);
    }
    this.#watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    if (timeout > 0) w.timers.push(setTimeout(() => this.#endWatch(w), timeout * 1000));
    if (w.bookmarks && this.#bookmarkMs > 0)
      w.timers.push(setInterval(() => this.#bookmark(w), this.#bookmarkMs));
    res.on('close', () => this.#endWatch(w));
  }

  #endWatch(w: Watcher): void {
    if (!this.#watchers.delete(w)) return;
    for (const t of w.timers) clearTimeout(t);
    w.res.end();
  }

  #bookmark(w: Watcher): void {
    const r = this.#resource(w.resource);
    writeEvent(w.res, {
      type: 'BOOKMARK',
      object: { kind: r.kind, apiVersion: apiVersion(r), metadata: { resourceVersion: String(this.#rv) } },
    });
  }

  /** Sends one history event to one watcher, applying selector transitions. */
  #deliver(w: Watcher, ev: HistoryEvent): void {
    const r = this.#resource(ev.resource);
    const now = w.filter(ev.obj);
    const before = ev.prev !== undefined && w.filter(ev.prev);
    let type: EventType | undefined;
    let obj = ev.obj;
    if (ev.type === 'DELETED') type = now ? 'DELETED' : undefined;
    else if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) {
      type = 'DELETED';
      obj = { ...ev.prev!, metadata: { ...ev.prev!.metadata, resourceVersion: String(ev.rv) } };
    }
    if (type) writeEvent(w.res, { type, object: this.#typed(r, obj) });
  }

  // ---- writes ---------------------------------------------------------------------------

  #commit(
    r: WatchServerResource,
    type: EventType,
    key: string,
    obj: KubeObject,
    prev: KubeObject | undefined,
  ): void {
    const store = this.#objects.get(r.plural)!;
    if (type === 'DELETED') store.delete(key);
    else store.set(key, obj);
    const ev: HistoryEvent = { rv: this.#rv, resource: r.plural, type, key, obj, prev };
    this.#log.push(ev);
    this.fullHistory.push(ev);
    while (this.#log.length > this.#historyLimit) this.#compactedRv = this.#log.shift()!.rv;
    for (const w of this.#watchers) if (w.resource === r.plural) this.#deliver(w, ev);
  }

  #create(r: WatchServerResource, pathNs: string | undefined, input: unknown): Reply {
    const obj = asObject(input);
    const meta = { ...obj.metadata };
    if (r.namespaced) {
      if (meta.namespace && pathNs && meta.namespace !== pathNs) {
        throw new ReplyError(
          statusReply(
            400,
            'BadRequest',
            'the namespace of the provided object does not match the namespace sent on the request',
          ),
        );
      }
      meta.namespace = pathNs ?? meta.namespace ?? 'default';
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName)
      meta.name = meta.generateName + randomBytes(3).toString('hex').slice(0, 5);
    if (!meta.name)
      throw new ReplyError(invalidReply(r, '', 'metadata.name', 'name or generateName is required'));
    const key = objectKey(meta.namespace, meta.name);
    if (this.#objects.get(r.plural)!.has(key)) {
      throw new ReplyError(
        statusReply(409, 'AlreadyExists', `${qualified(r)} "${meta.name}" already exists`, {
          name: meta.name,
          ...gk(r),
        }),
      );
    }
    this.#rv += 1;
    const stored: KubeObject = {
      ...stripType(obj),
      metadata: {
        ...meta,
        uid: randomUUID(),
        resourceVersion: String(this.#rv),
        generation: 1,
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    this.#commit(r, 'ADDED', key, stored, undefined);
    return { status: 201, body: this.#typed(r, stored) };
  }

  #update(t: Target, input: unknown, statusOnly = t.sub === 'status'): Reply {
    const obj = asObject(input);
    const key = objectKey(t.namespace, t.name!);
    const current = this.#objects.get(t.r.plural)!.get(key);
    if (!current) throw new ReplyError(notFoundReply(t.r, t.name!));
    if (obj.metadata.name !== undefined && obj.metadata.name !== t.name) {
      throw new ReplyError(
        statusReply(400, 'BadRequest', 'the name of the object does not match the name on the URL'),
      );
    }
    const want = obj.metadata.resourceVersion;
    if (want !== undefined && want !== '' && want !== current.metadata.resourceVersion) {
      throw new ReplyError(conflictReply(t.r, t.name!));
    }
    this.#rv += 1;
    const base = statusOnly ? { ...current, status: (obj as { status?: unknown }).status } : stripType(obj);
    const specChanged =
      !statusOnly &&
      JSON.stringify((obj as { spec?: unknown }).spec) !==
        JSON.stringify((current as { spec?: unknown }).spec);
    const stored: KubeObject = {
      ...base,
      metadata: {
        ...(statusOnly ? current.metadata : obj.metadata),
        name: current.metadata.name!,
        ...(current.metadata.namespace === undefined ? {} : { namespace: current.metadata.namespace }),
        uid: current.metadata.uid!,
        creationTimestamp: current.metadata.creationTimestamp!,
        generation: (current.metadata.generation ?? 1) + (specChanged ? 1 : 0),
        resourceVersion: String(this.#rv),
      },
    };
    this.#commit(t.r, 'MODIFIED', key, stored, current);
    return { status: 200, body: this.#typed(t.r, stored) };
  }

  #patch(t: Target, contentType: string, body: string): Reply {
    if (!contentType.startsWith('application/merge-patch+json')) {
      throw new ReplyError(
        statusReply(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`,
        ),
      );
    }
    const current = this.#objects.get(t.r.plural)!.get(objectKey(t.namespace, t.name!));
    if (!current) throw new ReplyError(notFoundReply(t.r, t.name!));
    // RFC 7386 merge; the patch's resourceVersion, if any, is a precondition.
    const merged = mergePatch(current, parseBody(body)) as KubeObject;
    if (t.sub === 'status') return this.#update(t, merged, true);
    return this.#update(t, merged, false);
  }

  #delete(t: Target, opts: Record<string, unknown>): Reply {
    const key = objectKey(t.namespace, t.name!);
    const current = this.#objects.get(t.r.plural)!.get(key);
    if (!current) throw new ReplyError(notFoundReply(t.r, t.name!));
    const pre = (opts.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
    if (pre.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw new ReplyError(
        statusReply(
          409,
          'Conflict',
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
        ),
      );
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw new ReplyError(conflictReply(t.r, t.name!));
    }
    this.#rv += 1;
    const gone: KubeObject = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(this.#rv) },
    };
    this.#commit(t.r, 'DELETED', key, gone, current);
    return { status: 200, body: this.#typed(t.r, gone) };
  }

  #typed(r: WatchServerResource, obj: KubeObject): KubeObject {
    return { apiVersion: apiVersion(r), kind: r.kind, ...stripType(obj) };
  }
}

/** Starts a server on 127.0.0.1, port 0. */
export async function startWatchServer(options: WatchServerOptions): Promise<WatchServer> {
  const s = new WatchServer(options);
  await s.listen();
  return s;
}

class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(JSON.stringify(reply.body));
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function writeEvent(res: ServerResponse, ev: { type: string; object: unknown }): void {
  res.write(`${JSON.stringify(ev)}\n`);
}

function apiVersion(r: WatchServerResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

function qualified(r: WatchServerResource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

function gk(r: WatchServerResource): { group?: string; kind: string } {
  return { ...(r.group ? { group: r.group } : {}), kind: r.plural };
}

function statusReply(
  code: number,
  reason: string,
  message: string,
  details?: Status['details'],
): Reply & { body: Status } {
  return {
    status: code,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    },
  };
}

function notFoundReply(r: WatchServerResource, name: string): Reply {
  return statusReply(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, ...gk(r) });
}

function conflictReply(r: WatchServerResource, name: string): Reply {
  return statusReply(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...gk(r) },
  );
}

function invalidReply(r: WatchServerResource, name: string, field: string, message: string): Reply {
  return statusReply(422, 'Invalid', `${r.kind} "${name}" is invalid: ${field}: Required value: ${message}`, {
    name,
    ...gk(r),
    causes: [{ reason: 'FieldValueRequired', message: `Required value: ${message}`, field }],
  });
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ReplyError(statusReply(400, 'BadRequest', 'the request body is not valid JSON'));
  }
}

function asObject(v: unknown): KubeObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ReplyError(statusReply(400, 'BadRequest', 'the request body must be a JSON object'));
  }
  const o = v as Partial<KubeObject>;
  return {
    ...o,
    metadata: typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {},
  } as KubeObject;
}

function stripType(obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function parseFieldSelector(text: string): { path: string; value: string; equal: boolean }[] {
  if (text.trim() === '') return [];
  return text.split(',').map((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw new ReplyError(statusReply(400, 'BadRequest', `invalid field selector: "${term}"`));
    return { path: m[1]!, value: m[3]!, equal: m[2] !== '!=' };
  });
}

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}
