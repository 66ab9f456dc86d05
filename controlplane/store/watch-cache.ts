/**
 * A watch cache in front of a store, like kube-apiserver's cacher (pkg/storage/cacher): one
 * watch on the backend for every key, fanned out in memory to any number of API watchers, with
 * a bounded ring of recent events so a watch from a recent revision replays from memory. A
 * watch from before the ring falls through to the backend (which replays from its own history
 * or answers Expired). Without it every API watcher is its own etcd watch, and 200 of them make
 * delivery seconds late.
 */
import { expired } from './errors.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchCallbacks,
  WatchHandle,
} from './types.js';

/** Options of the watch cache. */
export interface WatchCacheOptions {
  /** Events kept for replay (default 10,000; the apiserver keeps 100 to 102,400 per type). */
  readonly capacity?: number;
}

interface Subscriber {
  readonly prefix: string;
  readonly callbacks: WatchCallbacks;
  last: number;
  stopped: boolean;
  /** False until the ring is replayed; live events wait in the ring meanwhile. */
  ready: boolean;
}

/** Wraps `store`; call `close()` on the result to close both. */
export function withWatchCache(store: Store, options: WatchCacheOptions = {}): Store {
  return new WatchCache(store, options.capacity ?? 10_000);
}

class WatchCache implements Store {
  readonly #store: Store;
  readonly #capacity: number;
  #ring: StoreEvent[] = [];
  /** Index of the oldest live entry of #ring (entries before it are dropped, compacted lazily). */
  #head = 0;
  readonly #subs = new Set<Subscriber>();
  /** Events with revision > #from are all in the ring (or delivered live); undefined until started. */
  #from: number | undefined;
  #upstream: WatchHandle | undefined;
  #closed = false;
  #starting: Promise<void> | undefined;

  constructor(store: Store, capacity: number) {
    this.#store = store;
    this.#capacity = capacity;
    this.#starting = this.#start();
  }

  async #start(): Promise<void> {
    try {
      const rev = await this.#store.revision();
      if (this.#closed) return;
      this.#ring = [];
      this.#head = 0;
      this.#from = rev;
      this.#upstream = this.#store.watch('/', rev, {
        onEvent: (e) => this.#onEvent(e),
        onError: (err) => this.#onUpstreamError(err),
      });
    } catch {
      // Backend unreachable: watches fall through to it until a restart succeeds.
      this.#from = undefined;
      if (!this.#closed) {
        setTimeout(() => {
          this.#starting = this.#start();
        }, 1000).unref();
      }
    }
  }

  #onEvent(e: StoreEvent): void {
    this.#ring.push(e);
    if (this.#ring.length - this.#head > this.#capacity) {
      const dropped = this.#ring[this.#head];
      this.#head++;
      if (dropped) this.#from = dropped.kv.modRevision;
      // Drop the dead prefix in one go once it is as large as the window (amortized O(1)).
      if (this.#head >= this.#capacity) {
        this.#ring = this.#ring.slice(this.#head);
        this.#head = 0;
      }
    }
    for (const s of this.#subs) this.#send(s, e);
  }

  #send(s: Subscriber, e: StoreEvent): void {
    if (s.stopped || !s.ready || e.kv.modRevision <= s.last || !e.kv.key.startsWith(s.prefix)) return;
    s.last = e.kv.modRevision;
    s.callbacks.onEvent(e);
  }

  #onUpstreamError(err: Error): void {
    // Our view has a gap: every cached watcher must relist (410), then the cache restarts.
    this.#upstream = undefined;
    this.#from = undefined;
    for (const s of this.#subs) {
      s.stopped = true;
      s.callbacks.onError(err);
    }
    this.#subs.clear();
    if (!this.#closed) this.#starting = this.#start();
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    const from = this.#from;
    if (from === undefined || afterRevision < from || this.#upstream === undefined) {
      return this.#store.watch(prefix, afterRevision, callbacks);
    }
    const sub: Subscriber = { prefix, callbacks, last: afterRevision, stopped: false, ready: false };
    this.#subs.add(sub);
    // Replay on the next turn so the caller holds the handle first. Events arriving meanwhile
    // are appended to the ring before fan-out, so the replay sees them; nothing is missed or doubled.
    setImmediate(() => {
      if (sub.stopped) return;
      if (this.#from === undefined || sub.last < this.#from) {
        // The ring moved past us in the meantime: the client must relist.
        this.#subs.delete(sub);
        sub.stopped = true;
        callbacks.onError(expired(prefix, afterRevision, this.#from ?? 0));
        return;
      }
      sub.ready = true;
      const ring = this.#ring;
      for (let i = this.#head; i < ring.length; i++) this.#send(sub, ring[i] as StoreEvent);
    });
    return {
      stop: () => {
        sub.stopped = true;
        this.#subs.delete(sub);
      },
    };
  }

  revision(): Promise<number> {
    return this.#store.revision();
  }
  get(key: string): Promise<KeyValue | undefined> {
    return this.#store.get(key);
  }
  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.#store.list(prefix, options);
  }
  count(prefix: string): Promise<number> {
    return this.#store.count(prefix);
  }
  create(key: string, value: string): Promise<KeyValue> {
    return this.#store.create(key, value);
  }
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.#store.update(key, value, expectedRevision);
  }
  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.#store.delete(key, expectedRevision);
  }
  compact(revision: number): Promise<void> {
    return this.#store.compact(revision);
  }
  compactedRevision(): Promise<number> {
    return this.#store.compactedRevision();
  }
  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting;
    this.#upstream?.stop();
    for (const s of this.#subs) s.stopped = true;
    this.#subs.clear();
    await this.#store.close();
  }
}
