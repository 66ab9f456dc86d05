/**
 * A deterministic PRNG for the fuzz corpus: the same seed gives the same requests in the same order.
 */

/** A deterministic PRNG (mulberry32) with the helpers the generators use. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `n` bytes of anything. */
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A short string of the characters that break parsers. */
  nasty(): string {
    return this.pick([
      '',
      ' ',
      '%',
      '%00',
      '%zz',
      '%E0%A4%A',
      '%2F',
      '%252F',
      '..',
      '.',
      '//',
      '\\',
      '"',
      "'",
      '{',
      '}',
      '[',
      ']',
      '\u0000',
      '\u00e9',
      '\ud83d\ude00',
      '\ud800',
      '=',
      '&',
      '?',
      '#',
      ',',
      '!',
      '~',
      '-1',
      '0',
      '1e400',
      '18446744073709551616',
      'NaN',
      'null',
      'true',
      'long',
      'huge',
    ]).replace(/^(long|huge)$/, (w) => (w === 'long' ? 'a'.repeat(this.int(300) + 1) : 'x'.repeat(70_000)));
  }
}
