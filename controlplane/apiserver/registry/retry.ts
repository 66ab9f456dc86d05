/**
 * The one retry of optimistic concurrency (apiserver's GuaranteedUpdate loop): an attempt reads
 * the object, computes its write and stores it at the revision it read; when another writer got
 * there first the attempt asks for another go, on the fresh object, up to a bound. Service
 * address reservations (service-addresses.ts) retry their lost races the same way.
 */

/** Retries after which a lost race is no longer retried (the 21st conflict is answered). */
export const MAX_CONFLICT_RETRIES = 20;

/** What an attempt returns to be run again. */
export const RETRY: unique symbol = Symbol('retry');

/**
 * Runs `attempt` until it returns something other than `RETRY`. `mayRetry` tells the attempt
 * whether another go is still allowed (`retries` of them after the first); when it is false
 * the attempt must answer or throw.
 */
export async function retryOnConflict<T>(
  attempt: (mayRetry: boolean) => Promise<T | typeof RETRY>,
  retries = MAX_CONFLICT_RETRIES,
): Promise<T> {
  for (let n = 0; ; n++) {
    const out = await attempt(n < retries);
    if (out !== RETRY) return out;
  }
}
