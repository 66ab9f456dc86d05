/** Summary → metrics.k8s.io (pure): quantities in canonical form, what is left out, the object shapes. */
import { describe, expect, it } from 'vitest';
import {
  cpuQuantity,
  durationText,
  memoryQuantity,
  nodeMetrics,
  podMetrics,
  summaryUsage,
} from './convert.js';
import { withMetricsGroup } from './discovery.js';

describe('quantities', () => {
  it.each([
    [0, '0'],
    [2_000_000_000, '2'],
    [250_000_000, '250m'],
    [1_500_000, '1500u'],
    [1_234_567, '1234567n'],
    [12.4, '12n'],
  ])('cpu %d nano-cores → %s', (n, want) => {
    expect(cpuQuantity(n)).toBe(want);
  });

  it.each([
    [0, '0'],
    [1000, '1000'],
    [1024, '1Ki'],
    [5632 * 1024, '5632Ki'],
    [2 ** 30, '1Gi'],
    [3 * 2 ** 20, '3Mi'],
    [1025, '1025'],
  ])('memory %d bytes → %s', (n, want) => {
    expect(memoryQuantity(n)).toBe(want);
  });

  it('windows as metav1.Duration text', () => {
    expect([durationText(1000), durationText(10_500), durationText(-5)]).toEqual(['1s', '10.5s', '0s']);
  });
});

describe('summaryUsage', () => {
  const c = (name: string, cpu?: number, mem?: number) => ({
    name,
    ...(cpu !== undefined ? { cpu: { time: '2026-12-05T10:00:00Z', usageNanoCores: cpu } } : {}),
    ...(mem !== undefined ? { memory: { time: '2026-12-05T10:00:01Z', workingSetBytes: mem } } : {}),
  });
  const pod = (name: string, containers: unknown[]) => ({
    podRef: { namespace: 'ns', name, uid: `u-${name}` },
    containers,
  });

  it.each([
    { name: 'a measured pod', pods: [pod('a', [c('x', 1, 2)])], want: ['a'] },
    {
      name: 'a container without cpu leaves its pod out',
      pods: [pod('b', [c('x', 1, 2), c('y', undefined, 2)])],
      want: [],
    },
    { name: 'a container without memory leaves its pod out', pods: [pod('b', [c('x', 1)])], want: [] },
    { name: 'a pod without containers is left out', pods: [pod('e', [])], want: [] },
  ])('$name', ({ pods, want }) => {
    expect(summaryUsage({ node: {}, pods } as never).pods.map((p) => p.name)).toEqual(want);
  });

  it('takes the node usage with the later of its two times; none without both', () => {
    const s = summaryUsage({ node: c('n', 5, 6), pods: [] } as never);
    expect(s.node).toEqual({ time: '2026-12-05T10:00:01Z', nanoCores: 5, workingSetBytes: 6 });
    expect(summaryUsage({ node: c('n', 5) } as never).node).toBeUndefined();
    expect(summaryUsage('garbage')).toEqual({ node: undefined, pods: [] });
  });
});

describe('NodeMetrics and PodMetrics', () => {
  const o = { now: '2026-12-05T10:00:05Z', windowMs: 10_000 };
  it('NodeMetrics carries the node labels, the usage time, the window', () => {
    const node = { metadata: { name: 'n1', labels: { a: 'b' } } };
    expect(nodeMetrics(node, { time: 't', nanoCores: 5e8, workingSetBytes: 2 ** 20 }, o)).toEqual({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'n1', creationTimestamp: o.now, labels: { a: 'b' } },
      timestamp: 't',
      window: '10s',
      usage: { cpu: '500m', memory: '1Mi' },
    });
  });

  it('PodMetrics has one entry per container and the latest time', () => {
    const usage = {
      namespace: 'ns',
      name: 'p',
      uid: 'u',
      containers: [
        { name: 'a', time: 't1', nanoCores: 1e6, workingSetBytes: 1024 },
        { name: 'b', time: 't2', nanoCores: 0, workingSetBytes: 0 },
      ],
    };
    expect(podMetrics({ metadata: { name: 'p' } }, usage, o)).toEqual({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'p', namespace: 'ns', creationTimestamp: o.now, labels: {} },
      timestamp: 't2',
      window: '10s',
      containers: [
        { name: 'a', usage: { cpu: '1m', memory: '1Ki' } },
        { name: 'b', usage: { cpu: '0', memory: '0' } },
      ],
    });
  });

  it('adds the group to either form of /apis', () => {
    expect(withMetricsGroup({ groups: [] }).groups).toHaveLength(1);
    expect(withMetricsGroup({ items: [] }).items).toEqual([
      expect.objectContaining({ metadata: { name: 'metrics.k8s.io' } }),
    ]);
  });
});
