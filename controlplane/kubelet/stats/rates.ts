/**
 * CPU rates from cumulative counters, as cadvisor and metrics-server compute them: usage in
 * nano-cores = Δ core-nanoseconds / Δ wall seconds between two samples of the same thing. The
 * book keeps the previous sample of each key (the node, a container id, a sandbox id); keys not
 * seen in a round are dropped, so removed containers do not accumulate. A counter that went
 * backwards (a restarted container reusing nothing, or a reset) gives no rate.
 */

/** A cumulative CPU counter at a time. */
export interface CpuSample {
  readonly key: string;
  /** Epoch nanoseconds of the reading (bigint: CRI's timestamps pass 2^53). */
  readonly timeNs: bigint;
  readonly usageCoreNanoSeconds: number;
}

/** usage nano-cores between two samples; undefined without a forward interval or counter. */
export function nanoCores(prev: CpuSample, cur: CpuSample): number | undefined {
  const dtNs = Number(cur.timeNs - prev.timeNs);
  const used = cur.usageCoreNanoSeconds - prev.usageCoreNanoSeconds;
  if (dtNs <= 0 || used < 0) return undefined;
  return Math.round((used / dtNs) * 1e9);
}

/** The previous sample of each key, and the rates against it. */
export class RateBook {
  #last = new Map<string, CpuSample>();

  /** True once a round has been recorded. */
  get primed(): boolean {
    return this.#last.size > 0;
  }

  /**
   * Records one round of samples and returns the rate of every key that had a previous sample
   * (keys missing from the round are forgotten).
   */
  record(samples: readonly CpuSample[]): Map<string, number> {
    const rates = new Map<string, number>();
    const next = new Map<string, CpuSample>();
    for (const s of samples) {
      const prev = this.#last.get(s.key);
      const r = prev ? nanoCores(prev, s) : undefined;
      if (r !== undefined) rates.set(s.key, r);
      // Keep the older baseline when the runtime served the same reading again (no time passed).
      next.set(s.key, prev && s.timeNs <= prev.timeNs ? prev : s);
    }
    this.#last = next;
    return rates;
  }
}
