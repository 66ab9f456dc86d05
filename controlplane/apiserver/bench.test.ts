import { describe, expect, it } from 'vitest';
import { runApiserverBench } from './bench.js';

describe('bench apiserver (small sizes)', () => {
  it('measures embedded and etcd side by side and returns finite numbers', async () => {
    const lines: string[] = [];
    const r = await runApiserverBench({
      writers: 4,
      creates: 60,
      listPods: 100,
      watchers: 5,
      events: 40,
      log: (l) => lines.push(l),
    });
    expect(r.rows.map((x) => x.metric)).toEqual([
      'creates',
      'create p99',
      'LIST 100 pods',
      'watch delivery p50 (from write sent)',
      'watch delivery p99 (from write sent)',
      'resident memory (bench process)',
    ]);
    for (const row of r.rows) {
      expect(Number.isFinite(row.ours)).toBe(true);
      expect(Number.isFinite(row.reference)).toBe(true);
    }
    expect(r.rows[0]?.ours).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('5 watchers × 40 events: 200/200 delivered'))).toHaveLength(2);
  });
});
