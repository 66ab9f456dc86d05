/** The pure scheduling cycle: table tests over pod + node infos → decision and reasons. */
import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../lib/api/index.js';
import { parseQuantity } from '../../lib/api/quantity.js';
import { SchedulerCache } from './cache.js';
import { feasibleNodesToFind, fitErrorMessage, schedulePod } from './framework.js';
import { type NodeState, toNodeInfo, toPodInfo } from './info.js';

function node(
  name: string,
  o: {
    cpu?: string;
    mem?: string;
    pods?: number;
    labels?: Record<string, string>;
    taints?: NonNullable<Node['spec']>['taints'];
    unschedulable?: boolean;
    ready?: boolean;
  } = {},
): Node {
  return {
    metadata: { name, labels: o.labels ?? {} },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      allocatable: { cpu: o.cpu ?? '2', memory: o.mem ?? '4Gi', pods: String(o.pods ?? 110) },
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function pod(name: string, spec: Partial<Pod['spec']> = {}, cpu = '100m', owner = ''): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `u-${name}`,
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true },
            ],
          }
        : {}),
    },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory: '64Mi' } } }], ...spec },
  };
}

function states(nodes: Node[], bound: { pod: Pod; node: string }[] = []): readonly NodeState[] {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(toNodeInfo(n));
  for (const b of bound) cache.observePod(toPodInfo({ ...b.pod, spec: { ...b.pod.spec, nodeName: b.node } }));
  return cache.nodes();
}

const first = () => 0;

describe('quantities', () => {
  it.each([
    ['100m', 0.1],
    ['1.5', 1.5],
    ['128Mi', 128 * 2 ** 20],
    ['1G', 1e9],
    ['2e3', 2000],
    [3, 3],
  ])('%s → %d', (q, v) => expect(parseQuantity(q, 'f')).toBeCloseTo(v));
  it('rejects garbage naming the field', () => {
    expect(() => parseQuantity('12XB', 'spec.containers[0].resources.requests.cpu')).toThrow(
      /spec\.containers\[0\]\.resources\.requests\.cpu: must be a quantity/,
    );
  });
});

describe('filters', () => {
  const cases: {
    name: string;
    pod: Pod;
    nodes: Node[];
    bound?: { pod: Pod; node: string }[];
    want: string;
  }[] = [
    { name: 'fits', pod: pod('p'), nodes: [node('n1')], want: 'n1' },
    {
      name: 'cpu and memory requests vs allocatable minus bound pods',
      pod: pod('p', {}, '1500m'),
      nodes: [node('n1'), node('n2', { cpu: '1' })],
      bound: [{ pod: pod('b', {}, '1'), node: 'n1' }],
      want: '0/2 nodes are available: 2 Insufficient cpu.',
    },
    {
      name: 'pods capacity',
      pod: pod('p'),
      nodes: [node('n1', { pods: 1 })],
      bound: [{ pod: pod('b'), node: 'n1' }],
      want: '0/1 nodes are available: 1 Too many pods.',
    },
    {
      name: 'nodeSelector',
      pod: pod('p', { nodeSelector: { disk: 'ssd' } }),
      nodes: [node('n1'), node('n2', { labels: { disk: 'ssd' } })],
      want: 'n2',
    },
    {
      name: 'required affinity: In / NotIn / Exists / DoesNotExist / Gt / Lt',
      pod: pod('p', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'zone', operator: 'In', values: ['a', 'b'] },
                    { key: 'arch', operator: 'NotIn', values: ['arm'] },
                    { key: 'gpu', operator: 'Exists' },
                    { key: 'spot', operator: 'DoesNotExist' },
                    { key: 'cores', operator: 'Gt', values: ['4'] },
                    { key: 'cores', operator: 'Lt', values: ['64'] },
                  ],
                },
              ],
            },
          },
        },
      }),
      nodes: [
        node('n1', { labels: { zone: 'a', gpu: '1', cores: '8', spot: 'yes' } }),
        node('n2', { labels: { zone: 'c', gpu: '1', cores: '8' } }),
        node('n3', { labels: { zone: 'b', gpu: '1', cores: '4' } }),
        node('n4', { labels: { zone: 'b', gpu: '1', cores: '16', arch: 'amd64' } }),
        node('n5', { labels: { zone: 'b', cores: '16' } }),
      ],
      want: 'n4',
    },
    {
      name: 'required affinity fails everywhere',
      pod: pod('p', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }],
            },
          },
        },
      }),
      nodes: [node('n1'), node('n2')],
      want: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
    },
    {
      name: 'taints: NoSchedule and NoExecute need tolerations, PreferNoSchedule does not',
      pod: pod('p', { tolerations: [{ key: 'a', operator: 'Equal', value: '1', effect: 'NoSchedule' }] }),
      nodes: [
        node('n1', { taints: [{ key: 'b', value: '2', effect: 'NoSchedule' }] }),
        node('n2', { taints: [{ key: 'c', effect: 'NoExecute' }] }),
        node('n3', {
          taints: [
            { key: 'a', value: '1', effect: 'NoSchedule' },
            { key: 'd', effect: 'PreferNoSchedule' },
          ],
        }),
      ],
      want: 'n3',
    },
    {
      name: 'an Exists toleration without key tolerates everything',
      pod: pod('p', { tolerations: [{ operator: 'Exists' }] }),
      nodes: [node('n1', { taints: [{ key: 'x', value: 'y', effect: 'NoExecute' }] })],
      want: 'n1',
    },
    {
      name: 'host ports conflict on the same protocol and port, wildcard address',
      pod: pod('p', { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }] }] }),
      nodes: [node('n1'), node('n2')],
      bound: [
        {
          pod: pod('b', {
            containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }] }],
          }),
          node: 'n1',
        },
      ],
      want: 'n2',
    },
    {
      name: 'unschedulable and not-ready nodes',
      pod: pod('p'),
      nodes: [node('n1', { unschedulable: true }), node('n2', { ready: false })],
      want: '0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable.',
    },
    {
      name: 'the brief example: per-node reasons counted, most frequent first',
      pod: pod('p', {}, '3'),
      nodes: [
        node('n1'),
        node('n2'),
        node('n3', { cpu: '8', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }),
      ],
      want: '0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {k: v}.',
    },
  ];
  it.each(cases)('$name', ({ pod: p, nodes, bound, want }) => {
    const d = schedulePod(toPodInfo(p), states(nodes, bound), { random: first });
    expect(d.kind === 'bind' ? d.node : d.message).toBe(want);
  });

  it('reports each rejected node with its reasons', () => {
    const d = schedulePod(
      toPodInfo(pod('p', {}, '3')),
      states([node('n1'), node('n2', { cpu: '8', mem: '1Mi' })]),
    );
    expect(d.kind).toBe('unschedulable');
    if (d.kind === 'unschedulable') {
      expect(Object.fromEntries(d.reasons)).toEqual({
        n1: ['Insufficient cpu'],
        n2: ['Insufficient memory'],
      });
    }
  });
});

describe('scores', () => {
  it('spreads pods of one owner, then prefers the emptier node', () => {
    const nodes = [node('n1'), node('n2'), node('n3')];
    const cache = new SchedulerCache();
    for (const n of nodes) cache.setNode(toNodeInfo(n));
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = toPodInfo(pod(`w${i}`, {}, '100m', 'rs1'));
      const d = schedulePod(p, cache.nodes(), { random: first });
      if (d.kind !== 'bind') throw new Error(d.message);
      cache.assume(p, d.node);
      placed.push(d.node);
    }
    expect(placed.sort()).toEqual(['n1', 'n1', 'n2', 'n2', 'n3', 'n3']);
  });

  it('least-allocated beats a fuller node; preferred affinity outweighs it', () => {
    const nodes = [node('n1'), node('n2', { labels: { zone: 'a' } })];
    const bound = [{ pod: pod('b', {}, '1500m'), node: 'n2' }];
    expect(schedulePod(toPodInfo(pod('p')), states(nodes, bound), { random: first })).toMatchObject({
      node: 'n1',
    });
    const pref = pod('q', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
            },
          ],
        },
      },
    });
    expect(schedulePod(toPodInfo(pref), states(nodes, bound), { random: first })).toMatchObject({
      node: 'n2',
    });
  });

  it('balanced allocation prefers the node whose cpu and memory use stay even', () => {
    const nodes = [node('n1', { cpu: '4', mem: '4Gi' }), node('n2', { cpu: '4', mem: '4Gi' })];
    const heavyMem: Pod = {
      ...pod('b'),
      spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m', memory: '2Gi' } } }] },
    };
    const heavyCpu: Pod = {
      ...pod('c'),
      spec: { containers: [{ name: 'c', resources: { requests: { cpu: '2', memory: '64Mi' } } }] },
    };
    const p: Pod = {
      ...pod('p'),
      spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1', memory: '64Mi' } } }] },
    };
    const d = schedulePod(
      toPodInfo(p),
      states(nodes, [
        { pod: heavyMem, node: 'n1' },
        { pod: heavyCpu, node: 'n2' },
      ]),
      { random: first },
    );
    expect(d).toMatchObject({ kind: 'bind', node: 'n1' });
  });

  it('fitErrorMessage with no nodes', () => {
    expect(fitErrorMessage(0, new Map())).toBe(
      '0/0 nodes are available: no nodes available to schedule pods.',
    );
  });
});

describe('cache', () => {
  it('assume, confirm, forget and terminal pods', () => {
    const cache = new SchedulerCache();
    cache.setNode(toNodeInfo(node('n1')));
    const p = toPodInfo(pod('p', {}, '500m'));
    cache.assume(p, 'n1');
    expect(cache.usage('n1')?.requested.milliCpu).toBe(500);
    cache.observePod(p); // the informer still shows it unbound: stays assumed
    expect(cache.isAssumed(p.key)).toBe(true);
    cache.observePod({ ...p, nodeName: 'n1' });
    expect(cache.isAssumed(p.key)).toBe(false);
    cache.forget(p.key); // confirmed pods are not forgotten
    expect(cache.usage('n1')?.requested.pods).toBe(1);
    cache.observePod({ ...p, nodeName: 'n1', terminal: true });
    expect(cache.usage('n1')?.requested).toEqual({ milliCpu: 0, memory: 0, pods: 0 });
    // A bound pod seen before its node is kept and counted once the node arrives.
    cache.observePod({ ...p, key: 'default/q', nodeName: 'n9' });
    cache.setNode(toNodeInfo(node('n9')));
    expect(cache.usage('n9')?.requested.pods).toBe(1);
  });
});

describe('node sampling (percentageOfNodesToScore)', () => {
  it('adaptive share as kube-scheduler: all below 100 nodes, 42 % of 1,000, at least 100', () => {
    expect(feasibleNodesToFind(50)).toBe(50);
    expect(feasibleNodesToFind(1000)).toBe(420);
    expect(feasibleNodesToFind(5000)).toBe(500);
    expect(feasibleNodesToFind(150)).toBe(100);
    expect(feasibleNodesToFind(1000, 100)).toBe(1000);
    expect(feasibleNodesToFind(1000, 10)).toBe(100);
  });

  it('stops after enough feasible nodes, starting where told; an unschedulable pod sees every node', () => {
    const nodes = Array.from({ length: 200 }, (_, i) => node(`n${String(i).padStart(3, '0')}`));
    const all = states(nodes);
    const d = schedulePod(toPodInfo(pod('p')), all, { startIndex: 150, random: first });
    expect(d).toMatchObject({ kind: 'bind', evaluated: 100, feasible: 100 });
    if (d.kind === 'bind') expect(Number(d.node.slice(1)) >= 150 || Number(d.node.slice(1)) < 50).toBe(true);
    const big = schedulePod(toPodInfo(pod('big', {}, '64')), all);
    expect(big.kind === 'unschedulable' && big.reasons.size).toBe(200);
  });
});
