/**
 * An exclusive lock the kernel drops when its holder dies, taken without starting a process:
 * a bound Unix socket in the abstract namespace (unix(7), "Abstract sockets"). Binding the
 * name is atomic and fails with EADDRINUSE while another process holds it; the name vanishes
 * when the socket is closed or its process is killed, so a crashed plugin never leaves the store
 * locked and there is no stale-lock file to judge. (flock(2) would need a helper process here:
 * Node has no binding, and exec'ing one costs more than the rest of an ADD.)
 * Scope: abstract names belong to a network namespace; every CNI call of one runtime runs in the
 * runtime's namespace, so its calls exclude each other. Two runtimes in different namespaces
 * must not share a dataDir (see cni/README.md).
 */
import { resolve } from 'node:path';
import { CniCode, CniError } from '../../lib/cni/index.js';
import { processBinding } from '../ip/binding.js';

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

/** A bound socket: the lock is held until it is closed (or its process dies). */
interface Held {
  close(): void;
}

/** The slice of the `pipe_wrap` binding that `net.Server` uses to bind a Unix socket. */
interface PipeBinding {
  readonly Pipe: new (type: number) => { bind(name: string): number; close(): void };
  readonly constants: { readonly SERVER: number };
}

function isPipeBinding(value: unknown): value is PipeBinding {
  const b = value as Partial<PipeBinding> | undefined;
  return typeof b?.Pipe === 'function' && typeof b.constants?.SERVER === 'number';
}

const UV_EADDRINUSE = -98;

/**
 * Binds the name with the `pipe_wrap` handle directly: synchronous, and without loading
 * `node:net`, which costs a plugin ~5 ms of start-up (see ../ip/spawn.ts). Binding alone
 * reserves an abstract name; nothing needs to listen. undefined = held by someone else;
 * null = no binding here, or an unexpected error (use net).
 */
function tryBindHandle(name: string): Held | undefined | null {
  const b = processBinding('pipe_wrap');
  if (!isPipeBinding(b)) return null;
  const handle = new b.Pipe(b.constants.SERVER);
  const err = handle.bind(name);
  if (err === 0) return handle;
  handle.close();
  // Anything but "taken" goes the public way, which reports it with a proper message.
  return err === UV_EADDRINUSE ? undefined : null;
}

function tryBindNet(name: string): Promise<Held | undefined> {
  const { createServer } = process.getBuiltinModule('node:net');
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

async function tryBind(name: string): Promise<Held | undefined> {
  const held = tryBindHandle(name);
  return held === null ? tryBindNet(name) : held;
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
    await new Promise((done) => setTimeout(done, delay + Math.random() * delay));
  }
}
