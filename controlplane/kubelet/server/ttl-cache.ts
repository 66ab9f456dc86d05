/**
 * A small bounded cache with a time-to-live per entry, for the answers of TokenReview and
 * SubjectAccessReview (upstream's kubelet caches them too: tokens 2 min, allowed 5 min, denied
 * 30 s). The clock is injected so tests are exact; the oldest entry goes when it is full.
 */

/** Options of `TtlCache`. */
export interface TtlCacheOptions {
  /** Entries kept at most (default 1024). */
  readonly maxEntries?: number;
  /** The clock, in ms (default Date.now). */
  readonly now?: () => number;
}

/** Keyed values that expire. */
export class TtlCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly expires: number }>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(o: TtlCacheOptions = {}) {
    this.#max = o.maxEntries ?? 1024;
    this.#now = o.now ?? Date.now;
  }

  /** The value, if present and not expired. */
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Keeps `value` for `ttlMs` (0 or less: not kept). */
  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expires: this.#now() + ttlMs });
  }
}
