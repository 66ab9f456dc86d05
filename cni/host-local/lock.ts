/**
 * An exclusive lock on a file with flock(2), which the kernel drops when its holder dies, so a
 * killed plugin can never leave the store locked. Node has no flock binding, so a small
 * `flock FILE sh -c 'echo; cat'` child holds it: it prints a line once the lock is taken and
 * keeps it until its stdin closes, which happens on release or when this process dies.
 */
import { spawn } from 'node:child_process';
import { CniCode, CniError } from '../../lib/cni/index.js';

/** Releases a held lock. */
export type Unlock = () => void;

/** Options for `lockFile`. */
export interface LockOptions {
  /** Give up after this many seconds with code 11 (try again later). */
  readonly timeoutSeconds?: number;
}

/** Takes the exclusive lock on `file` (created if missing); resolves once it is held. */
export function lockFile(file: string, opts: LockOptions = {}): Promise<Unlock> {
  const timeout = String(opts.timeoutSeconds ?? 60);
  return new Promise((resolve, reject) => {
    const child = spawn(
      'flock',
      ['-x', '-w', timeout, file, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let held = false;
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdin.on('error', () => undefined);
    child.stdout.once('data', () => {
      held = true;
      resolve(() => {
        child.stdin.end();
      });
    });
    child.on('error', (e) =>
      reject(new CniError(CniCode.Internal, `lock ${file}: ${e.message}`, { cause: e })),
    );
    child.on('close', (code) => {
      if (!held) {
        reject(
          new CniError(
            CniCode.TryAgainLater,
            `lock ${file}: not acquired within ${timeout}s (flock exit ${code}) ${err.trim()}`,
          ),
        );
      }
    });
  });
}
