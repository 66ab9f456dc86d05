/**
 * The typed REST client. `KubeClient` owns the transport; `client.resource(desc)` gives a
 * `ResourceClient<T>` whose verbs follow the API conventions: GET/LIST with selectors and
 * paging, POST, PUT with optimistic concurrency, the four PATCH content types, DELETE with
 * options, the status subresource, arbitrary subresources, and WATCH.
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/index.js';
import { ErrorCode, invalid, SwitchyardError } from '../errors/index.js';
import { type Clock, realClock } from '../reconcile/index.js';
import { ApiError, statusFromResponse } from './errors.js';
import type { RestConfig } from './kubeconfig.js';
import { apiVersionOf, type ResourceDescriptor, resourcePath } from './resource.js';
import { type HttpRequest, Transport, type TransportOptions } from './transport.js';
import { readWatchStream } from './watch.js';

/** Per-call options every verb accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Options naming one object. */
export interface ObjectOptions extends CallOptions {
  /** Defaults to the object's namespace, then the configured namespace. */
  readonly namespace?: string;
}

/** Selector options shared by list and watch. */
export interface SelectorOptions {
  /** Namespace to list; undefined → all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Options of `list`. */
export interface ListOptions extends CallOptions, SelectorOptions {
  readonly limit?: number;
  readonly continue?: string;
  /** `''` (most recent, quorum read), `'0'` (any), or a version. */
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

/** Options of `watch`. */
export interface WatchOptions extends SelectorOptions {
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  /** Server-side stream lifetime. */
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
  /** Deadline for the response headers, ms. */
  readonly timeoutMs?: number;
}

/** Options of writes (create, update, patch). */
export interface WriteOptions extends ObjectOptions {
  readonly fieldManager?: string;
  readonly fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  readonly dryRun?: boolean;
}

/** Patch content types (API conventions, "Patch operations"). */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json', // RFC 7386
  json: 'application/json-patch+json', // RFC 6902
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml', // server-side apply; JSON is valid YAML
};

/** Options of `patch`. */
export interface PatchOptions extends WriteOptions {
  readonly type: PatchType;
  /** Server-side apply: take ownership of conflicting fields. */
  readonly force?: boolean;
}

/** Options of `delete`. */
export interface DeleteOptions extends ObjectOptions {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion (409 otherwise). */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

/** Options of `KubeClient`. */
export interface KubeClientOptions extends TransportOptions {
  readonly config: RestConfig;
  /**
   * Retries of a request answered 429 or 5xx with a `Retry-After` header (API priority and
   * fairness asks clients to come back later), as client-go does. Default 3; 0 disables.
   */
  readonly maxRetries?: number;
  /** Upper bound of one `Retry-After` wait, ms (default 10 s). */
  readonly maxRetryDelayMs?: number;
}

/** A client for one API server. */
export class KubeClient {
  readonly transport: Transport;
  readonly namespace: string;
  readonly #maxRetries: number;
  readonly #maxRetryDelayMs: number;
  readonly #clock: Clock;

  constructor(options: KubeClientOptions) {
    this.transport = new Transport(options.config, options);
    this.namespace = options.config.namespace;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
    this.#clock = options.clock ?? realClock;
  }

  /** Typed verbs for one resource type. */
  resource<T extends KubeObject>(descriptor: ResourceDescriptor<T>): ResourceClient<T> {
    return new ResourceClient<T>(this, descriptor);
  }

  /**
   * Sends a request and decodes a JSON answer; a non-2xx answer throws `ApiError`.
   * Exposed for non-resource paths (`/version`, discovery).
   */
  async requestJson<R>(req: HttpRequest): Promise<R> {
    let res = await this.transport.request(req);
    for (let attempt = 0; attempt < this.#maxRetries; attempt++) {
      const wait = retryAfterMs(res.status, res.headers['retry-after']);
      if (wait === undefined) break;
      await sleep(this.#clock, Math.min(wait, this.#maxRetryDelayMs), req.signal);
      res = await this.transport.request(req);
    }
    if (res.status < 200 || res.status > 299) {
      throw new ApiError({
        status: statusFromResponse(res.status, res.body),
        method: req.method,
        path: req.path,
      });
    }
    if (res.body.length === 0) return undefined as R;
    try {
      return JSON.parse(res.body.toString('utf8')) as R;
    } catch (err: unknown) {
      throw new ApiError({
        status: statusFromResponse(500, `response to ${req.method} ${req.path} is not JSON`),
        method: req.method,
        path: req.path,
        cause: err,
      });
    }
  }

  /** Releases keep-alive sockets. */
  close(): void {
    this.transport.close();
  }
}

/** Typed verbs on one resource type. */
export class ResourceClient<T extends KubeObject> {
  readonly #c: KubeClient;
  readonly descriptor: ResourceDescriptor<T>;

  constructor(client: KubeClient, descriptor: ResourceDescriptor<T>) {
    this.#c = client;
    this.descriptor = descriptor;
  }

  /** GET one object. */
  get(name: string, options: ObjectOptions = {}): Promise<T> {
    return this.#call('GET', { name, namespace: this.#ns(options.namespace) }, options);
  }

  /** LIST one page. Follow `metadata.continue` for the rest, or use `listAll`. */
  list(options: ListOptions = {}): Promise<KubeList<T>> {
    const q = selectorQuery(options);
    if (options.limit !== undefined) {
      if (!Number.isInteger(options.limit) || options.limit < 1) {
        throw invalid('limit', `must be a positive integer, got ${options.limit}`);
      }
      q.set('limit', String(options.limit));
    }
    if (options.continue) q.set('continue', options.continue);
    if (options.resourceVersion !== undefined) q.set('resourceVersion', options.resourceVersion);
    if (options.resourceVersionMatch) {
      if (options.resourceVersion === undefined) {
        throw invalid('resourceVersionMatch', 'needs resourceVersion to be set');
      }
      q.set('resourceVersionMatch', options.resourceVersionMatch);
    }
    return this.#call('GET', { namespace: options.namespace }, options, { query: q });
  }

  /**
   * LIST every page (`pageSize` per request, default 500) into one list whose
   * `resourceVersion` is the snapshot the first page was served from.
   */
  async listAll(
    options: Omit<ListOptions, 'limit' | 'continue'> & { pageSize?: number } = {},
  ): Promise<KubeList<T>> {
    const { pageSize = 500, ...rest } = options;
    const first = await this.list({ ...rest, limit: pageSize });
    const items = [...first.items];
    let token = first.metadata.continue;
    while (token) {
      // continue tokens carry the snapshot, so the version options must not be repeated
      const { resourceVersion: _rv, resourceVersionMatch: _m, ...base } = rest;
      const page = await this.list({ ...base, limit: pageSize, continue: token });
      items.push(...page.items);
      token = page.metadata.continue;
    }
    const { continue: _c, remainingItemCount: _r, ...meta } = first.metadata;
    return { ...first, metadata: meta, items };
  }

  /** POST a new object. */
  create(obj: T, options: WriteOptions = {}): Promise<T> {
    const namespace = this.#ns(options.namespace ?? obj.metadata.namespace);
    return this.#call('POST', { namespace }, options, {
      body: this.#withType(obj),
      query: writeQuery(options),
    });
  }

  /**
   * PUT the whole object. `metadata.resourceVersion` is the optimistic-concurrency
   * precondition: a stale one fails with 409 Conflict (`isConflict`).
   */
  update(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.#put(obj, undefined, options);
  }

  /** PATCH one object with the given content type. */
  patch(name: string, patch: unknown, options: PatchOptions): Promise<T> {
    return this.#patch(name, undefined, patch, options);
  }

  /** DELETE one object. Returns the object (graceful/finalizers) or a success Status. */
  delete(name: string, options: DeleteOptions = {}): Promise<T | Status> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) {
      if (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0) {
        throw invalid(
          'gracePeriodSeconds',
          `must be a non-negative integer, got ${options.gracePeriodSeconds}`,
        );
      }
      body.gracePeriodSeconds = options.gracePeriodSeconds;
    }
    if (options.preconditions) body.preconditions = options.preconditions;
    if (options.dryRun) body.dryRun = ['All'];
    return this.#call('DELETE', { name, namespace: this.#ns(options.namespace) }, options, { body });
  }

  /**
   * DELETE the collection (deletecollection): every object the selectors match, in
   * `options.namespace` (or the configured namespace); answers with what was deleted.
   */
  deleteCollection(options: DeleteOptions & Omit<SelectorOptions, 'namespace'> = {}): Promise<KubeList<T>> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.dryRun) body.dryRun = ['All'];
    return this.#call('DELETE', { namespace: this.#ns(options.namespace) }, options, {
      body,
      query: selectorQuery(options),
    });
  }

  /** GET the status subresource. */
  getStatus(name: string, options: ObjectOptions = {}): Promise<T> {
    return this.#call(
      'GET',
      { name, namespace: this.#ns(options.namespace), subresource: 'status' },
      options,
    );
  }

  /** PUT the status subresource (only `status` changes; optimistic concurrency applies). */
  updateStatus(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.#put(obj, 'status', options);
  }

  /** PATCH the status subresource. */
  patchStatus(name: string, patch: unknown, options: PatchOptions): Promise<T> {
    return this.#patch(name, 'status', patch, options);
  }

  /** PUT to a subresource other than status, e.g. a namespace's `finalize`. */
  updateSubresource(obj: T, subresource: string, options: WriteOptions = {}): Promise<T> {
    return this.#put(obj, subresource, options);
  }

  /** POST to a subresource, e.g. `binding` (pods) or `eviction` (pods). */
  createSubresource<R = unknown>(
    name: string,
    subresource: string,
    body: unknown,
    options: WriteOptions = {},
  ): Promise<R> {
    return this.#call<R>('POST', { name, namespace: this.#ns(options.namespace), subresource }, options, {
      body,
      query: writeQuery(options),
    });
  }

  /**
   * WATCH: resolves once the server accepted the watch (headers received; an HTTP error
   * throws `ApiError`, e.g. 410), then yields events until the server ends the stream or
   * `signal` aborts. In-stream `ERROR` events are yielded as they are.
   */
  async watch(options: WatchOptions = {}): Promise<AsyncGenerator<WatchEvent<T>, void, undefined>> {
    const q = selectorQuery(options);
    q.set('watch', 'true');
    if (options.resourceVersion !== undefined) q.set('resourceVersion', options.resourceVersion);
    if (options.allowWatchBookmarks) q.set('allowWatchBookmarks', 'true');
    if (options.timeoutSeconds !== undefined)
      q.set('timeoutSeconds', String(Math.floor(options.timeoutSeconds)));
    const path = resourcePath(this.descriptor, { namespace: options.namespace });
    const res = await this.#c.transport.stream({
      method: 'GET',
      path,
      query: q,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > 1024 * 1024) break; // an error Status is small; do not buffer a runaway body
        chunks.push(chunk);
      }
      res.destroy();
      throw new ApiError({
        status: statusFromResponse(res.statusCode ?? 0, Buffer.concat(chunks)),
        method: 'GET',
        path: `${path}?${q.toString()}`,
      });
    }
    return readWatchStream<T>(res, { signal: options.signal });
  }

  #ns(namespace: string | undefined): string | undefined {
    if (!this.descriptor.namespaced) return undefined;
    return namespace ?? this.#c.namespace;
  }

  #withType(obj: T): T {
    return {
      ...obj,
      apiVersion: obj.apiVersion ?? apiVersionOf(this.descriptor),
      kind: obj.kind ?? this.descriptor.kind,
    };
  }

  #put(obj: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = obj.metadata.name;
    if (!name) throw invalid('metadata.name', 'required for update');
    const namespace = this.#ns(options.namespace ?? obj.metadata.namespace);
    return this.#call('PUT', { name, namespace, subresource }, options, {
      body: this.#withType(obj),
      query: writeQuery(options),
    });
  }

  #patch(name: string, subresource: string | undefined, patch: unknown, options: PatchOptions): Promise<T> {
    const contentType = PATCH_CONTENT_TYPES[options.type];
    if (contentType === undefined) {
      throw invalid('type', `must be one of merge, json, strategic, apply; got "${String(options.type)}"`);
    }
    if (options.type === 'json' && !Array.isArray(patch))
      throw invalid('patch', 'a JSON patch must be an array of operations');
    if (options.type === 'apply' && !options.fieldManager)
      throw invalid('fieldManager', 'required for server-side apply');
    const q = writeQuery(options);
    if (options.force !== undefined) {
      if (options.type !== 'apply') throw invalid('force', 'only valid with server-side apply');
      q.set('force', String(options.force));
    }
    return this.#call('PATCH', { name, namespace: this.#ns(options.namespace), subresource }, options, {
      body: patch,
      query: q,
      contentType,
    });
  }

  #call<R>(
    method: string,
    target: { name?: string; namespace?: string | undefined; subresource?: string | undefined },
    options: CallOptions,
    extra: { body?: unknown; query?: URLSearchParams; contentType?: string } = {},
  ): Promise<R> {
    if (target.name !== undefined && target.name === '') throw invalid('name', 'required');
    const path = resourcePath(this.descriptor, target);
    return this.#c.requestJson<R>({
      method,
      path,
      ...(extra.query ? { query: extra.query } : {}),
      ...(extra.body === undefined ? {} : { body: JSON.stringify(extra.body) }),
      ...(extra.contentType ? { contentType: extra.contentType } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }
}

/** The wait a 429/5xx answer asks for (`Retry-After` in seconds, RFC 9110 §10.2.3), if any. */
function retryAfterMs(status: number, header: string | undefined): number | undefined {
  if (status !== 429 && (status < 500 || status > 599)) return undefined;
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new SwitchyardError(ErrorCode.Timeout, 'aborted while waiting to retry'));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(new SwitchyardError(ErrorCode.Timeout, 'aborted while waiting to retry'));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function selectorQuery(options: SelectorOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (options.labelSelector) q.set('labelSelector', options.labelSelector);
  if (options.fieldSelector) q.set('fieldSelector', options.fieldSelector);
  return q;
}

function writeQuery(options: WriteOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (options.fieldManager) q.set('fieldManager', options.fieldManager);
  if (options.fieldValidation) q.set('fieldValidation', options.fieldValidation);
  if (options.dryRun) q.set('dryRun', 'All');
  return q;
}
