/**
 * Liveness of lab owners and test runs, read from /proc. A pid alone is not an identity (pids are
 * reused), so an owner is a pid plus its start time in clock ticks since boot (proc(5), field 22
 * of /proc/PID/stat), which no later process with the same pid can share.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { LabOwner } from './state.js';

/** The start time of a process in clock ticks since boot, or undefined when it is gone. */
export function processStartTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')', so count
  // fields from the last ')': field 3 is the first one after it, field 22 the twentieth.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/**
 * True when the process has exited but its parent has not reaped it yet (state `Z`, proc(5)
 * field 3): it holds its pid and start time, yet runs nothing.
 */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** An owner record for a running process (default: this one). */
export function processOwner(pid: number = process.pid): LabOwner {
  const startTicks = processStartTicks(pid);
  if (startTicks === undefined) throw new Error(`process ${pid} is not running`);
  return { kind: 'process', pid, startTicks };
}

/** True while the owner can still keep its lab: a detached lab always can, a process while it runs. */
export function isOwnerAlive(owner: LabOwner): boolean {
  if (owner.kind === 'detached') return true;
  return processStartTicks(owner.pid) === owner.startTicks;
}

/** The network-namespace inode of a process, or undefined when it is gone. */
export function processNetnsInode(pid: number): number | undefined {
  try {
    const link = readlinkSync(`/proc/${pid}/ns/net`); // "net:[4026531840]"
    const n = Number(link.slice(link.indexOf('[') + 1, -1));
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Run ids of test runs that are still alive: every process started by a vitest run carries
 * `SY_RUN_ID` in its environment (test/harness/global-guard.ts sets it before the workers fork).
 * Processes inside the namespaces in `ignoreNetns` do not count: a command a crashed test left
 * running in its namespace inherits the variable but keeps nothing alive.
 */
export function liveRunIds(ignoreNetns: ReadonlySet<number> = new Set()): Set<string> {
  const ids = new Set<string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    const at = environ.indexOf('SY_RUN_ID=');
    if (at === -1 || (at > 0 && environ[at - 1] !== '\0')) continue;
    const inode = processNetnsInode(pid);
    if (inode !== undefined && ignoreNetns.has(inode)) continue;
    const end = environ.indexOf('\0', at);
    ids.add(environ.slice(at + 'SY_RUN_ID='.length, end === -1 ? undefined : end));
  }
  return ids;
}
