/**
 * The adapter of `switchyard lab clean`: gathers what is on the machine, lets the pure
 * `planClean` decide, then ends processes, deletes namespaces and removes files.
 */

import { dirname } from 'node:path';
import { messageOf } from '../lib/errors/index.js';
import { kernelNetns, type NetnsOps } from './apply.js';
import {
  type CleanDecision,
  type CleanPlan,
  type LeasedLab,
  type OrphanState,
  planClean,
} from './clean-plan.js';
import { isOwnerAlive, liveRunIds, processStartTicks } from './owner.js';
import { netnsInode } from './procs.js';
import { findRuntimeLeftovers, removeRuntime } from './runtime-leftovers.js';
import {
  type LabPaths,
  type LabState,
  listLeaseFiles,
  readLease,
  readState,
  removeFile,
  stateFile,
} from './state.js';

/** Options for {@link cleanLabs}. */
export interface CleanOptions {
  readonly paths: LabPaths;
  readonly netns?: NetnsOps;
  /** Only touch namespaces and labs whose names start with this; default every `sy-` name. */
  readonly scope?: string;
  /** Decide and report, remove nothing. */
  readonly dryRun?: boolean;
}

/** What `lab clean` decided, and any problems met on the way. */
export interface CleanReport extends CleanPlan {
  /** Files that could not be read (corrupt leases), kept for a human to look at. */
  readonly unreadable: readonly CleanDecision[];
}

function safeState(path: string): LabState | undefined {
  try {
    return readState(path);
  } catch {
    return undefined;
  }
}

/** Finds and removes the leftovers of crashed labs and test runs. */
export async function cleanLabs(options: CleanOptions): Promise<CleanReport> {
  const netns = options.netns ?? kernelNetns;
  const namespaces = netns.list().filter((n) => n.startsWith('sy-'));
  const labs: LeasedLab[] = [];
  const unreadable: CleanDecision[] = [];
  for (const file of listLeaseFiles(options.paths)) {
    try {
      const lease = readLease(file);
      if (!lease) continue; // removed meanwhile
      labs.push({
        leaseFile: file,
        lease,
        state: safeState(lease.stateFile),
        ownerAlive: isOwnerAlive(lease.owner),
      });
    } catch (err: unknown) {
      unreadable.push({ name: file, reason: messageOf(err) });
    }
  }
  const orphanStates: OrphanState[] = [];
  const own = stateFile(options.paths);
  const ownState = safeState(own);
  if (ownState && !labs.some((l) => l.lease.stateFile === own))
    orphanStates.push({ path: own, state: ownState });

  const inodes = new Set(namespaces.map(netnsInode).filter((i): i is number => i !== undefined));
  const runtimes = findRuntimeLeftovers([
    ...new Set([options.paths.stateDir, ...labs.map((l) => dirname(l.lease.stateFile))]),
  ]);
  const ticks = new Map<number, number>();
  for (const pid of runtimes.flatMap((r) => r.pids)) {
    const t = processStartTicks(pid);
    if (t !== undefined) ticks.set(pid, t);
  }
  const plan = planClean({
    namespaces,
    labs,
    orphanStates,
    runtimes,
    liveRunIds: liveRunIds(inodes),
    ...(options.scope === undefined ? {} : { scope: options.scope }),
  });
  if (!options.dryRun) {
    // Runtimes first: containerd's pods hold mounts and pod namespaces the node's removal leaves.
    for (const rt of plan.removeRuntimes) await removeRuntime(rt, ticks);
    const doomed = plan.deleteNamespaces.map((d) => d.name);
    await netns.killProcesses(doomed);
    for (const name of doomed) netns.remove(name);
    for (const f of plan.removeFiles) removeFile(f.name);
  }
  return { ...plan, unreadable };
}

/** A clean report as text, one decision a line. Pure. */
export function formatClean(report: CleanReport, dryRun = false): string {
  const verb = dryRun ? 'would delete' : 'deleted';
  const lines = [
    ...report.deleteNamespaces.map((d) => `${verb} namespace ${d.name}: ${d.reason}`),
    ...report.removeRuntimes.map(
      (d) =>
        `${dryRun ? 'would stop and remove' : 'stopped and removed'} ${d.name} (${d.pids.length} process(es)): ${d.reason}`,
    ),
    ...report.removeFiles.map((d) => `${dryRun ? 'would remove' : 'removed'} ${d.name}: ${d.reason}`),
    ...report.keepNamespaces.map((d) => `kept namespace ${d.name}: ${d.reason}`),
    ...report.unreadable.map((d) => `skipped unreadable ${d.name}: ${d.reason}`),
  ];
  if (lines.length === 0) lines.push('nothing to clean');
  return `${lines.join('\n')}\n`;
}
