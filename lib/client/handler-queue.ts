/**
 * Per-handler delivery: each registered handler gets its own unbounded FIFO and its own
 * drain loop (client-go's processorListener), so a slow handler never blocks the watch loop,
 * the cache, or other handlers; it only falls behind on its own queue.
 */
import { messageOf } from '../errors/index.js';

/** Callbacks of one informer event handler. Each may return a promise; the next event waits for it. */
export interface EventHandler<S> {
  onAdd?(obj: S): void | Promise<void>;
  onUpdate?(oldObj: S, newObj: S): void | Promise<void>;
  /**
   * `finalStateUnknown` is true when the delete was inferred from a relist: `obj` is the
   * last state this cache saw, not the object at deletion.
   */
  onDelete?(obj: S, info: { readonly finalStateUnknown: boolean }): void | Promise<void>;
}

/** One notification queued for a handler. */
export type Notification<S> =
  | { readonly type: 'add'; readonly obj: S }
  | { readonly type: 'update'; readonly oldObj: S; readonly obj: S }
  | { readonly type: 'delete'; readonly obj: S; readonly finalStateUnknown: boolean };

/** A handler with its private queue. */
export class HandlerQueue<S> {
  readonly #handler: EventHandler<S>;
  readonly #onError: (err: unknown) => void;
  #items: Notification<S>[] = [];
  #head = 0;
  #draining = false;
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(handler: EventHandler<S>, onError: (err: unknown) => void) {
    this.#handler = handler;
    this.#onError = onError;
  }

  /** Notifications waiting (not counting one being handled). */
  get pending(): number {
    return this.#items.length - this.#head;
  }

  /** Queues a notification; never blocks. */
  push(n: Notification<S>): void {
    if (this.#stopped) return;
    this.#items.push(n);
    if (!this.#draining) void this.#drain();
  }

  /** Drops pending notifications and stops delivery. */
  stop(): void {
    this.#stopped = true;
    this.#items = [];
    this.#head = 0;
  }

  /** Resolves when the queue is empty and no callback is running. */
  whenIdle(): Promise<void> {
    if (!this.#draining) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (!this.#stopped && this.#head < this.#items.length) {
      const n = this.#items[this.#head]!;
      this.#head += 1;
      // compact occasionally so a long-lived queue does not grow without bound
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      try {
        await this.#deliver(n);
      } catch (err: unknown) {
        this.#onError(new Error(`informer handler failed on ${n.type}: ${messageOf(err)}`, { cause: err }));
      }
    }
    this.#draining = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const fn of idle) fn();
  }

  async #deliver(n: Notification<S>): Promise<void> {
    switch (n.type) {
      case 'add':
        await this.#handler.onAdd?.(n.obj);
        return;
      case 'update':
        await this.#handler.onUpdate?.(n.oldObj, n.obj);
        return;
      case 'delete':
        await this.#handler.onDelete?.(n.obj, { finalStateUnknown: n.finalStateUnknown });
        return;
    }
  }
}
