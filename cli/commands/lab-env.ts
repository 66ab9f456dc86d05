/**
 * What the lab commands share: where the lab's files are (SWITCHYARD_STATE_DIR and
 * SWITCHYARD_RUN_DIR move them, for tests), the root check, and a kernel netlink handle that is
 * always disposed.
 */

import { type LabNetlink, type LabPaths, labPaths } from '../../lab/index.js';
import { createNetlink } from '../../lib/netlink/index.js';
import { type CommandContext, UsageError } from '../command.js';

/** The lab's directories for this invocation. */
export function pathsFor(ctx: CommandContext): LabPaths {
  return labPaths(ctx.root);
}

/** Fails with one clear line unless we run as root (namespaces need CAP_SYS_ADMIN). */
export function requireRoot(command: string): void {
  if (process.getuid?.() !== 0) {
    throw new UsageError(
      `${command}: needs root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)`,
      1,
    );
  }
}

/** Runs `fn` with a kernel netlink handle and disposes of it afterwards. */
export async function withNetlink<T>(fn: (netlink: LabNetlink) => Promise<T>): Promise<T> {
  const netlink = createNetlink();
  try {
    return await fn(netlink);
  } finally {
    netlink.dispose();
  }
}

/** Rejects positional arguments a command does not take. */
export function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument "${positionals[0]}"`);
}
