/**
 * The pure core of `switchyard lab clean`: from what is on the machine (namespaces, leases,
 * state files, live test runs) decide what is a leftover of a crashed run. Every decision carries
 * its reason, so the command can say why it removed or kept each thing.
 *
 * Rules:
 * - A namespace covered by a lease (its name is the lease's prefix plus a lab target) lives and
 *   dies with that lab. A lab is alive when its owner is: a detached lab (built by `up`) while its state
 *   file still describes it; a process-owned lab (a test, an `up` at work) while that process runs.
 * - Any other `sy-<id>-…` namespace belongs to test run `<id>` (test/harness/kernel.ts names
 *   them so); it is alive while a process of that run is.
 * - A dead lab loses its namespaces, its lease and its state file (if the file still names it).
 * - A node runtime (`<stateDir>/nodes/<namespace>/`: containerd, its shims, runc containers, the
 *   kubelet, their mounts) follows its namespace's fate by name, also when the namespace itself
 *   is already gone: its processes are ended by pid, its mounts and files removed.
 */
import { labTargetOf } from './plan.js';
import type { LabLease, LabState } from './state.js';

/** A lab found through its lease, with the facts needed to judge it. */
export interface LeasedLab {
  readonly leaseFile: string;
  readonly lease: LabLease;
  /** The state file the lease points to, or undefined when it is gone or unreadable. */
  readonly state: LabState | undefined;
  /** Whether the lease's owner process still runs (always true for a detached owner). */
  readonly ownerAlive: boolean;
}

/** A state file with no lease (for example after /run was cleared). */
export interface OrphanState {
  readonly path: string;
  readonly state: LabState;
}

/** A node's runtime dir found on the machine, with the processes that belong to it. */
export interface RuntimeLeftover {
  /** `<stateDir>/nodes/<namespace>`. */
  readonly dir: string;
  /** The node namespace it was made for (the dir's name). */
  readonly namespace: string;
  /** containerd, shims and kubelet (their command lines name the dir) and runc containers. */
  readonly pids: readonly number[];
}

/** A runtime to stop and remove, with its processes. */
export interface RuntimeDecision extends CleanDecision {
  readonly pids: readonly number[];
}

/** What `lab clean` sees. */
export interface CleanObservation {
  /** Node runtime dirs (lab/nodes.ts) under the known state dirs or named by a process. */
  readonly runtimes?: readonly RuntimeLeftover[];
  /** Every network namespace whose name starts with `sy-`. */
  readonly namespaces: readonly string[];
  readonly labs: readonly LeasedLab[];
  readonly orphanStates: readonly OrphanState[];
  /** Run ids with a live process (see owner.ts). */
  readonly liveRunIds: ReadonlySet<string>;
  /** Only consider namespaces and labs whose names start with this (tests confine themselves). */
  readonly scope?: string;
}

/** One decision with its reason. */
export interface CleanDecision {
  readonly name: string;
  readonly reason: string;
}

/** What to remove and what to keep, each with a reason. */
export interface CleanPlan {
  readonly deleteNamespaces: readonly CleanDecision[];
  readonly keepNamespaces: readonly CleanDecision[];
  readonly removeFiles: readonly CleanDecision[];
  /** Node runtimes to end (by pid) and remove; the name is the dir. */
  readonly removeRuntimes: readonly RuntimeDecision[];
}

/** Why a lab is dead, or undefined when it is alive. */
export function labDeathReason(lab: LeasedLab): string | undefined {
  const { lease } = lab;
  if (lease.owner.kind === 'process') {
    return lab.ownerAlive ? undefined : `owner process ${lease.owner.pid} is gone`;
  }
  if (lab.state === undefined) return `state file ${lease.stateFile} is gone`;
  if (lab.state.labId !== lease.labId) {
    return `state file ${lease.stateFile} now describes lab ${lab.state.labId}`;
  }
  return undefined;
}

/** The test run a `sy-<id>-…` namespace belongs to. */
export function runIdOf(namespace: string): string {
  const rest = namespace.slice('sy-'.length);
  const dash = rest.indexOf('-');
  return dash === -1 ? rest : rest.slice(0, dash);
}

/** Decides what `lab clean` removes. Pure. */
export function planClean(obs: CleanObservation): CleanPlan {
  const scope = obs.scope ?? 'sy-';
  const inScope = (name: string): boolean => name.startsWith(scope);
  const deleteNamespaces: CleanDecision[] = [];
  const keepNamespaces: CleanDecision[] = [];
  const removeFiles: CleanDecision[] = [];
  const labs = obs.labs.filter((l) => inScope(l.lease.prefix));

  // The fate of a namespace name: kept with the reason, or removed with the reason.
  const fate = (ns: string): { readonly keep: boolean; readonly reason: string } => {
    const lab = labs.find((l) => labTargetOf(l.lease.prefix, ns) !== undefined);
    if (lab) {
      const death = labDeathReason(lab);
      return death === undefined
        ? { keep: true, reason: `lab ${lab.lease.labId} is alive` }
        : { keep: false, reason: `lab ${lab.lease.labId}: ${death}` };
    }
    const run = runIdOf(ns);
    return obs.liveRunIds.has(run)
      ? { keep: true, reason: `test run ${run} is alive` }
      : { keep: false, reason: `no lab holds it and test run ${run} is gone` };
  };
  for (const ns of [...obs.namespaces].filter(inScope).sort()) {
    const f = fate(ns);
    (f.keep ? keepNamespaces : deleteNamespaces).push({ name: ns, reason: f.reason });
  }
  const removeRuntimes: RuntimeDecision[] = [];
  for (const rt of [...(obs.runtimes ?? [])].sort((a, b) => a.dir.localeCompare(b.dir))) {
    if (!inScope(rt.namespace)) continue;
    const f = fate(rt.namespace);
    if (!f.keep) {
      removeRuntimes.push({
        name: rt.dir,
        reason: `node runtime of ${rt.namespace}: ${f.reason}`,
        pids: rt.pids,
      });
    }
  }

  for (const lab of labs) {
    const death = labDeathReason(lab);
    if (death === undefined) continue;
    removeFiles.push({ name: lab.leaseFile, reason: `lease of lab ${lab.lease.labId}: ${death}` });
    if (lab.state?.labId === lab.lease.labId) {
      removeFiles.push({ name: lab.lease.stateFile, reason: `state of lab ${lab.lease.labId}: ${death}` });
    }
  }

  const present = new Set(obs.namespaces);
  const kept = new Set(keepNamespaces.map((k) => k.name));
  const leased = new Set(obs.labs.map((l) => l.lease.labId));
  for (const orphan of obs.orphanStates) {
    if (!inScope(orphan.state.prefix) || leased.has(orphan.state.labId)) continue;
    // Without a lease nothing owns the lab; its namespaces fall under the run rule above, and
    // the file goes unless that rule kept one of them.
    if (orphan.state.namespaces.some((n) => kept.has(n.name))) continue;
    const left = orphan.state.namespaces.filter((n) => present.has(n.name)).length;
    removeFiles.push({
      name: orphan.path,
      reason: `state of lab ${orphan.state.labId} has no lease (${left} of its namespaces left)`,
    });
  }
  return { deleteNamespaces, keepNamespaces, removeFiles, removeRuntimes };
}
