/**
 * An exclusive lock the kernel drops when its holder dies, taken without starting a process:
 * a listening Unix socket in the abstract namespace (unix(7), "Abstract sockets"). Binding the
 * name is atomic and fails with EADDRINUSE while another process holds it; the name vanishes
 * when the socket is closed or its process is killed, so a crashed plugin never leaves the store
 * locked and there is no stale-lock file to judge. (flock(2) would need a helper process here:
 * Node has no binding, and exec'ing one costs more than the rest of an ADD.)
 * Scope: abstract names belong to a network namespace; every CNI call of one runtime runs in the
 * runtime's namespace, so its calls exclude each other. Two runtimes in different namespaces
 * must not share a dataDir (see cni/README.md).
 */
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CniCode, CniError } from '../../lib/cni/index.js';

/** Releases a held lock. */
export type Unlock = () => void;

/** Options for `lockPath`. */
export interface LockOptions {
  /** Give up after this many seconds with code 11 (try again later). */
  readonly timeoutSeconds?: number;
}

/**
 * The abstract socket name for a lock on `path`: the path itself when it fits (unix(7) allows
 * 107 bytes after the leading NUL), else a 64-bit FNV-1a hash of it. No node:crypto: loading it
 * costs a plugin ~10 ms of start-up, and a hash collision would only serialise two stores.
 */
export function lockName(path: string): string {
  const prefix = '\0switchyard-cni:';
  if (Buffer.byteLength(path) <= 100 - prefix.length) return `${prefix}${path}`;
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(path)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return `${prefix}${h.toString(16)}`;
}

function tryBind(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(undefined);
      else reject(err);
    });
    server.listen({ path: name, exclusive: true }, () => {
      // Nobody ever connects; the socket only has to exist. Do not keep the process alive for it.
      server.unref();
      resolve(server);
    });
  });
}

/** Takes the exclusive lock named after `path`; resolves once held. Polls with backoff capped at 4 ms (plus jitter): holders keep it for a few ms, and a bind attempt is cheap. */
export async function lockPath(path: string, opts: LockOptions = {}): Promise<Unlock> {
  // Absolute, so callers with different working directories agree on the name.
  const name = lockName(resolve(path));
  const deadline = Date.now() + (opts.timeoutSeconds ?? 60) * 1000;
  for (let delay = 1; ; delay = Math.min(delay * 2, 4)) {
    const server = await tryBind(name);
    if (server) return () => server.close();
    if (Date.now() > deadline) {
      throw new CniError(
        CniCode.TryAgainLater,
        `lock on ${path}: still held after ${opts.timeoutSeconds ?? 60}s`,
      );
    }
    // Jitter spreads waiters so they do not retry in lockstep.
    await sleep(delay + Math.random() * delay);
  }
}
