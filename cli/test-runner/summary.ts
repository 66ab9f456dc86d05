/**
 * The verdict of a test run, pure: vitest's JSON report, the exit status of every step and the
 * global guard's findings in; one list of named failures, one of named skipped tests and the
 * closing `N passed, N failed[, N skipped]` line out. Anything that went wrong outside a test
 * (a check, a crashed vitest, a missing report, each guard finding) counts as one failure, so
 * the closing line can only say `0 failed` when everything was clean.
 */
import { relative } from 'node:path';
import { isJsonObject } from '../../lib/api/json.js';
import type { GuardOutcome } from './guard-report.js';

/** One test as the run saw it; todo and skipped tests are both `skipped`. */
export interface TestCase {
  /** `file › describe › … › test`, the file relative to the project root. */
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
}

/** The part of vitest's JSON report the verdict needs. */
export interface VitestReport {
  readonly cases: readonly TestCase[];
  /** Files that failed without a failing test (an import error, a throwing hook), with why. */
  readonly fileErrors: readonly string[];
}

export type ParsedReport =
  | { readonly kind: 'report'; readonly report: VitestReport }
  | { readonly kind: 'invalid'; readonly reason: string };

/** What vitest left: its exit status and its report, or why there is no report to trust. */
export type VitestOutcome =
  | { readonly kind: 'report'; readonly exitCode: number; readonly report: VitestReport }
  | { readonly kind: 'no-report'; readonly exitCode: number; readonly reason: string };

/** A step before vitest (type-check, lint) and how it ended. */
export interface CheckOutcome {
  readonly title: string;
  readonly exitCode: number;
}

export interface Summary {
  readonly passed: number;
  readonly failed: readonly string[];
  readonly skipped: readonly string[];
}

function statusOf(raw: unknown): TestCase['status'] {
  if (raw === 'passed') return 'passed';
  if (raw === 'failed') return 'failed';
  // vitest's other states ("skipped", "pending", "todo", "disabled") are all tests that did not run.
  return 'skipped';
}

/**
 * Reads vitest's JSON report. `notBefore` is when this run started: a report that started
 * earlier belongs to another run and is refused, never counted.
 */
export function parseVitestReport(json: unknown, root: string, notBefore: number): ParsedReport {
  if (!isJsonObject(json)) return { kind: 'invalid', reason: 'report: not a JSON object' };
  const { startTime, testResults } = json;
  if (typeof startTime !== 'number') return { kind: 'invalid', reason: 'report.startTime: missing' };
  if (startTime < notBefore) {
    return {
      kind: 'invalid',
      reason: `report.startTime: ${new Date(startTime).toISOString()} is before this run started (${new Date(notBefore).toISOString()}); it is an earlier run's`,
    };
  }
  if (!Array.isArray(testResults)) return { kind: 'invalid', reason: 'report.testResults: not a list' };
  const cases: TestCase[] = [];
  const fileErrors: string[] = [];
  for (const [i, file] of testResults.entries()) {
    if (!isJsonObject(file) || typeof file.name !== 'string' || !Array.isArray(file.assertionResults)) {
      return { kind: 'invalid', reason: `report.testResults[${i}]: needs name and assertionResults` };
    }
    const path = relative(root, file.name);
    let failedHere = 0;
    for (const [j, test] of file.assertionResults.entries()) {
      if (!isJsonObject(test) || typeof test.title !== 'string' || !Array.isArray(test.ancestorTitles)) {
        return {
          kind: 'invalid',
          reason: `report.testResults[${i}].assertionResults[${j}]: needs title and ancestorTitles`,
        };
      }
      const status = statusOf(test.status);
      if (status === 'failed') failedHere += 1;
      cases.push({ name: [path, ...test.ancestorTitles.map(String), test.title].join(' › '), status });
    }
    if (file.status === 'failed' && failedHere === 0) {
      const message = typeof file.message === 'string' && file.message ? file.message : 'failed';
      fileErrors.push(`${path}: ${message.split('\n')[0]}`);
    }
  }
  return { kind: 'report', report: { cases, fileErrors } };
}

/** The verdict over every step of the run. */
export function summarize(input: {
  readonly checks: readonly CheckOutcome[];
  readonly vitest: VitestOutcome;
  readonly guard: GuardOutcome;
}): Summary {
  const failed: string[] = [];
  for (const check of input.checks) {
    if (check.exitCode !== 0) failed.push(`${check.title}: exited with status ${check.exitCode}`);
  }
  let passed = 0;
  const skipped: string[] = [];
  const { vitest } = input;
  if (vitest.kind === 'report') {
    const before = failed.length;
    for (const test of vitest.report.cases) {
      if (test.status === 'passed') passed += 1;
      else if (test.status === 'failed') failed.push(test.name);
      else skipped.push(test.name);
    }
    failed.push(...vitest.report.fileErrors);
    // An error outside any test (an unhandled rejection, a crashed worker) fails vitest alone.
    if (vitest.exitCode !== 0 && failed.length === before) {
      failed.push(`vitest: exited with status ${vitest.exitCode} outside any test (see its output above)`);
    }
  } else {
    failed.push(`vitest: no results (${vitest.reason}; exited with status ${vitest.exitCode})`);
  }
  const { guard } = input;
  if (guard.kind === 'report') {
    failed.push(...guard.findings.map((finding) => `guard: ${finding}`));
  } else if (guard.kind === 'missing') {
    failed.push(
      'guard: no report, so nothing proves this run left no namespace, process or root-namespace change (the global guard did not run to its end)',
    );
  } else {
    failed.push(`guard: unusable report (${guard.reason})`);
  }
  return { passed, failed, skipped };
}

/** The closing line; CI reads it, so it is plain and always last. */
export function closingLine(summary: Summary): string {
  const skipped = summary.skipped.length > 0 ? `, ${summary.skipped.length} skipped` : '';
  return `${summary.passed} passed, ${summary.failed.length} failed${skipped}`;
}

/** The whole verdict as printed: the named failures, the named skipped tests, the closing line. */
export function formatSummary(summary: Summary): string {
  const lines: string[] = [];
  if (summary.failed.length > 0) {
    lines.push(`failed (${summary.failed.length}):`, ...summary.failed.map((name) => `  ${name}`));
  }
  if (summary.skipped.length > 0) {
    lines.push(`skipped (${summary.skipped.length}):`, ...summary.skipped.map((name) => `  ${name}`));
  }
  lines.push(closingLine(summary));
  return `${lines.join('\n')}\n`;
}
