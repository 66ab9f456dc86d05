import { describe, expect, it } from 'vitest';
import type { GuardOutcome } from './guard-report.js';
import { closingLine, formatSummary, parseVitestReport, summarize, type VitestOutcome } from './summary.js';

const root = '/repo';
const started = 1_800_000_000_000;

function vitestJson(files: unknown[], startTime = started + 5): unknown {
  return { numPassedTests: 999, startTime, testResults: files };
}

function test(title: string, status: string, ancestorTitles: string[] = []): unknown {
  return { title, status, ancestorTitles, fullName: [...ancestorTitles, title].join(' ') };
}

function report(json: unknown, exitCode = 0): VitestOutcome {
  const parsed = parseVitestReport(json, root, started);
  if (parsed.kind !== 'report') throw new Error(parsed.reason);
  return { kind: 'report', exitCode, report: parsed.report };
}

const cleanGuard: GuardOutcome = { kind: 'report', findings: [] };

describe('parseVitestReport', () => {
  it('names each test by file, suites and title, and reads todo, skipped and pending as skipped', () => {
    const parsed = parseVitestReport(
      vitestJson([
        {
          name: '/repo/lib/a.test.ts',
          status: 'passed',
          assertionResults: [
            test('works', 'passed', ['a', 'b']),
            test('later', 'todo', ['a']),
            test('off', 'skipped'),
            test('queued', 'pending'),
          ],
        },
      ]),
      root,
      started,
    );
    expect(parsed).toEqual({
      kind: 'report',
      report: {
        cases: [
          { name: 'lib/a.test.ts › a › b › works', status: 'passed' },
          { name: 'lib/a.test.ts › a › later', status: 'skipped' },
          { name: 'lib/a.test.ts › off', status: 'skipped' },
          { name: 'lib/a.test.ts › queued', status: 'skipped' },
        ],
        fileErrors: [],
      },
    });
  });

  it('refuses a report that started before this run (never counts an earlier run)', () => {
    const parsed = parseVitestReport(vitestJson([], started - 1), root, started);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.reason).toMatch(
      /^report\.startTime: .* it is an earlier run's$/,
    );
  });

  it('names the field that is wrong', () => {
    expect(parseVitestReport([], root, started)).toEqual({
      kind: 'invalid',
      reason: 'report: not a JSON object',
    });
    expect(parseVitestReport({ startTime: started }, root, started)).toEqual({
      kind: 'invalid',
      reason: 'report.testResults: not a list',
    });
    expect(parseVitestReport(vitestJson([{ name: 'x' }]), root, started)).toEqual({
      kind: 'invalid',
      reason: 'report.testResults[0]: needs name and assertionResults',
    });
  });
});

describe('summarize', () => {
  it('counts failed tests, failing files without a failing test, failed checks and each guard finding', () => {
    const vitest = report(
      vitestJson([
        {
          name: '/repo/a.test.ts',
          status: 'failed',
          assertionResults: [test('ok', 'passed'), test('bad', 'failed')],
        },
        {
          name: '/repo/b.test.ts',
          status: 'failed',
          message: 'Cannot find module x\nstack',
          assertionResults: [],
        },
        { name: '/repo/c.test.ts', status: 'passed', assertionResults: [test('later', 'todo')] },
      ]),
      1,
    );
    const summary = summarize({
      checks: [
        { title: 'type-check (tsc)', exitCode: 0 },
        { title: 'lint and format (biome)', exitCode: 1 },
      ],
      vitest,
      guard: { kind: 'report', findings: ['network namespace sy-1-x was left (the guard removed it)'] },
    });
    expect(summary).toEqual({
      passed: 1,
      failed: [
        'lint and format (biome): exited with status 1',
        'a.test.ts › bad',
        'b.test.ts: Cannot find module x',
        'guard: network namespace sy-1-x was left (the guard removed it)',
      ],
      skipped: ['c.test.ts › later'],
    });
    expect(formatSummary(summary)).toBe(
      [
        'failed (4):',
        '  lint and format (biome): exited with status 1',
        '  a.test.ts › bad',
        '  b.test.ts: Cannot find module x',
        '  guard: network namespace sy-1-x was left (the guard removed it)',
        'skipped (1):',
        '  c.test.ts › later',
        '1 passed, 4 failed, 1 skipped',
        '',
      ].join('\n'),
    );
  });

  it('counts a failing vitest with every test passed as one failure', () => {
    const vitest = report(
      vitestJson([{ name: '/repo/a.test.ts', assertionResults: [test('ok', 'passed')] }]),
      1,
    );
    const summary = summarize({ checks: [], vitest, guard: cleanGuard });
    expect(closingLine(summary)).toBe('1 passed, 1 failed');
    expect(summary.failed).toEqual(['vitest: exited with status 1 outside any test (see its output above)']);
  });

  it('counts a missing report and a missing or foreign guard report as failures', () => {
    const summary = summarize({
      checks: [],
      vitest: { kind: 'no-report', exitCode: 1, reason: 'vitest wrote no r.json' },
      guard: { kind: 'missing' },
    });
    expect(closingLine(summary)).toBe('0 passed, 2 failed');
    expect(summary.failed[0]).toBe('vitest: no results (vitest wrote no r.json; exited with status 1)');
    expect(summary.failed[1]).toMatch(/^guard: no report, so nothing proves/);
    const foreign = summarize({
      checks: [],
      vitest: report(vitestJson([])),
      guard: { kind: 'invalid', reason: 'g.json: runId is "a", this run is "b"' },
    });
    expect(foreign.failed).toEqual(['guard: unusable report (g.json: runId is "a", this run is "b")']);
  });

  it('says 0 failed only for a clean run, and leaves out skipped when there are none', () => {
    const vitest = report(
      vitestJson([{ name: '/repo/a.test.ts', assertionResults: [test('ok', 'passed')] }]),
    );
    const summary = summarize({
      checks: [{ title: 'type-check (tsc)', exitCode: 0 }],
      vitest,
      guard: cleanGuard,
    });
    expect(formatSummary(summary)).toBe('1 passed, 0 failed\n');
  });
});
