/** The scheduler benchmark at a small size: it runs, binds everything, and checks placements. */
import { describe, expect, it } from 'vitest';
import { runSchedulerBench } from './scheduler-bench.js';

describe('bench scheduler (small)', () => {
  it('binds every pod validly and reports rate and latency', async () => {
    const r = await runSchedulerBench({ nodes: 20, pods: 300, log: () => undefined });
    expect(r.rows.map((x) => x.metric)).toEqual([
      'backlog drained per second',
      'streaming: bound per second',
      'creation → binding p50',
      'creation → binding p99',
    ]);
    expect(r.rows[0]?.ours).toBeGreaterThan(0);
    expect(r.rows[1]?.ours).toBeGreaterThan(0);
    expect(r.notes?.[0]).toMatch(/^bound 300\/300; placements valid: yes/);
  }, 60_000);
});
