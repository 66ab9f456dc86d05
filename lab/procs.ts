/**
 * Processes inside a named network namespace, found the way `ip netns pids` does: a process is
 * inside when /proc/PID/ns/net is the same nsfs inode as the namespace's bind mount.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { netnsPath } from '../lib/netns/index.js';
import { processNetnsInode } from './owner.js';

/** The nsfs inode of a named namespace, or undefined when it does not exist. */
export function netnsInode(name: string): number | undefined {
  try {
    return statSync(netnsPath(name)).ino;
  } catch {
    return undefined;
  }
}

/** Pids of the processes inside each of the given namespaces (by name), sorted. */
export function pidsInNetns(names: readonly string[]): Map<string, number[]> {
  const byInode = new Map<number, string>();
  const out = new Map<string, number[]>();
  for (const name of names) {
    out.set(name, []);
    const inode = netnsInode(name);
    if (inode !== undefined) byInode.set(inode, name);
  }
  if (byInode.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const inode = processNetnsInode(pid);
    const name = inode === undefined ? undefined : byInode.get(inode);
    if (name !== undefined) out.get(name)?.push(pid);
  }
  for (const pids of out.values()) pids.sort((a, b) => a - b);
  return out;
}

/**
 * Pids of processes in any namespace whose command line has one of `names` as a whole argument:
 * helpers of a lab that live outside it, like the host forwarder (`lab forward --netns NAME`).
 */
export function pidsNamingNetns(names: readonly string[]): number[] {
  const wanted = new Set(names);
  const out: number[] = [];
  if (wanted.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.split('\0').some((arg) => wanted.has(arg))) out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // ESRCH: already gone
  }
}

/** Options for {@link killNetnsProcesses}. */
export interface KillOptions {
  /** How long SIGTERM gets before SIGKILL. Default 2000 ms. */
  readonly graceMs?: number;
}

/**
 * Ends every process inside the given namespaces, and every process naming one of them on its
 * command line (a lab's helpers in the root namespace): SIGTERM, then SIGKILL for those still there
 * after the grace period. Resolves with the pids it signalled.
 */
export async function killNetnsProcesses(
  names: readonly string[],
  options: KillOptions = {},
): Promise<number[]> {
  const pids = [...new Set([...[...pidsInNetns(names).values()].flat(), ...pidsNamingNetns(names)])];
  const signalled = pids.filter((pid) => signal(pid, 'SIGTERM'));
  const deadline = Date.now() + (options.graceMs ?? 2000);
  let left = signalled;
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = left.filter((pid) => signal(pid, 0));
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  return signalled;
}
