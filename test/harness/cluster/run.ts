/**
 * Running components and background loops inside a test, each with one way to stop it: a
 * component is anything with `run(signal)`, stopped by aborting the signal and awaiting the run
 * (then closing its own client); a loop calls a function every few milliseconds.
 */
import type { KubeClient } from '../../../lib/client/index.js';

/** Something that runs until its signal aborts (the scheduler, a controller manager, …). */
export interface Runnable {
  run(signal: AbortSignal): Promise<void>;
}

/** A started component and how to stop it. */
export interface Running<T extends Runnable> {
  readonly component: T;
  /** Aborts the run, waits for it to return, then closes the component's client. */
  stop(): Promise<void>;
}

/** Starts `component`; `client` (the component's own) is closed once it has stopped. */
export function runComponent<T extends Runnable>(component: T, client?: KubeClient): Running<T> {
  const ac = new AbortController();
  const done = component.run(ac.signal);
  return {
    component,
    async stop() {
      ac.abort();
      await done;
      client?.close();
    },
  };
}

/**
 * Calls `what` every `ms` until the returned stop function is called (and awaited). A failed
 * call is ignored: the next one tries again, as a kubelet's or a lease's loop would.
 */
export function every(ms: number, what: () => Promise<unknown>): () => Promise<void> {
  let stopped = false;
  const run = (async () => {
    while (!stopped) {
      await what().catch(() => undefined);
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return async () => {
    stopped = true;
    await run;
  };
}
