/**
 * Named health checks behind `/healthz` and `/readyz`. A check returns (or resolves) normally
 * when healthy and throws (or returns false) when not; each run is bounded by a timeout so a
 * hung dependency makes the probe fail instead of hang (the Kubernetes probe model).
 */
import { invalid, messageOf } from '../errors/index.js';

/** A check: resolve/return true or nothing when healthy; return false or throw when not. */
export type HealthCheck = () => boolean | undefined | Promise<boolean | undefined>;

/** Outcome of one check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed. */
  readonly reason?: string;
}

/** A named set of checks, run together. */
export class HealthChecks {
  readonly #checks = new Map<string, HealthCheck>();

  /** Registers (or replaces) a check. */
  add(name: string, check: HealthCheck): this {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(name))
      throw invalid('name', `${JSON.stringify(name)} must be lower-case`);
    this.#checks.set(name, check);
    return this;
  }

  remove(name: string): boolean {
    return this.#checks.delete(name);
  }

  /** Runs every check concurrently, each bounded by `timeoutMs`; results sorted by name. */
  async run(timeoutMs: number): Promise<CheckResult[]> {
    const entries = [...this.#checks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.all(entries.map(([name, check]) => runOne(name, check, timeoutMs)));
  }
}

async function runOne(name: string, check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ name, ok: false, reason: `timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const attempt = (async (): Promise<CheckResult> => {
    try {
      const ok = await check();
      return ok === false ? { name, ok: false, reason: 'not ready' } : { name, ok: true };
    } catch (err) {
      return { name, ok: false, reason: messageOf(err) };
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
