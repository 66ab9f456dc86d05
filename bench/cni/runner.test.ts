import { describe, expect, it } from 'vitest';
import { formatCniBench, stats } from './runner.js';

describe('cni bench', () => {
  it('computes nearest-rank p50/p95', () => {
    const s = stats(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(s).toEqual({ n: 100, p50: 50, p95: 95 });
    expect(stats([7])).toEqual({ n: 1, p50: 7, p95: 7 });
  });

  it('prints the table with ratios ours/reference and the distance to the node floor', () => {
    const impl = (add: number) => ({
      add: { n: 50, p50: add, p95: add * 2 },
      del: { n: 50, p50: 30, p95: 40 },
      concurrentAddWallMs: 300,
    });
    const text = formatCniBench(
      { ours: impl(80), reference: impl(20), nodeStart: { n: 50, p50: 65, p95: 90 }, loadAverage: [1.5, 2] },
      { pods: 50, concurrent: 20 },
    );
    expect(text).toContain('| ADD p50 | 20.0 | 80.0 | 4.00× |');
    expect(text).toContain('| 20 concurrent ADDs, wall | 300.0 | 300.0 | 1.00× |');
    expect(text).toContain(
      'ours ADD p50 − node start p50 = 15.0 ms (target ≤ 20 ms); load average 1.5 → 2 on',
    );
  });
});
