/**
 * Polling for tests of asynchronous server behaviour (controllers, caches, admission that
 * catches up): ask again until the answer is the one wanted or the time is up.
 */

/** Calls `fn` every 50 ms until `ok` holds or `timeoutMs` passed; returns the last value either way. */
export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
