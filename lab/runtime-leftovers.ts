/**
 * Finds the node runtimes a lab left on the machine (for `lab clean`): the dirs
 * `<stateDir>/nodes/sy-<id>-node-i/` under the state dirs it knows, and any process whose
 * command line names such a dir (containerd's `--config`, a shim's `-address`, the kubelet's
 * flags), so a crashed lab's runtime is found even when its namespace or state file is gone.
 * Then ends them by pid and removes their mounts and files.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeDecision, RuntimeLeftover } from './clean-plan.js';
import { containerdPaths } from './containerd.js';
import { removeContainerdLeftovers, runcContainerPids, unmountUnder } from './containerd-leftovers.js';
import { nodeFiles, nodesDir } from './nodes.js';
import { processStartTicks } from './owner.js';

/** A node dir inside an argument: `…/nodes/sy-<id>-<target>` followed by `/` or the end. */
const NODE_DIR = /^(\/.*\/nodes\/(sy-[a-z0-9][a-z0-9-]*))(?:\/|$)/;

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name.startsWith('sy-'))
      .map((e) => e.name);
  } catch {
    return []; // no nodes dir
  }
}

/** The node runtimes under `stateDirs` or named by a running process, with their pids. */
export function findRuntimeLeftovers(stateDirs: readonly string[]): RuntimeLeftover[] {
  const found = new Map<string, { namespace: string; pids: Set<number> }>();
  const add = (dir: string, namespace: string): Set<number> => {
    let entry = found.get(dir);
    if (!entry) {
      entry = { namespace, pids: new Set() };
      found.set(dir, entry);
    }
    return entry.pids;
  };
  for (const stateDir of stateDirs) {
    const nodes = nodesDir(stateDir);
    for (const name of subdirs(nodes)) add(join(nodes, name), name);
  }
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    for (const arg of args) {
      const m = NODE_DIR.exec(arg);
      if (m?.[1] !== undefined && m[2] !== undefined) add(m[1], m[2]).add(pid);
    }
  }
  return [...found.entries()].map(([dir, { namespace, pids }]) => {
    const runc = containerdPaths(nodeFiles(dir).containerdDir).runcRoot;
    const all = new Set([...pids, ...runcContainerPids(runc)]);
    return { dir, namespace, pids: [...all].sort((a, b) => a - b) };
  });
}

/**
 * Ends a runtime's processes (SIGKILL, by pid, each only while it is the process observed: same
 * start time), then whatever containerd left (shims, containers, mounts), and removes the dir.
 */
export async function removeRuntime(
  decision: RuntimeDecision,
  ticks: ReadonlyMap<number, number>,
): Promise<void> {
  for (const pid of decision.pids) {
    const seen = ticks.get(pid);
    if (seen !== undefined && processStartTicks(pid) === seen) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  await removeContainerdLeftovers(containerdPaths(nodeFiles(decision.name).containerdDir));
  unmountUnder(decision.name);
  rmSync(decision.name, { recursive: true, force: true });
}
