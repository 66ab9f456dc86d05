import { describe, expect, it } from 'vitest';
import { benchmarks, findBenchmark, percentile, renderTable, speedup } from './index.js';

describe('bench framework', () => {
  it('computes speedups for rates and latencies', () => {
    expect(speedup({ metric: 'm', unit: 'ops/s', ours: 300, reference: 100, better: 'higher' })).toBe(3);
    expect(speedup({ metric: 'm', unit: 'ms', ours: 2, reference: 10, better: 'lower' })).toBe(5);
    expect(speedup({ metric: 'm', unit: 'ms', ours: 0, reference: 10, better: 'lower' })).toBeNaN();
  });

  it('takes nearest-rank percentiles', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 99)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('renders an aligned table with the reference column and the speedup', () => {
    const text = renderTable({
      title: 'demo',
      referenceLabel: 'ip(8)',
      rows: [
        { metric: 'operations/s', unit: 'ops/s', ours: 1234.5, reference: 411.5, better: 'higher' },
        { metric: 'p50', unit: 'ms', ours: 1.5, reference: 6, better: 'lower' },
      ],
      notes: ['a note'],
    });
    expect(text).toBe(
      [
        'demo',
        '',
        'metric                switchyard  ip(8)  speedup',
        '--------------------  ----------  -----  -------',
        'operations/s (ops/s)        1235    412    3.00x',
        'p50 (ms)                    1.50   6.00    4.00x',
        '  a note',
        '',
      ].join('\n'),
    );
  });

  it('registers the netlink benchmark by name', () => {
    expect(benchmarks.map((b) => b.name)).toContain('netlink');
    expect(findBenchmark('netlink')?.defaultIterations).toBe(200);
    expect(findBenchmark('nope')).toBeUndefined();
  });
});
