/**
 * A read-mostly copy of one resource's stored objects, kept current by a store watch (an
 * informer inside the API server, as kube-apiserver's admission plugins use listers). Reads
 * may trail a write by the watch's delay, as upstream's do.
 */

import type { JsonObject } from '../../lib/api/json.js';
import type { Store, WatchHandle } from '../store/index.js';

/** The objects under one store prefix, keyed by store key. */
export class ObjectCache {
  readonly #items = new Map<string, JsonObject>();
  #watch: WatchHandle | undefined;
  #stopped = false;
  #version = 0;

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    /** Told after each change the watch delivers. */
    private readonly onChange?: () => void,
  ) {}

  /** Loads the objects, then follows changes (a compacted history reloads from scratch). */
  async start(): Promise<void> {
    const list = await this.store.list(this.prefix);
    if (this.#stopped) return;
    this.#items.clear();
    for (const kv of list.items) this.#items.set(kv.key, JSON.parse(kv.value) as JsonObject);
    this.#version++;
    this.#watch = this.store.watch(this.prefix, list.revision, {
      onEvent: (e) => {
        if (e.type === 'delete') this.#items.delete(e.kv.key);
        else this.#items.set(e.kv.key, JSON.parse(e.kv.value) as JsonObject);
        this.#version++;
        this.onChange?.();
      },
      onError: () => {
        if (!this.#stopped) void this.start().catch(() => undefined);
      },
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
  }

  /** Every cached object. */
  values(): IterableIterator<JsonObject> {
    return this.#items.values();
  }

  /** The object stored under `key`, if cached. */
  get(key: string): JsonObject | undefined {
    return this.#items.get(key);
  }

  /** Rises on every change: a key for what callers derive from the objects. */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#items.size;
  }
}
