/**
 * Per-key exponential back-off for requeues, the shape of client-go's
 * ItemExponentialFailureRateLimiter: delay = base · 2^failures, capped; `forget` resets a key.
 */
import { invalid } from '../errors/index.js';

/** Decides how long a failing key waits before it is retried. */
export interface RateLimiter<K> {
  /** The delay for the next retry of `key`; counts one more failure. */
  when(key: K): number;
  /** Clears the failure history of `key` (call after a success). */
  forget(key: K): void;
  /** Failures counted for `key` since the last `forget`. */
  failures(key: K): number;
}

/** Options of `exponentialRateLimiter`. */
export interface ExponentialRateLimiterOptions {
  /** First delay in ms (default 5, as client-go). */
  readonly baseMs?: number;
  /** Upper bound in ms (default 1000 s, as client-go). */
  readonly maxMs?: number;
}

/** A per-key exponential rate limiter. */
export function exponentialRateLimiter<K>(options: ExponentialRateLimiterOptions = {}): RateLimiter<K> {
  const baseMs = options.baseMs ?? 5;
  const maxMs = options.maxMs ?? 1_000_000;
  if (!(baseMs > 0)) throw invalid('baseMs', `must be > 0, got ${baseMs}`);
  if (!(maxMs >= baseMs)) throw invalid('maxMs', `must be >= baseMs (${baseMs}), got ${maxMs}`);
  const counts = new Map<K, number>();
  return {
    when(key) {
      const n = counts.get(key) ?? 0;
      counts.set(key, n + 1);
      // 2^n overflows to Infinity for large n, which Math.min caps.
      return Math.min(maxMs, baseMs * 2 ** n);
    },
    forget(key) {
      counts.delete(key);
    },
    failures(key) {
      return counts.get(key) ?? 0;
    },
  };
}
