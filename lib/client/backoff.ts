/**
 * Exponential back-off with jitter for reconnects (client-go's reflector uses 800 ms → 30 s,
 * factor 2, jitter 1.0). Randomness is injected so tests are exact.
 */
import { invalid } from '../errors/index.js';

/** Options of `Backoff`. */
export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly factor?: number;
  /** Adds up to `jitter × delay` at random (0 = none). */
  readonly jitter?: number;
  readonly random?: () => number;
}

/** A back-off sequence; `reset` after a success. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 800;
    this.#max = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 1;
    this.#random = options.random ?? Math.random;
    if (!(this.#initial > 0)) throw invalid('backoff.initialMs', `must be > 0, got ${this.#initial}`);
    if (!(this.#max >= this.#initial))
      throw invalid('backoff.maxMs', `must be >= initialMs, got ${this.#max}`);
    if (!(this.#factor >= 1)) throw invalid('backoff.factor', `must be >= 1, got ${this.#factor}`);
    if (!(this.#jitter >= 0)) throw invalid('backoff.jitter', `must be >= 0, got ${this.#jitter}`);
  }

  /** The next delay, ms: min(max, initial·factor^n·(1 + jitter·random)). */
  next(): number {
    const base = this.#initial * this.#factor ** this.#attempt;
    this.#attempt += 1;
    return Math.min(this.#max, Math.round(base * (1 + this.#jitter * this.#random())));
  }

  /** Starts the sequence over. */
  reset(): void {
    this.#attempt = 0;
  }
}
