import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCi, refusalReason } from './env.js';
import { readGuardReport, writeGuardReport } from './guard-report.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-guard-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('guard report', () => {
  it("round-trips this run's findings", () => {
    const path = join(dir, 'a.json');
    writeGuardReport(path, { runId: 'abc', findings: ['process 1 was left running'] });
    expect(readGuardReport(path, 'abc')).toEqual({
      kind: 'report',
      findings: ['process 1 was left running'],
    });
  });

  it("refuses another run's report, a missing one and a malformed one", () => {
    const path = join(dir, 'b.json');
    writeGuardReport(path, { runId: 'old', findings: [] });
    expect(readGuardReport(path, 'new')).toEqual({
      kind: 'invalid',
      reason: `${path}: runId is "old", this run is "new"`,
    });
    expect(readGuardReport(join(dir, 'none.json'), 'new')).toEqual({ kind: 'missing' });
    writeFileSync(path, '{"runId":"new","findings":[1]}');
    expect(readGuardReport(path, 'new')).toEqual({
      kind: 'invalid',
      reason: `${path}: findings must be a list of strings`,
    });
  });
});

describe('run environment', () => {
  it('reads CI as set unless empty, false or 0', () => {
    expect([undefined, '', 'false', '0', 'true', '1'].map((CI) => isCi({ CI }))).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('refuses SWITCHYARD_SKIP_KERNEL only in CI', () => {
    expect(refusalReason({ SWITCHYARD_SKIP_KERNEL: '1' })).toBeUndefined();
    expect(refusalReason({ CI: 'true' })).toBeUndefined();
    expect(refusalReason({ CI: 'true', SWITCHYARD_SKIP_KERNEL: '1' })).toBe(
      'SWITCHYARD_SKIP_KERNEL=1 is refused when CI is set (CI=true): CI must run the kernel tests',
    );
  });
});
