/**
 * Grace-period timers of graceful deletion: an object held for `grace` seconds (a bound pod) is
 * deleted with grace 0 when its period ends, unless a later DELETE re-armed the timer first.
 * Timers never keep the process alive; after a restart maintenance.ts re-arms them from the store.
 */
import type { ResourceInfo } from '../resources.js';
import { keyOf } from './codec.js';

/** Ends a grace period: the DELETE with grace 0 (failures are the caller's to ignore). */
export type ExpireGrace = (
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
) => Promise<unknown>;

/** One timer per object key. */
export class GraceTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #expire: ExpireGrace;

  constructor(expire: ExpireGrace) {
    this.#expire = expire;
  }

  /** (Re-)arms the timer of one object: it goes `grace` seconds from now. */
  schedule(info: ResourceInfo, namespace: string | undefined, name: string, grace: number): void {
    const key = keyOf(info, namespace, name);
    if (this.#timers.has(key)) clearTimeout(this.#timers.get(key));
    const timer = setTimeout(
      () => {
        this.#timers.delete(key);
        void this.#expire(info, namespace, name).catch(() => undefined);
      },
      grace * 1000 + 50,
    );
    timer.unref();
    this.#timers.set(key, timer);
  }
}
