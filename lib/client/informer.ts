/**
 * The informer: list (paged), then watch from the list's resourceVersion with bookmarks,
 * keeping an indexed cache and fanning changes out to handlers (client-go's Reflector +
 * SharedIndexInformer). Rules it keeps:
 * - a stream that ends (server `timeoutSeconds`, a proxy, a restart) is re-opened from the
 *   last resourceVersion seen, so no event is missed or repeated;
 * - BOOKMARK events only advance that resourceVersion;
 * - 410 Gone/Expired (HTTP, or an in-stream ERROR event) means the version left the server's
 *   history: relist and emit the difference against the cache, so handlers converge, with no
 *   event for unchanged objects and a delete for objects that vanished during the gap;
 * - other failures back off exponentially with jitter before retrying.
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/index.js';
import { keyOf } from '../api/index.js';
import { ErrorCode, SwitchyardError } from '../errors/index.js';
import { type Clock, realClock } from '../reconcile/index.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ApiError, isGone } from './errors.js';
import { type EventHandler, HandlerQueue, type Notification } from './handler-queue.js';
import type { ResourceClient, SelectorOptions } from './rest.js';
import { type Cache, IndexedStore, type IndexFunc } from './store.js';

/** What an informer needs from the API: list one page, open one watch. */
export interface ListerWatcher<T extends KubeObject> {
  list(options: {
    limit?: number;
    continue?: string;
    resourceVersion?: string;
    signal: AbortSignal;
  }): Promise<KubeList<T>>;
  watch(options: {
    resourceVersion: string;
    allowWatchBookmarks: boolean;
    timeoutSeconds: number;
    signal: AbortSignal;
  }): Promise<AsyncIterable<WatchEvent<T>>>;
}

/** A `ListerWatcher` over a resource client, scoped by namespace and selectors. */
export function listWatcher<T extends KubeObject>(
  client: ResourceClient<T>,
  scope: SelectorOptions = {},
): ListerWatcher<T> {
  return {
    list: ({ signal, ...o }) => client.list({ ...scope, ...o, signal }),
    watch: ({ signal, ...o }) => client.watch({ ...scope, ...o, signal }),
  };
}

/** Why the informer reported an error. */
export type InformerErrorPhase = 'list' | 'watch' | 'handler';

/** Options of `Informer`. */
export interface InformerOptions<T extends KubeObject, S> {
  readonly name?: string;
  readonly listerWatcher: ListerWatcher<T>;
  /** Converts each object at the boundary into the slim type kept in the cache (default: as is). */
  readonly transform?: (obj: T) => S;
  readonly indexers?: Readonly<Record<string, IndexFunc<S>>>;
  /** Page size of the list (default 500, like kubectl). */
  readonly pageSize?: number;
  /** Server-side watch lifetime; default 300 s × (1 + random), as client-go spreads reconnects. */
  readonly watchTimeoutSeconds?: number;
  readonly backoff?: Omit<BackoffOptions, 'random'>;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Errors the informer recovered from (it keeps running). */
  readonly onError?: (err: unknown, phase: InformerErrorPhase) => void;
}

type WatchOutcome = 'closed' | 'gone';

const WATCHDOG_GRACE_MS = 30_000;

/** A list-watch cache of one resource type with event handlers. */
export class Informer<T extends KubeObject, S = T> {
  readonly #o: InformerOptions<T, S>;
  readonly #transform: (obj: T) => S;
  readonly #store: IndexedStore<S>;
  readonly #handlers = new Set<HandlerQueue<S>>();
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  #lastRv = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #running = false;
  #stats = { lists: 0, watches: 0, events: 0, bookmarks: 0, relistsAfterGone: 0 };

  constructor(options: InformerOptions<T, S>) {
    this.#o = options;
    this.#transform = options.transform ?? ((obj: T) => obj as unknown as S);
    this.#store = new IndexedStore<S>(options.indexers);
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff({ ...options.backoff, random: this.#random });
  }

  /** The cache; read it only after `hasSynced` for a complete view. */
  get cache(): Cache<S> {
    return this.#store;
  }

  /** True once the first list has been stored. */
  get hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the next watch starts from. */
  get lastResourceVersion(): string {
    return this.#lastRv;
  }

  /** Counters for metrics and tests. */
  get stats(): Readonly<{
    lists: number;
    watches: number;
    events: number;
    bookmarks: number;
    relistsAfterGone: number;
  }> {
    return { ...this.#stats };
  }

  /** Resolves once synced (or when `signal` aborts, rejecting). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void =>
        reject(new SwitchyardError(ErrorCode.Timeout, `${this.#name}: not synced (aborted)`));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /**
   * Registers a handler. Objects already cached are replayed to it as adds, so a late
   * handler sees the same state as an early one. Returns a function that removes it.
   */
  addEventHandler(handler: EventHandler<S>): () => void {
    const q = new HandlerQueue<S>(handler, (err) => this.#report(err, 'handler'));
    for (const obj of this.#store.list()) q.push({ type: 'add', obj });
    this.#handlers.add(q);
    return () => {
      q.stop();
      this.#handlers.delete(q);
    };
  }

  /** Resolves when every handler has drained its queue. */
  async whenHandlersIdle(): Promise<void> {
    for (const h of this.#handlers) await h.whenIdle();
  }

  /** Runs list+watch until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`${this.#name}: already running`);
    this.#running = true;
    let needList = true;
    try {
      while (!signal.aborted) {
        try {
          if (needList) {
            await this.#relist(signal);
            needList = false;
          }
          const started = this.#clock.now();
          const before = this.#stats.events;
          const outcome = await this.#watchOnce(signal);
          if (outcome === 'gone') {
            this.#stats.relistsAfterGone += 1;
            needList = true;
            continue;
          }
          // A stream that ends at once without events would otherwise spin; back off.
          if (this.#stats.events === before && this.#clock.now() - started < 1000 && !signal.aborted) {
            await this.#sleep(this.#backoff.next(), signal);
          } else {
            this.#backoff.reset();
          }
        } catch (err: unknown) {
          if (signal.aborted) break;
          if (isGone(err)) {
            this.#stats.relistsAfterGone += 1;
            needList = true;
            continue;
          }
          this.#report(err, needList ? 'list' : 'watch');
          await this.#sleep(this.#backoff.next(), signal);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  get #name(): string {
    return `informer ${this.#o.name ?? ''}`.trim();
  }

  #report(err: unknown, phase: InformerErrorPhase): void {
    this.#o.onError?.(err, phase);
  }

  #emit(n: Notification<S>): void {
    for (const h of this.#handlers) h.push(n);
  }

  /** Lists every page; on an expired continue token falls back to one unpaged list. */
  async #listAll(signal: AbortSignal): Promise<KubeList<T>> {
    const pageSize = this.#o.pageSize ?? 500;
    const first = await this.#o.listerWatcher.list({ limit: pageSize, signal });
    const items = [...first.items];
    let token = first.metadata.continue;
    try {
      while (token) {
        const page = await this.#o.listerWatcher.list({ limit: pageSize, continue: token, signal });
        items.push(...page.items);
        token = page.metadata.continue;
      }
    } catch (err: unknown) {
      // The snapshot behind the token was compacted mid-pagination (410): client-go falls
      // back to a full list rather than mixing two snapshots.
      if (!isGone(err)) throw err;
      return this.#o.listerWatcher.list({ signal });
    }
    return { ...first, items };
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const list = await this.#listAll(signal);
    this.#stats.lists += 1;
    const rv = list.metadata.resourceVersion;
    if (!rv) throw new SwitchyardError(ErrorCode.Api, `${this.#name}: list has no metadata.resourceVersion`);
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = keyOf(item);
      seen.add(key);
      this.#apply(key, item);
    }
    for (const key of this.#store.keys()) {
      if (seen.has(key)) continue;
      const gone = this.#store.remove(key)!;
      this.#emit({ type: 'delete', obj: gone, finalStateUnknown: true });
    }
    this.#lastRv = rv;
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Stores an added/modified object and notifies; no-op when the same version is cached. */
  #apply(key: string, item: T): void {
    const rv = item.metadata.resourceVersion ?? '';
    // resourceVersions are compared for equality only (API conventions).
    if (this.#store.versionOf(key) === rv && rv !== '') return;
    const obj = this.#transform(item);
    const prev = this.#store.upsert(key, obj, rv);
    this.#emit(prev === undefined ? { type: 'add', obj } : { type: 'update', oldObj: prev, obj });
  }

  async #watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    const base = this.#o.watchTimeoutSeconds ?? 300 * (1 + this.#random());
    const timeoutSeconds = Math.max(1, Math.floor(base));
    const child = new AbortController();
    const onAbort = (): void => child.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Watchdog: a peer that vanished without a FIN never ends the stream, so stop waiting a
    // grace period after the server should have closed it.
    const watchdog = this.#clock.setTimeout(() => child.abort(), timeoutSeconds * 1000 + WATCHDOG_GRACE_MS);
    try {
      const stream = await this.#o.listerWatcher.watch({
        resourceVersion: this.#lastRv,
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal: child.signal,
      });
      this.#stats.watches += 1;
      for await (const ev of stream) {
        if (this.#handleEvent(ev) === 'gone') return 'gone';
      }
      return 'closed';
    } finally {
      this.#clock.clearTimeout(watchdog);
      signal.removeEventListener('abort', onAbort);
      child.abort();
    }
  }

  #handleEvent(ev: WatchEvent<T>): 'ok' | 'gone' {
    if (ev.type === 'ERROR') {
      const status: Status = ev.object;
      const err = new ApiError({
        status: { ...status, code: status.code ?? 500 },
        method: 'WATCH',
        path: this.#name,
      });
      if (isGone(err)) return 'gone';
      throw err;
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      this.#stats.bookmarks += 1;
      if (rv) this.#lastRv = rv;
      return 'ok';
    }
    this.#stats.events += 1;
    const key = keyOf(ev.object);
    if (ev.type === 'DELETED') {
      const gone = this.#store.remove(key);
      if (gone !== undefined)
        this.#emit({ type: 'delete', obj: this.#transform(ev.object), finalStateUnknown: false });
    } else {
      this.#apply(key, ev.object);
    }
    if (rv) this.#lastRv = rv;
    return 'ok';
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.#clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
