/**
 * The controller runner: N workers take keys from a `WorkQueue` and call a level-triggered
 * `reconcile(key)`; the result decides what happens to the key next (controller-runtime's
 * Result/error contract, as a discriminated union).
 */
import { invalid, messageOf } from '../errors/index.js';
import { type Clock, realClock } from './clock.js';
import { WorkQueue } from './work-queue.js';

/** What a reconcile asks for next. */
export type ReconcileResult =
  /** Converged: forget the key's back-off. */
  | { readonly kind: 'done' }
  /** Converged for now, look again after `ms` (e.g. a certificate expiry). */
  | { readonly kind: 'requeueAfter'; readonly ms: number }
  /** Failed transiently: requeue with per-key exponential back-off. */
  | { readonly kind: 'retry'; readonly cause: unknown }
  /** Failed in a way a retry cannot fix: drop the key until the next event. */
  | { readonly kind: 'terminal'; readonly cause: unknown };

/** One finished reconcile, reported to the metrics hook. */
export interface ReconcileOutcome<K> {
  readonly controller: string;
  readonly key: K;
  readonly result: ReconcileResult;
  readonly durationMs: number;
  /** Back-off failures counted for the key after this result. */
  readonly requeues: number;
}

/** Options of `Controller`. */
export interface ControllerOptions<K> {
  /** Name used in metrics and errors. */
  readonly name: string;
  /** The level-triggered sync: read the full current state for `key` and converge it. */
  readonly reconcile: (key: K, signal: AbortSignal) => Promise<ReconcileResult>;
  /** Parallel workers (default 1). The queue guarantees one worker per key. */
  readonly workers?: number;
  readonly queue?: WorkQueue<K>;
  readonly clock?: Clock;
  /** Called after every reconcile (metrics, logs). Must not throw. */
  readonly onOutcome?: (outcome: ReconcileOutcome<K>) => void;
}

/** Runs a reconcile function over a work queue with N workers. */
export class Controller<K> {
  readonly queue: WorkQueue<K>;
  readonly #opts: ControllerOptions<K>;
  readonly #clock: Clock;
  readonly #workers: number;
  #running: Promise<void> | undefined;

  constructor(options: ControllerOptions<K>) {
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1)
      throw invalid('workers', `must be an integer >= 1, got ${workers}`);
    this.#opts = options;
    this.#workers = workers;
    this.#clock = options.clock ?? realClock;
    this.queue = options.queue ?? new WorkQueue<K>({ clock: this.#clock });
  }

  /** Queues a key (typically from an informer event handler). */
  enqueue(key: K): void {
    this.queue.add(key);
  }

  /**
   * Starts the workers; resolves when `signal` aborts and every in-flight reconcile has
   * returned. The signal is also passed to reconcile so long syncs can stop early.
   */
  run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`controller ${this.#opts.name}: already running`);
    const onAbort = (): void => this.queue.shutdown();
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const workers = Array.from({ length: this.#workers }, () => this.#worker(signal));
    this.#running = Promise.all(workers).then(() => {
      signal.removeEventListener('abort', onAbort);
    });
    return this.#running;
  }

  async #worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (signal.aborted) {
        // stopping: leave queued keys to the next run instead of reconciling with a dead signal
        this.queue.done(key);
        return;
      }
      try {
        await this.#processOne(key, signal);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #processOne(key: K, signal: AbortSignal): Promise<void> {
    const started = this.#clock.now();
    let result: ReconcileResult;
    try {
      result = await this.#opts.reconcile(key, signal);
    } catch (err: unknown) {
      // A thrown error is a transient failure, as in controller-runtime.
      result = { kind: 'retry', cause: err };
    }
    switch (result.kind) {
      case 'done':
        this.queue.forget(key);
        break;
      case 'requeueAfter':
        this.queue.forget(key);
        this.queue.addAfter(key, result.ms);
        break;
      case 'retry':
        if (!signal.aborted) this.queue.addRateLimited(key);
        break;
      case 'terminal':
        this.queue.forget(key);
        break;
    }
    this.#opts.onOutcome?.({
      controller: this.#opts.name,
      key,
      result,
      durationMs: this.#clock.now() - started,
      requeues: this.queue.numRequeues(key),
    });
  }
}

/** A short text for a failed result, for logs. */
export function describeResult(result: ReconcileResult): string {
  switch (result.kind) {
    case 'done':
      return 'done';
    case 'requeueAfter':
      return `requeue after ${result.ms}ms`;
    case 'retry':
      return `retry: ${messageOf(result.cause)}`;
    case 'terminal':
      return `terminal: ${messageOf(result.cause)}`;
  }
}
