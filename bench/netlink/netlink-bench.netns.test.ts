import { expect, it } from 'vitest';
import { listNetns } from '../../lib/netns/index.js';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { renderTable, speedup } from '../framework.js';
import { createNetlinkBench } from './netlink-bench.js';

describeKernel('bench netlink', () => {
  it('measures both paths in the same run and removes its namespaces', async () => {
    const prefix = uniqueName('bn');
    const lines: string[] = [];
    const result = await createNetlinkBench({ nsPrefix: prefix }).run({
      iterations: 4,
      log: (l) => lines.push(l),
    });
    expect(result.rows.map((r) => r.metric)).toEqual([
      'lifecycle operations/s',
      'lifecycle iteration p50',
      'lifecycle iteration p99',
      'address/route operations/s',
      'address/route iteration p50',
      'address/route iteration p99',
    ]);
    for (const row of result.rows) {
      expect(row.ours).toBeGreaterThan(0);
      expect(row.reference).toBeGreaterThan(0);
      expect(Number.isFinite(speedup(row))).toBe(true);
    }
    expect(renderTable(result)).toContain('ip(8)');
    expect(listNetns().filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});
