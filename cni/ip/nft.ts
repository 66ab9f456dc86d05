/**
 * Applies a lib/nft Transaction with one `nft -f -` in the plugin's own namespace (the
 * runtime's): all-or-nothing, one exec per ADD or DEL (STYLE.md habit 3).
 */
import { CniCode, CniError } from '../../lib/cni/index.js';
import type { Transaction } from '../../lib/nft/index.js';
import { spawnSync } from './spawn.js';

/** Runs the transaction; throws a coded error carrying nft's message on failure. */
export function nftApply(tx: Transaction): void {
  if (tx.error) throw tx.error;
  if (tx.size === 0) return;
  const script = tx.toString();
  const r = spawnSync('nft', ['-f', '-'], { input: script });
  if (r.error) throw new CniError(CniCode.KernelFailure, `nft: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) {
    throw new CniError(
      CniCode.KernelFailure,
      `nft -f: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.status}`}`,
      {
        details: script,
      },
    );
  }
}

/** Runs `nft -j ARGS…` and parses it; undefined when the object does not exist (ENOENT). */
export function nftJson(args: readonly string[]): unknown {
  const r = spawnSync('nft', ['-j', ...args]);
  if (r.error) throw new CniError(CniCode.KernelFailure, `nft: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) {
    if (/No such file or directory/.test(r.stderr)) return undefined;
    throw new CniError(
      CniCode.KernelFailure,
      `nft -j ${args.join(' ')}: ${r.stderr.trim().split('\n')[0] ?? ''}`,
    );
  }
  return JSON.parse(r.stdout) as unknown;
}
