/**
 * A work queue of keys with client-go's guarantees: a key queued twice is processed once
 * (dedup); a key is never handed to two workers at once (a key re-added while it is being
 * processed is queued again when `done` is called); delayed and rate-limited adds; shutdown.
 */
import { type Clock, realClock, type TimerHandle } from './clock.js';
import { exponentialRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Options of `WorkQueue`. */
export interface WorkQueueOptions<K> {
  readonly clock?: Clock;
  readonly rateLimiter?: RateLimiter<K>;
}

/** A deduplicating, per-key-exclusive queue of keys. */
export class WorkQueue<K> {
  readonly #clock: Clock;
  readonly #limiter: RateLimiter<K>;
  // FIFO as an array plus head index: O(1) take, compacted as the head advances.
  #queue: K[] = [];
  #head = 0;
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #waiting = new Map<K, { at: number; timer: TimerHandle }>();
  #getters: ((key: K | undefined) => void)[] = [];
  #idle: (() => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? realClock;
    this.#limiter = options.rateLimiter ?? exponentialRateLimiter<K>();
  }

  /** Keys queued and not yet handed out. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** True once `shutdown` was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Queues `key` unless it is already queued. No-op after shutdown. */
  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    // Processing now: `done` requeues it, so two workers never hold the same key.
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Queues `key` after `ms`. An earlier pending delayed add of the same key wins. */
  addAfter(key: K, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const existing = this.#waiting.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      this.#clock.clearTimeout(existing.timer);
    }
    const timer = this.#clock.setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, ms);
    this.#waiting.set(key, { at, timer });
  }

  /** Queues `key` after its per-key back-off; each call doubles the next delay. */
  addRateLimited(key: K): void {
    if (this.#shuttingDown) return;
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Resets the back-off of `key` (after it succeeded). */
  forget(key: K): void {
    this.#limiter.forget(key);
  }

  /** How many times `key` was requeued with back-off since the last `forget`. */
  numRequeues(key: K): number {
    return this.#limiter.failures(key);
  }

  /**
   * The next key to process, waiting for one if needed; `undefined` once the queue is shut
   * down and empty. The caller must call `done(key)` when finished.
   */
  get(): Promise<K | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` finished; queues it again if it was re-added meanwhile. */
  done(key: K): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#push(key);
    if (this.#processing.size === 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const fn of idle) fn();
    }
  }

  /** Stops accepting keys, drops delayed adds, and wakes idle getters with `undefined`. */
  shutdown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#waiting.values()) this.#clock.clearTimeout(timer);
    this.#waiting.clear();
    const getters = this.#getters;
    this.#getters = [];
    for (const g of getters) g(undefined);
  }

  /** Resolves when no key is being processed. */
  whenIdle(): Promise<void> {
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #push(key: K): void {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      getter(key);
      return;
    }
    this.#queue.push(key);
  }

  #take(): K | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const key = this.#queue[this.#head]!;
    this.#head += 1;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }
}
