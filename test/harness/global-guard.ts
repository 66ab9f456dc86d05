/**
 * Vitest global setup: the guard of the whole suite. Before any test it fixes a run id and
 * snapshots the root namespace; after the last test it fails the run if any namespace,
 * process or root-namespace change of this run is left, then removes the leftovers so a
 * failed run does not poison the machine.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { diffRootState, leftoverNamespaces, leftoverProcesses, readRootState } from './root-state.js';

export default function setup(): () => void {
  const id = process.env.SY_RUN_ID ?? randomBytes(3).toString('hex');
  process.env.SY_RUN_ID = id;
  const before = readRootState();
  return function teardown(): void {
    const problems: string[] = [];
    for (const p of leftoverProcesses(id)) {
      problems.push(`process ${p.pid} left running: ${p.cmdline}`);
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const ns of leftoverNamespaces(id)) {
      problems.push(`network namespace left: ${ns}`);
      try {
        execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
      } catch {
        // best effort
      }
    }
    problems.push(...diffRootState(before, readRootState()));
    if (problems.length > 0) {
      throw new Error(`guard: the suite left state behind:\n  ${problems.join('\n  ')}`);
    }
  };
}
