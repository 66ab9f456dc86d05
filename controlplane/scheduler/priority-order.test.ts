/**
 * Queue order: the active queue's PrioritySort (unit), and the scheduler against the real API
 * server placing the higher-priority pod first when only one fits (priority from
 * PriorityClasses through the API server's Priority admission).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../lib/api/index.js';
import { podsResource, priorityClassesResource } from '../../lib/client/index.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { createSimNode } from '../../test/harness/cluster/sim-node.js';
import { ActiveQueue } from './active-queue.js';
import { Scheduler } from './scheduler.js';

describe('ActiveQueue', () => {
  it('pops by priority, then by queue order; deduplicates; skips deleted keys', () => {
    const q = new ActiveQueue();
    q.add('a', 0);
    q.add('b', 10);
    q.add('c', 0);
    q.add('d', 10);
    q.add('a', 99); // already queued: keeps its place and priority
    q.add('e', -5);
    q.delete('c');
    expect(q.size).toBe(4);
    const out: string[] = [];
    for (let k = q.pop(); k !== undefined; k = q.pop()) out.push(k);
    expect(out).toEqual(['b', 'd', 'a', 'e']);
    q.add('c', 1);
    expect(q.pop()).toBe('c');
    expect(q.pop()).toBeUndefined();
  });

  it('stays correct over many interleaved adds, deletes and pops', () => {
    const q = new ActiveQueue();
    const model = new Map<string, { p: number; seq: number }>();
    let seq = 0;
    let rnd = 7;
    const next = () => {
      rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
      return rnd;
    };
    for (let i = 0; i < 5000; i++) {
      const op = next() % 3;
      const key = `k${next() % 300}`;
      if (op === 0) {
        const p = next() % 5;
        q.add(key, p);
        if (!model.has(key)) model.set(key, { p, seq: seq++ });
      } else if (op === 1) {
        q.delete(key);
        model.delete(key);
      } else {
        const got = q.pop();
        const want = [...model.entries()].sort((a, b) => b[1].p - a[1].p || a[1].seq - b[1].seq)[0]?.[0];
        expect(got).toBe(want);
        if (want !== undefined) model.delete(want);
      }
      expect(q.size).toBe(model.size);
    }
  });
});

describe('scheduler priority order against the API server', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  const pod = (name: string, priorityClassName?: string): Pod => ({
    metadata: { name, namespace: 'default' },
    spec: {
      ...(priorityClassName ? { priorityClassName } : {}),
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '600m' } } }],
    },
  });

  it('binds the highest-priority pending pod first, and the next one by priority when room frees', async () => {
    const c = env.client;
    await createSimNode(c, 'solo', { cpu: '1', memory: '4Gi' });
    const classes = c.resource(priorityClassesResource);
    await classes.create({ metadata: { name: 'mid' }, value: 500 });
    await classes.create({ metadata: { name: 'top' }, value: 1000 });
    // Created before the scheduler runs: listed in name order, low priority first.
    for (const p of [pod('a-low'), pod('b-mid', 'mid'), pod('z-top', 'top')])
      await c.resource(podsResource).create(p, { namespace: 'default' });
    const bound: string[] = [];
    const client = env.newClient();
    const scheduler = new Scheduler({
      client,
      unschedulableRetryMs: 300,
      onBound: (p) => bound.push(p.name),
    });
    const ac = new AbortController();
    const done = scheduler.run(ac.signal);
    try {
      await eventually('one pod bound', () => bound.length === 1);
      expect(bound).toEqual(['z-top']);
      await eventually('two parked', () => scheduler.pending.unschedulable === 2);
      await c.resource(podsResource).delete('z-top', { namespace: 'default', gracePeriodSeconds: 0 });
      await eventually('second bound', () => bound.length === 2);
      expect(bound).toEqual(['z-top', 'b-mid']);
      const low = await c.resource(podsResource).get('a-low', { namespace: 'default' });
      expect(low.spec.nodeName).toBeUndefined();
      expect(low.spec.priority).toBe(0);
    } finally {
      ac.abort();
      await done;
      client.close();
    }
  });
});
