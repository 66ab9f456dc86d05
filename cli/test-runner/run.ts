/**
 * The test runner behind `switchyard test` (and `npm test`): the checks, then vitest, then one
 * verdict over both and the global guard's findings. Every run gets fresh file names for
 * vitest's results and the guard's report (and the previous run's results file is removed
 * first), so nothing an earlier run left can be counted as this run's.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GUARD_REPORT_ENV, RUN_ID_ENV, refusalReason } from './env.js';
import { readGuardReport } from './guard-report.js';
import {
  type CheckOutcome,
  formatSummary,
  parseVitestReport,
  summarize,
  type VitestOutcome,
} from './summary.js';

/** A program the runner runs before vitest, such as the type-check. */
export interface SuiteStep {
  readonly title: string;
  readonly command: string;
  readonly args: readonly string[];
}

export interface SuiteOptions {
  /** The project: every step runs here, and `.switchyard/` under it holds the run's files. */
  readonly root: string;
  /** Steps before vitest; a failing one counts as a failure and the run goes on. */
  readonly checks: readonly SuiteStep[];
  /** The vitest executable. */
  readonly vitest: string;
  /** Passed to `vitest run` after the reporter options (files, filters). */
  readonly vitestArgs: readonly string[];
  /** The environment of every step; the runner adds the run id and the guard's report path. */
  readonly env: NodeJS.ProcessEnv;
  /** This run's id, which every `sy-` name of the run carries (default: 6 random hex digits). */
  readonly runId?: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Runs one step with the options' streams. When those are this process's own, the child
 * inherits them, so vitest still sees a terminal (colours, live progress).
 */
function runStep(step: SuiteStep, options: SuiteOptions, env: NodeJS.ProcessEnv): Promise<number> {
  options.stderr.write(`\n== ${step.title}\n`);
  const inherit = options.stdout === process.stdout && options.stderr === process.stderr;
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      cwd: options.root,
      env,
      stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(options.stdout, { end: false });
    child.stderr?.pipe(options.stderr, { end: false });
    child.on('error', (err) => {
      options.stderr.write(`${step.title}: ${err.message}\n`);
      resolve(1);
    });
    // `close`, not `exit`: it comes after the child's output has been passed on.
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function readVitestOutcome(path: string, exitCode: number, root: string, startedAt: number): VitestOutcome {
  if (!existsSync(path)) return { kind: 'no-report', exitCode, reason: `vitest wrote no ${path}` };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err: unknown) {
    return { kind: 'no-report', exitCode, reason: `${path}: ${(err as Error).message}` };
  }
  const parsed = parseVitestReport(json, root, startedAt);
  if (parsed.kind === 'invalid') return { kind: 'no-report', exitCode, reason: `${path}: ${parsed.reason}` };
  return { kind: 'report', exitCode, report: parsed.report };
}

/**
 * Runs the suite and prints the verdict, ending with the one plain `N passed, N failed` line.
 * Resolves to the exit status: 0 only when nothing failed.
 */
export async function runSuite(options: SuiteOptions): Promise<number> {
  const refusal = refusalReason(options.env);
  if (refusal !== undefined) {
    options.stdout.write(formatSummary({ passed: 0, failed: [`refused: ${refusal}`], skipped: [] }));
    return 1;
  }
  const runId = options.runId ?? randomBytes(3).toString('hex');
  const state = join(options.root, '.switchyard');
  mkdirSync(state, { recursive: true });
  // The last run's results stay readable at this path; it goes before the run so that after a
  // run that wrote none, nothing there can be mistaken for this run's.
  const lastResults = join(state, 'test-results.json');
  rmSync(lastResults, { force: true });
  const dir = mkdtempSync(join(state, 'test-run-'));
  const results = join(dir, 'results.json');
  const guardReport = join(dir, 'guard.json');
  try {
    const env = { ...options.env, [RUN_ID_ENV]: runId, [GUARD_REPORT_ENV]: guardReport };
    const checks: CheckOutcome[] = [];
    for (const step of options.checks) {
      checks.push({ title: step.title, exitCode: await runStep(step, options, env) });
    }
    const startedAt = Date.now();
    const vitestStep = {
      title: `tests (vitest, run ${runId})`,
      command: options.vitest,
      args: [
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${results}`,
        ...options.vitestArgs,
      ],
    };
    const exitCode = await runStep(vitestStep, options, env);
    const summary = summarize({
      checks,
      vitest: readVitestOutcome(results, exitCode, options.root, startedAt),
      guard: readGuardReport(guardReport, runId),
    });
    if (existsSync(results)) renameSync(results, lastResults);
    options.stdout.write(`\n${formatSummary(summary)}`);
    return summary.failed.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
