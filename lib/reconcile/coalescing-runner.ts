/**
 * A coalescing sync runner, the shape of kube-proxy's BoundedFrequencyRunner: many `run()`
 * requests collapse into one call of `fn`; calls are at least `minIntervalMs` apart on
 * average (a token bucket allowing `burst` back-to-back calls), at most `maxIntervalMs`
 * apart (a periodic resync even without requests), and a failed call is retried after
 * `retryIntervalMs` unless something sooner is scheduled. Only one call runs at a time.
 */
import { invalid, messageOf } from '../errors/index.js';
import { type Clock, realClock, type TimerHandle } from './clock.js';

/** Options of `CoalescingRunner`. */
export interface CoalescingRunnerOptions {
  readonly name: string;
  /** The sync. A rejection schedules a retry. */
  readonly fn: () => Promise<void>;
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** Calls allowed back to back before `minIntervalMs` spacing applies (default 1). */
  readonly burst?: number;
  /** Delay before retrying a failed call (default `minIntervalMs`). */
  readonly retryIntervalMs?: number;
  readonly clock?: Clock;
  /** Called after every call of `fn`: `error` is set when it failed. */
  readonly onSync?: (info: { readonly durationMs: number; readonly error?: unknown }) => void;
}

/** Collapses sync requests into rate-bounded calls. */
export class CoalescingRunner {
  readonly #o: Required<Omit<CoalescingRunnerOptions, 'onSync'>> & {
    readonly onSync: CoalescingRunnerOptions['onSync'] | undefined;
  };
  #tokens: number;
  #lastRefill: number;
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #running = false;
  #pending = false;
  #stopped = true;
  #lastError: unknown;

  constructor(options: CoalescingRunnerOptions) {
    const burst = options.burst ?? 1;
    if (!(options.minIntervalMs >= 0))
      throw invalid('minIntervalMs', `must be >= 0, got ${options.minIntervalMs}`);
    if (!(options.maxIntervalMs >= options.minIntervalMs)) {
      throw invalid(
        'maxIntervalMs',
        `must be >= minIntervalMs (${options.minIntervalMs}), got ${options.maxIntervalMs}`,
      );
    }
    if (!Number.isInteger(burst) || burst < 1)
      throw invalid('burst', `must be an integer >= 1, got ${burst}`);
    this.#o = {
      name: options.name,
      fn: options.fn,
      minIntervalMs: options.minIntervalMs,
      maxIntervalMs: options.maxIntervalMs,
      burst,
      retryIntervalMs: options.retryIntervalMs ?? options.minIntervalMs,
      clock: options.clock ?? realClock,
      onSync: options.onSync,
    };
    this.#tokens = burst;
    this.#lastRefill = this.#o.clock.now();
  }

  /** The error of the last call, or undefined when it succeeded. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Starts the runner: the first sync runs at once. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.run();
  }

  /** Stops scheduling; a call in flight finishes. */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
  }

  /** Requests a sync as soon as the rate limit allows; requests coalesce. */
  run(): void {
    if (this.#stopped) return;
    this.#pending = true;
    if (this.#running) return; // picked up when the current call ends
    this.#schedule(this.#delayForToken());
  }

  #refill(): void {
    const now = this.#o.clock.now();
    if (this.#o.minIntervalMs === 0) {
      this.#tokens = this.#o.burst;
    } else {
      const gained = (now - this.#lastRefill) / this.#o.minIntervalMs;
      this.#tokens = Math.min(this.#o.burst, this.#tokens + gained);
    }
    this.#lastRefill = now;
  }

  #delayForToken(): number {
    this.#refill();
    if (this.#tokens >= 1) return 0;
    return Math.ceil((1 - this.#tokens) * this.#o.minIntervalMs);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    const at = this.#o.clock.now() + delay;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      void this.#tick();
    }, delay);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#running) return;
    const wait = this.#delayForToken();
    if (wait > 0) {
      this.#schedule(wait);
      return;
    }
    this.#tokens -= 1;
    this.#pending = false;
    this.#running = true;
    const started = this.#o.clock.now();
    let failed = false;
    try {
      await this.#o.fn();
      this.#lastError = undefined;
      this.#o.onSync?.({ durationMs: this.#o.clock.now() - started });
    } catch (err: unknown) {
      failed = true;
      this.#lastError = err instanceof Error ? err : new Error(messageOf(err));
      this.#o.onSync?.({ durationMs: this.#o.clock.now() - started, error: err });
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    // The periodic resync bounds staleness even when no request comes in.
    this.#schedule(this.#o.maxIntervalMs);
    if (failed) this.#schedule(this.#o.retryIntervalMs);
    if (this.#pending) this.#schedule(this.#delayForToken());
  }
}
