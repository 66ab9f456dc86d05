/** The per-node Summary cache: the TTL, one fetch per node at a time, the time-out, failures, the window. */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../lib/api/json.js';
import { FIRST_WINDOW_MS, SummaryCache } from './summaries.js';

const summaryAt = (time: string): Json => ({
  node: { cpu: { time, usageNanoCores: 1 }, memory: { time, workingSetBytes: 2 } },
  pods: [],
});

describe('SummaryCache', () => {
  it('fetches once per TTL, shares the fetch, and measures the window between fetches', async () => {
    let clock = 0;
    const fetched: string[] = [];
    const times = ['2026-12-05T10:00:00Z', '2026-12-05T10:00:12Z', '2026-12-05T10:05:00Z'];
    const cache = new SummaryCache({
      fetch: async (node) => {
        fetched.push(node);
        return summaryAt(times[fetched.length - 1] ?? '');
      },
      ttlMs: 10_000,
      now: () => clock,
    });
    const [a, b] = await Promise.all([cache.get('n1'), cache.get('n1')]);
    expect(a).toBe(b);
    expect(a?.windowMs).toBe(FIRST_WINDOW_MS);
    clock = 9_999;
    await cache.get('n1');
    expect(fetched).toEqual(['n1']);
    clock = 12_000;
    expect((await cache.get('n1'))?.windowMs).toBe(12_000);
    expect(fetched).toEqual(['n1', 'n1']);
    // Minutes later the kubelet rates afresh over its first window.
    clock = 300_000;
    expect((await cache.get('n1'))?.windowMs).toBe(FIRST_WINDOW_MS);
  });

  it('gives nothing for a kubelet that fails or does not answer in time, and asks again after the TTL', async () => {
    let clock = 0;
    let calls = 0;
    const cache = new SummaryCache({
      fetch: (node) => {
        calls++;
        if (node === 'slow') return new Promise<Json>(() => undefined);
        return Promise.reject(new Error('connection refused'));
      },
      timeoutMs: 20,
      now: () => clock,
    });
    expect(await cache.get('slow')).toBeUndefined();
    expect(await cache.get('down')).toBeUndefined();
    expect(await cache.get('down')).toBeUndefined();
    expect(calls).toBe(2);
    clock = 60_000;
    await cache.get('down');
    expect(calls).toBe(3);
  });

  it('forgets nodes that are gone', async () => {
    let calls = 0;
    const cache = new SummaryCache({
      fetch: async () => {
        calls++;
        return summaryAt('2026-12-05T10:00:00Z');
      },
    });
    await cache.get('n1');
    cache.retain(new Set());
    await cache.get('n1');
    expect(calls).toBe(2);
  });
});
