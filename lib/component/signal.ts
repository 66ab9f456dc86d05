/** Waiting for the stop signal every long-running component honours. */

/**
 * Resolves on the first SIGTERM or SIGINT (what kubelet and a terminal send), then removes its
 * listeners so a second signal falls back to Node's default (exit at once).
 */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
