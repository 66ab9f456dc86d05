/**
 * The scheduler against the real API server: simulated nodes (Node objects + Leases, no
 * kubelet), pods created through REST, placements read back from the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event as KubeEvent, Pod } from '../../lib/api/index.js';
import { eventsResource, nodesResource, podsResource } from '../../lib/client/index.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { createSimNode } from '../../test/harness/cluster/sim-node.js';
import { Scheduler } from './scheduler.js';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.stop();
});

function pod(name: string, ns: string, extra: Partial<Pod['spec']> = {}, owner?: string): Pod {
  return {
    metadata: {
      name,
      namespace: ns,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: owner,
                uid: `uid-${owner}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      containers: [
        { name: 'c', image: 'busybox', resources: { requests: { cpu: '500m', memory: '256Mi' } } },
      ],
      ...extra,
    },
  };
}

async function startScheduler(): Promise<{ scheduler: Scheduler; stop: () => Promise<void> }> {
  const client = env.newClient();
  const scheduler = new Scheduler({ client, unschedulableRetryMs: 500 });
  const ac = new AbortController();
  const done = scheduler.run(ac.signal);
  return {
    scheduler,
    async stop() {
      ac.abort();
      await done;
      client.close();
    },
  };
}

async function nodesOf(ns: string): Promise<Map<string, string>> {
  const list = await env.client.resource(podsResource).list({ namespace: ns });
  return new Map(list.items.map((p) => [p.metadata.name ?? '', p.spec.nodeName ?? '']));
}

describe('scheduler against the API server', () => {
  it('spreads an owner 2-2-2, moves new pods off a tainted node, explains impossible pods per node, survives a restart', async () => {
    const c = env.client;
    for (const n of ['node-1', 'node-2', 'node-3']) await createSimNode(c, n, { cpu: '2', memory: '4Gi' });
    await c
      .resource({ ...podsResource, plural: 'namespaces', kind: 'Namespace', namespaced: false })
      .create({ metadata: { name: 's1' } } as never);
    const s = await startScheduler();
    try {
      for (let i = 0; i < 6; i++) await c.resource(podsResource).create(pod(`web-${i}`, 's1', {}, 'web'));
      const placed = await eventually('6 pods bound', async () => {
        const m = await nodesOf('s1');
        return [...m.values()].every((n) => n !== '') && m.size === 6 ? m : undefined;
      });
      const counts = new Map<string, number>();
      for (const n of placed.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
      expect([...counts.entries()].sort()).toEqual([
        ['node-1', 2],
        ['node-2', 2],
        ['node-3', 2],
      ]);

      // node-3 gets a NoSchedule taint: new pods go elsewhere.
      await c
        .resource(nodesResource)
        .patch(
          'node-3',
          { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } },
          { type: 'merge' },
        );
      await eventually(
        'taint seen',
        () => s.scheduler.cache.nodes().find((n) => n.node.name === 'node-3')?.node.taints.length === 1,
      );
      for (let i = 0; i < 2; i++)
        await c.resource(podsResource).create(
          pod(`new-${i}`, 's1', {
            containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }],
          }),
        );
      const after = await eventually('new pods bound', async () => {
        const m = await nodesOf('s1');
        return m.get('new-0') && m.get('new-1') ? m : undefined;
      });
      expect(after.get('new-0')).not.toBe('node-3');
      expect(after.get('new-1')).not.toBe('node-3');

      // 1.5 CPU fits nowhere: node-1/node-2 have 2 CPU with 1.05 used, node-3 is tainted.
      await c.resource(podsResource).create(
        pod('big', 's1', {
          containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1500m' } } }],
        }),
      );
      const msg =
        '0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: infra}.';
      const cond = await eventually('PodScheduled=False', async () => {
        const p = await c.resource(podsResource).get('big', { namespace: 's1' });
        return p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
      });
      expect(cond).toMatchObject({ reason: 'Unschedulable', message: msg });
      const ev = await eventually('FailedScheduling event', async () => {
        const list = await c.resource(eventsResource).list({ namespace: 's1' });
        return list.items.find(
          (e: KubeEvent) => e.involvedObject.name === 'big' && e.reason === 'FailedScheduling',
        );
      });
      expect(ev).toMatchObject({ type: 'Warning', message: msg });

      // Restart: the new scheduler rebuilds usage from the API and still refuses "big" …
      await s.stop();
      const s2 = await startScheduler();
      try {
        await eventually('rebuilt', () => s2.scheduler.stats.unschedulable >= 1);
        expect(s2.scheduler.stats.bound).toBe(0);
        expect(s2.scheduler.cache.usage('node-1')?.requested.pods).toBe(
          placed.size / 3 + [...after.values()].filter((n) => n === 'node-1').length - 2,
        );
        // Removing the taint is a node change: retried, now every node lacks cpu …
        await c.resource(nodesResource).patch('node-3', { spec: { taints: null } }, { type: 'merge' });
        await eventually('message updated', async () => {
          const p = await c.resource(podsResource).get('big', { namespace: 's1' });
          const m = p.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message;
          return m === '0/3 nodes are available: 3 Insufficient cpu.';
        });
        // … until room appears: deleting node-3's pods is a pod change, and big lands there.
        for (const [name, n] of placed)
          if (n === 'node-3')
            await c.resource(podsResource).delete(name, { namespace: 's1', gracePeriodSeconds: 0 });
        await eventually(
          'big bound to node-3',
          async () =>
            (await c.resource(podsResource).get('big', { namespace: 's1' })).spec.nodeName === 'node-3',
        );
      } finally {
        await s2.stop();
      }
    } finally {
      await s.stop().catch(() => undefined);
    }
  });
});
