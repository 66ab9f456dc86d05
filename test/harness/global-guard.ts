/**
 * Vitest global setup: the guard of the whole suite. Before any test it fixes a run id and
 * snapshots the root namespace; after the last test it lists every namespace, process and
 * root-namespace change of this run that is left, removes the leftovers so a failed run does
 * not poison the machine, and hands the list to the runner.
 *
 * vitest 4 only logs an error thrown from a global teardown and still exits 0, so the findings
 * go to the file the runner names in SY_GUARD_REPORT; the runner counts each one as a failure
 * (cli/test-runner). Run without the runner (plain `vitest run`), the guard prints them and
 * sets the exit status, which fails the run but cannot count in vitest's totals.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { GUARD_REPORT_ENV, RUN_ID_ENV } from '../../cli/test-runner/env.js';
import { writeGuardReport } from '../../cli/test-runner/guard-report.js';
import { diffRootState, leftoverNamespaces, leftoverProcesses, readRootState } from './root-state.js';

export interface GuardOptions {
  /**
   * A network namespace to watch in place of the root namespace. Only the guard's own test
   * sets it, so it can prove a root-namespace change fails the run without making one.
   */
  readonly rootNetns?: string;
}

function errorText(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr : (err as Error).message;
  return text.trim().split('\n')[0] ?? '';
}

/** Kills the run's leftover processes and removes its namespaces; one finding for each. */
function removeLeftovers(id: string): string[] {
  const findings: string[] = [];
  for (const p of leftoverProcesses(id)) {
    try {
      process.kill(p.pid, 'SIGKILL');
      findings.push(`process ${p.pid} was left running (the guard killed it): ${p.cmdline}`);
    } catch (err: unknown) {
      const gone = (err as NodeJS.ErrnoException).code === 'ESRCH';
      findings.push(
        gone
          ? `process ${p.pid} was left running (it ended as the guard found it): ${p.cmdline}`
          : `process ${p.pid} was left running and the guard could not kill it (${errorText(err)}): ${p.cmdline}`,
      );
    }
  }
  for (const ns of leftoverNamespaces(id)) {
    try {
      execFileSync('ip', ['netns', 'delete', ns], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      findings.push(`network namespace ${ns} was left (the guard removed it)`);
    } catch (err: unknown) {
      findings.push(`network namespace ${ns} was left and the guard could not remove it: ${errorText(err)}`);
    }
  }
  return findings;
}

/** The global setup, watching the root namespace or `options.rootNetns`. */
export function guardSetup(options: GuardOptions = {}): () => () => void {
  const where =
    options.rootNetns === undefined
      ? 'root namespace'
      : `network namespace ${options.rootNetns} (standing in for the root namespace)`;
  return function setup() {
    const id = process.env[RUN_ID_ENV] ?? randomBytes(3).toString('hex');
    process.env[RUN_ID_ENV] = id;
    const before = readRootState(options.rootNetns);
    return function teardown(): void {
      const findings = [
        ...removeLeftovers(id),
        ...diffRootState(before, readRootState(options.rootNetns), where),
      ];
      const reportPath = process.env[GUARD_REPORT_ENV];
      if (reportPath) {
        writeGuardReport(reportPath, { runId: id, findings });
        return;
      }
      if (findings.length > 0) {
        process.stderr.write(`guard: the suite left state behind:\n  ${findings.join('\n  ')}\n`);
        process.exitCode = 1;
      }
    };
  };
}

export default guardSetup();
