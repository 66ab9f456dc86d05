/**
 * Switching the main thread's network namespace with setns(2), for synchronous work only.
 *
 * Why synchronous: setns changes the namespace of the calling thread. Node runs all
 * JavaScript on the main thread, so while a synchronous function runs nothing else can
 * observe the switch; an `await` inside would let unrelated code run in the wrong namespace.
 * Sockets (netlink, TCP, UDP) keep the namespace they were created in, so creating them inside
 * the window is enough. The original namespace fd is opened at module load and kept open, so
 * switching back never depends on a path lookup.
 */
import { closeSync, openSync } from 'node:fs';
import { invalid, notFound, SwitchyardError, systemError } from '../errors/index.js';
import { setns, unshareNet } from './libc.js';
import { netnsPath } from './path.js';

const originalFd = openSync('/proc/thread-self/ns/net', 'r');
let depth = 0;

/**
 * Opens a namespace file (O_RDONLY|O_CLOEXEC) and returns the fd; the caller closes it.
 * Unknown namespace → `notFound('network namespace', ref)`.
 */
export function openNetnsFd(ref: string): number {
  const path = netnsPath(ref);
  try {
    return openSync(path, 'r');
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound('network namespace', ref, err);
    throw systemError('open', (err as NodeJS.ErrnoException).errno ?? 0, path, { cause: err });
  }
}

/** Runs `fn` after `enter()` moved the thread, then restores the namespace that was current. */
function runSwitched<T>(enter: () => void, fn: () => T): T {
  // Nested calls restore to the enclosing namespace, so they need its fd; the outermost call
  // restores to the fd held since module load.
  const backFd = depth === 0 ? originalFd : openSync('/proc/thread-self/ns/net', 'r');
  try {
    enter();
    depth += 1;
    try {
      return fn();
    } finally {
      depth -= 1;
      // A thread left in the wrong namespace would silently misdirect every later socket;
      // failing to switch back is not recoverable.
      setns(backFd, 'restoring the original network namespace');
    }
  } finally {
    if (backFd !== originalFd) closeSync(backFd);
  }
}

/**
 * Runs a SYNCHRONOUS `fn` with the main thread inside namespace `ref` (name or path), then
 * switches back, also when `fn` throws. `undefined` runs `fn` in the current namespace.
 * Do not pass an async function: the namespace is restored when it returns its promise.
 */
export function withNetns<T>(ref: string | undefined, fn: () => T): T {
  if (ref === undefined) return fn();
  const fd = openNetnsFd(ref);
  try {
    const result = runSwitched(() => setns(fd, `network namespace "${ref}"`), fn);
    // Everything after the function's first `await` would run in the original namespace.
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      throw invalid(
        'fn',
        'must be synchronous: it returned a promise, whose rest would run outside the namespace',
      );
    }
    return result;
  } catch (err: unknown) {
    // setns on a file that is not a network namespace (a stale /run/netns entry) is EINVAL;
    // name the namespace rather than the errno.
    if (err instanceof SwitchyardError && err.syscall === 'setns' && err.errno === 22) {
      throw notFound('network namespace', ref, err);
    }
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** Runs a synchronous `fn` inside a brand-new, unnamed network namespace (unshare(2)). */
export function withNewNetns<T>(fn: () => T): T {
  return runSwitched(unshareNet, fn);
}
