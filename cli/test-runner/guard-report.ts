/**
 * The global guard's findings as a file: the guard writes it at the end of vitest's run, the
 * runner reads it after vitest exits. vitest 4 only logs an error thrown from a globalSetup
 * teardown and still exits 0, so the file, not the exception, is how a leak fails the run.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** What the guard found after the last test; an empty list is a clean run. */
export interface GuardReport {
  readonly runId: string;
  readonly findings: readonly string[];
}

/** What the runner learns from the guard: its findings, or why there is no usable report. */
export type GuardOutcome =
  | { readonly kind: 'report'; readonly findings: readonly string[] }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Writes the report whole (temporary file, then rename), so a reader never sees half of one. */
export function writeGuardReport(path: string, report: GuardReport): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, path);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((x) => typeof x === 'string');
}

/** Reads the report of run `runId`; a report of another run is invalid, never used. */
export function readGuardReport(path: string, runId: string): GuardOutcome {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', reason: `${path}: ${(err as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err: unknown) {
    return { kind: 'invalid', reason: `${path}: not JSON (${(err as Error).message})` };
  }
  const report = parsed as Partial<Record<keyof GuardReport, unknown>> | null;
  if (typeof report !== 'object' || report === null) {
    return { kind: 'invalid', reason: `${path}: not an object` };
  }
  if (report.runId !== runId) {
    return {
      kind: 'invalid',
      reason: `${path}: runId is ${JSON.stringify(report.runId)}, this run is "${runId}"`,
    };
  }
  if (!isStringArray(report.findings)) {
    return { kind: 'invalid', reason: `${path}: findings must be a list of strings` };
  }
  return { kind: 'report', findings: report.findings };
}
