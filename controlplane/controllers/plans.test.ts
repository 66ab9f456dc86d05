/** The controllers' pure cores: table and simulation tests, no API server. */
import { describe, expect, it } from 'vitest';
import type {
  Deployment,
  EndpointSlice,
  Node,
  Pod,
  PodPhase,
  ReplicaSet,
  Service,
} from '../../lib/api/index.js';
import {
  POD_TEMPLATE_HASH,
  planDeployment,
  REVISION,
  scaledValue,
  surgeAndUnavailable,
  templateHash,
} from './deployment-plan.js';
import { desiredEndpoints, MAX_ENDPOINTS_PER_SLICE, planSlices } from './endpointslice-plan.js';
import { allocateFor, indexOf, ipamConfig } from './node-ipam.js';
import { planNodeLifecycle, UNREACHABLE_TAINT } from './node-lifecycle.js';
import { deletionOrder } from './pods.js';
import { planReplicaSet } from './replicaset.js';
import { findDuplicates } from './service-repair.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function dep(replicas: number, image: string, strategy?: Deployment['spec']['strategy']): Deployment {
  return {
    metadata: { name: 'web', namespace: 'd', uid: 'dep-uid', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      ...(strategy ? { strategy } : {}),
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

describe('deployment plan', () => {
  it('template hash: stable, key-order independent, safe alphabet, changes with the template', () => {
    const a = templateHash({ b: 1, a: [1, { y: 2, x: 1 }] });
    expect(a).toBe(templateHash({ a: [1, { x: 1, y: 2 }], b: 1 }));
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(templateHash({ a: 2 })).not.toBe(templateHash({ a: 3 }));
    expect(templateHash({ a: 2 }, 1)).not.toBe(templateHash({ a: 2 }));
  });

  it.each([
    [undefined, 10, true, 0],
    [3, 10, true, 3],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['100%', 4, false, 4],
  ] as const)('scaledValue(%s of %d, up=%s) = %d', (v, total, up, want) => {
    expect(scaledValue(v, total, up, 'f')).toBe(want);
  });

  it('rejects bad int-or-percent naming the field', () => {
    expect(() => scaledValue('x%', 4, true, 'spec.strategy.rollingUpdate.maxSurge')).toThrow(
      /spec\.strategy\.rollingUpdate\.maxSurge/,
    );
    expect(surgeAndUnavailable(dep(3, 'a', { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }))).toEqual({
      maxSurge: 0,
      maxUnavailable: 1,
    });
  });

  /** Runs plan → apply with every pod available at once, checking the rollout's bounds each step. */
  function simulate(
    d: Deployment,
    start: ReplicaSet[],
    availableLag = 0,
  ): { steps: number; rss: ReplicaSet[]; bounds: { maxTotal: number; minAvail: number } } {
    let rss = start;
    let n = 0;
    const bounds = { maxTotal: 0, minAvail: Number.POSITIVE_INFINITY };
    const availability = new Map<string, number>(
      start.map((rs) => [rs.metadata.name ?? '', rs.status?.availableReplicas ?? 0]),
    );
    for (let step = 0; step < 100; step++) {
      const plan = planDeployment({
        deployment: d,
        replicaSets: rss,
        available: (rs) => availability.get(rs.metadata.name ?? '') ?? 0,
        now: T0,
      });
      if (plan.create)
        rss = [
          ...rss,
          {
            ...plan.create,
            metadata: {
              ...plan.create.metadata,
              uid: `rs${n++}`,
              creationTimestamp: new Date(T0 + step * 1000).toISOString(),
            },
          },
        ];
      for (const a of plan.scale)
        rss = rss.map((rs) =>
          rs.metadata.name === a.name
            ? {
                ...rs,
                spec: { ...rs.spec, replicas: a.replicas },
                metadata: { ...rs.metadata, annotations: { ...a.annotations } },
              }
            : rs,
        );
      rss = rss.filter((rs) => !plan.deleteOld.includes(rs.metadata.name ?? ''));
      // Pods: created pods become available after `availableLag` steps; removed pods go at once.
      for (const rs of rss) {
        const have = availability.get(rs.metadata.name ?? '') ?? 0;
        const want = rs.spec.replicas ?? 0;
        availability.set(
          rs.metadata.name ?? '',
          want < have ? want : availableLag === 0 ? want : Math.min(want, have + 1),
        );
        rs.status = {
          replicas: want,
          availableReplicas: availability.get(rs.metadata.name ?? '') ?? 0,
          readyReplicas: availability.get(rs.metadata.name ?? '') ?? 0,
          observedGeneration: 0,
        };
      }
      const total = rss.reduce((a, rs) => a + (rs.spec.replicas ?? 0), 0);
      const avail = [...availability.values()].reduce((a, b) => a + b, 0);
      bounds.maxTotal = Math.max(bounds.maxTotal, total);
      bounds.minAvail = Math.min(bounds.minAvail, avail);
      if (!plan.create && plan.scale.length === 0 && plan.deleteOld.length === 0)
        return { steps: step, rss, bounds };
    }
    throw new Error('rollout did not converge');
  }

  it('a new Deployment creates one ReplicaSet at full size, revision 1, hash in labels and selector', () => {
    const plan = planDeployment({ deployment: dep(3, 'a'), replicaSets: [], available: () => 0, now: T0 });
    const hash = templateHash(dep(3, 'a').spec.template);
    expect(plan.create?.metadata.name).toBe(`web-${hash}`);
    expect(plan.create?.spec.replicas).toBe(3);
    expect(plan.create?.spec.selector.matchLabels).toEqual({ app: 'web', [POD_TEMPLATE_HASH]: hash });
    expect(plan.create?.spec.template.metadata?.labels?.[POD_TEMPLATE_HASH]).toBe(hash);
    expect(plan.create?.metadata.annotations?.[REVISION]).toBe('1');
    expect(plan.create?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      uid: 'dep-uid',
      controller: true,
    });
  });

  it.each([
    [{ maxSurge: 1, maxUnavailable: 0 }, 10, 11, 10],
    [{ maxSurge: 0, maxUnavailable: 1 }, 10, 10, 9],
    [{ maxSurge: '25%', maxUnavailable: '25%' }, 10, 13, 8],
    [{ maxSurge: 3, maxUnavailable: 2 }, 5, 8, 3],
  ])('rolling update %o of %d replicas stays within total ≤ %d and available ≥ %d', (ru, replicas, maxTotal, minAvail) => {
    const v1 = simulate(dep(replicas, 'a', { type: 'RollingUpdate', rollingUpdate: ru }), []);
    const v2 = simulate(dep(replicas, 'b', { type: 'RollingUpdate', rollingUpdate: ru }), v1.rss, 1);
    expect(v2.bounds.maxTotal).toBeLessThanOrEqual(maxTotal);
    expect(v2.bounds.minAvail).toBeGreaterThanOrEqual(minAvail);
    const sizes = v2.rss.map((rs) => [rs.metadata.annotations?.[REVISION], rs.spec.replicas]).sort();
    expect(sizes).toEqual([
      ['1', 0],
      ['2', replicas],
    ]);
  });

  it('Recreate scales the old ReplicaSet to zero before the new one grows', () => {
    const v1 = simulate(dep(3, 'a', { type: 'Recreate' }), []);
    const d2 = dep(3, 'b', { type: 'Recreate' });
    const first = planDeployment({ deployment: d2, replicaSets: v1.rss, available: () => 3, now: T0 });
    expect(first.create?.spec.replicas).toBe(0);
    expect(first.scale).toEqual([expect.objectContaining({ replicas: 0 })]);
    expect(
      simulate(d2, v1.rss)
        .rss.map((rs) => rs.spec.replicas)
        .sort(),
    ).toEqual([0, 3]);
  });

  it('keeps revisionHistoryLimit old ReplicaSets, deleting the oldest revisions', () => {
    let rss: ReplicaSet[] = [];
    for (const [i, image] of ['a', 'b', 'c', 'd'].entries()) {
      const d = { ...dep(1, image), spec: { ...dep(1, image).spec, revisionHistoryLimit: 2 } };
      rss = simulate(d, rss).rss;
      expect(rss.length).toBe(Math.min(i + 1, 3));
    }
    expect(rss.map((rs) => rs.metadata.annotations?.[REVISION]).sort()).toEqual(['2', '3', '4']);
  });

  it('rolling back to an old template reuses its ReplicaSet with a new revision', () => {
    const a = simulate(dep(2, 'a'), []);
    const b = simulate(dep(2, 'b'), a.rss);
    const back = simulate(dep(2, 'a'), b.rss);
    expect(back.rss.length).toBe(2);
    const live = back.rss.find((rs) => rs.spec.replicas === 2);
    expect(live?.metadata.name).toBe(a.rss[0]?.metadata.name);
    expect(live?.metadata.annotations?.[REVISION]).toBe('3');
  });

  it('a paused Deployment scales but does not roll out a new template', () => {
    const v1 = simulate(dep(2, 'a'), []);
    const paused = (replicas: number, image: string): Deployment => ({
      ...dep(replicas, image),
      spec: { ...dep(replicas, image).spec, paused: true },
    });
    const plan = planDeployment({
      deployment: paused(5, 'b'),
      replicaSets: v1.rss,
      available: () => 2,
      now: T0,
    });
    expect(plan.create).toBeUndefined();
    expect(plan.scale.map((a) => [a.name, a.replicas])).toEqual([[v1.rss[0]?.metadata.name, 5]]);
    expect(plan.revision).toBe('1');
    expect(plan.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
    });
    // Resumed: the rollout happens.
    const resumed = simulate(dep(5, 'b'), simulate(paused(5, 'b'), v1.rss).rss);
    expect(resumed.rss.map((rs) => [rs.metadata.annotations?.[REVISION], rs.spec.replicas]).sort()).toEqual([
      ['1', 0],
      ['2', 5],
    ]);
  });

  it('status: Available and Progressing conditions', () => {
    const done = simulate(dep(2, 'a'), []);
    const plan = planDeployment({
      deployment: dep(2, 'a'),
      replicaSets: done.rss,
      available: () => 2,
      now: T0,
    });
    expect(plan.status).toMatchObject({
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 0,
    });
    expect(plan.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
  });
});

function pod(
  name: string,
  o: {
    node?: string;
    phase?: PodPhase;
    ready?: boolean;
    created?: number;
    deleting?: boolean;
    ip?: string;
    labels?: Record<string, string>;
    ports?: { name: string; containerPort: number }[];
  } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: o.labels ?? { app: 'web' },
      creationTimestamp: new Date(T0 + (o.created ?? 0) * 1000).toISOString(),
      ...(o.deleting ? { deletionTimestamp: new Date(T0).toISOString() } : {}),
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers: [{ name: 'c', ...(o.ports ? { ports: o.ports } : {}) }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip ? { podIP: o.ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('replicaset plan', () => {
  const rs: ReplicaSet = {
    metadata: { name: 'rs', namespace: 'ns', uid: 'rs', generation: 2 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } },
    },
  };
  it('creates the missing pods; terminal and terminating pods do not count', () => {
    const plan = planReplicaSet(
      rs,
      [pod('a', { node: 'n' }), pod('b', { phase: 'Failed' }), pod('c', { deleting: true })],
      T0,
    );
    expect(plan.create).toBe(2);
    expect(plan.status).toEqual({
      replicas: 1,
      fullyLabeledReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      observedGeneration: 2,
    });
  });
  it('deletes the least valuable pods first: unscheduled, pending, not ready, newest', () => {
    const pods = [
      pod('old-ready', { node: 'n', created: 1 }),
      pod('new-ready', { node: 'n', created: 5 }),
      pod('not-ready', { node: 'n', ready: false }),
      pod('pending', { node: 'n', phase: 'Pending' }),
      pod('unscheduled', { phase: 'Pending' }),
    ];
    expect([...pods].sort(deletionOrder).map((p) => p.metadata.name)).toEqual([
      'unscheduled',
      'pending',
      'not-ready',
      'new-ready',
      'old-ready',
    ]);
    expect(
      planReplicaSet({ ...rs, spec: { ...rs.spec, replicas: 1 } }, pods, T0).delete.map(
        (p) => p.metadata.name,
      ),
    ).toEqual(['unscheduled', 'pending', 'not-ready', 'new-ready']);
  });
});

describe('endpointslice plan', () => {
  const svc: Service = {
    metadata: { name: 'web', namespace: 'ns', uid: 'svc' },
    spec: {
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      ipFamilies: ['IPv4', 'IPv6'],
    },
  };
  const many = (n: number): Pod[] =>
    Array.from({ length: n }, (_, i) =>
      pod(`p${i}`, {
        node: `n${i % 3}`,
        ip: `10.0.${Math.floor(i / 200)}.${i % 200}`,
        ports: [{ name: 'http', containerPort: 8080 }],
      }),
    );
  const apply = (existing: EndpointSlice[], pods: Pod[]): { slices: EndpointSlice[]; writes: number } => {
    const plan = planSlices({ service: svc, groups: desiredEndpoints(svc, pods), existing });
    let k = existing.length;
    const out = existing
      .filter((s) => !plan.delete.includes(s.metadata.name ?? ''))
      .map((s) => plan.update.find((u) => u.metadata.name === s.metadata.name) ?? s);
    for (const c of plan.create) out.push({ ...c, metadata: { ...c.metadata, name: `web-${k++}` } });
    return { slices: out, writes: plan.create.length + plan.update.length + plan.delete.length };
  };

  it('at most 100 endpoints per slice, with node name, target ref and the resolved named port', () => {
    const { slices } = apply([], many(250));
    expect(slices.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
    expect(slices[0]?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slices[0]?.endpoints[0]).toEqual({
      addresses: ['10.0.0.0'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'n0',
      targetRef: { kind: 'Pod', namespace: 'ns', name: 'p0', uid: 'uid-p0' },
    });
    expect(slices[0]?.metadata.labels).toEqual({
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(MAX_ENDPOINTS_PER_SLICE).toBe(100);
  });

  it('minimal churn: one pod changing readiness rewrites one slice; an added pod fills a slice with room', () => {
    const pods = many(250);
    const first = apply([], pods);
    pods[120] = pod('p120', {
      node: 'n0',
      ip: '10.0.0.120',
      ready: false,
      ports: [{ name: 'http', containerPort: 8080 }],
    });
    const second = apply(first.slices, pods);
    expect(second.writes).toBe(1);
    pods.push(pod('extra', { node: 'n1', ip: '10.0.9.9', ports: [{ name: 'http', containerPort: 8080 }] }));
    const third = apply(second.slices, pods);
    expect(third.writes).toBe(1);
    expect(third.slices.map((s) => s.endpoints.length)).toEqual([100, 100, 51]);
    expect(apply(third.slices, pods).writes).toBe(0);
  });

  it('terminating pods stay as serving, not ready; not-ready pods stay, not ready', () => {
    const g = desiredEndpoints(svc, [
      pod('t', { ip: '10.0.0.1', deleting: true, ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('n', { ip: '10.0.0.2', ready: false, ports: [{ name: 'http', containerPort: 8080 }] }),
    ]);
    const eps = [...g.values()].flatMap((x) => [...x.endpoints.values()]).map((e) => e.conditions);
    expect(eps).toEqual([
      { ready: false, serving: true, terminating: true },
      { ready: false, serving: false, terminating: false },
    ]);
  });

  it('dual-stack pods give an IPv4 and an IPv6 slice; pods resolving a named port differently go to separate slices', () => {
    const p1 = pod('a', { ports: [{ name: 'http', containerPort: 8080 }] });
    p1.status = { ...p1.status, podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] };
    const p2 = pod('b', { ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 9090 }] });
    const { slices } = apply([], [p1, p2]);
    expect(slices.map((s) => [s.addressType, s.ports?.[0]?.port, s.endpoints.length]).sort()).toEqual([
      ['IPv4', 8080, 1],
      ['IPv4', 9090, 1],
      ['IPv6', 8080, 1],
    ]);
  });

  it('a Service with no endpoints keeps one empty placeholder slice, and removed endpoints leave', () => {
    const pods = many(3);
    const first = apply([], pods);
    const empty = apply(first.slices, []);
    expect(empty.slices.length).toBe(1);
    expect(empty.slices[0]?.endpoints).toEqual([]);
    expect(apply(empty.slices, []).writes).toBe(0);
  });
});

describe('service repair', () => {
  const svc = (name: string, ip: string, nodePort?: number, created = 0): Service => ({
    metadata: { name, namespace: 'ns', creationTimestamp: new Date(T0 + created * 1000).toISOString() },
    spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80, ...(nodePort ? { nodePort } : {}) }] },
  });
  it('reports values held twice, oldest holder first; headless Services hold nothing', () => {
    expect(
      findDuplicates([
        svc('a', '10.96.0.5', 30001, 1),
        svc('b', '10.96.0.5', 30002, 0),
        svc('c', 'None'),
        svc('d', 'None', 30001, 2),
      ]),
    ).toEqual([
      { kind: 'ClusterIP', value: '10.96.0.5', services: ['ns/b', 'ns/a'] },
      { kind: 'NodePort', value: 'TCP/30001', services: ['ns/a', 'ns/d'] },
    ]);
    expect(findDuplicates([svc('a', '10.96.0.5'), svc('b', '10.96.0.6')])).toEqual([]);
  });
});

describe('node IPAM', () => {
  const cfg = ipamConfig();
  it('node-i gets subnet i when free, else the lowest free one (index 0 last)', () => {
    expect(allocateFor(cfg, 'node-3', new Set())).toBe('10.244.3.0/24');
    expect(allocateFor(cfg, 'node-3', new Set([3, 1]))).toBe('10.244.2.0/24');
    expect(allocateFor(cfg, 'edge', new Set([1, 2]))).toBe('10.244.3.0/24');
    expect(allocateFor(cfg, 'node-999', new Set())).toBe('10.244.1.0/24');
    const all = new Set(Array.from({ length: 255 }, (_, i) => i + 1));
    expect(allocateFor(cfg, 'x', all)).toBe('10.244.0.0/24');
    all.add(0);
    expect(allocateFor(cfg, 'x', all)).toBeUndefined();
  });
  it('indexOf maps a podCIDR back, and ignores foreign ranges', () => {
    expect(indexOf(cfg, '10.244.7.0/24')).toBe(7);
    expect(indexOf(cfg, '10.245.7.0/24')).toBeUndefined();
    expect(indexOf(cfg, '10.244.7.0/25')).toBeUndefined();
  });
  it('validates its configuration naming the field', () => {
    expect(() => ipamConfig({ clusterCidr: '10.244.0.0/16', nodeMaskSize: 8 })).toThrow(/nodeMaskSize/);
    expect(() => ipamConfig({ clusterCidr: 'nope' })).toThrow(/clusterCidr/);
  });
});

describe('node lifecycle', () => {
  const node: Node = {
    metadata: { name: 'n1' },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const base = { node, gracePeriodMs: 40_000, evictionTimeoutMs: 300_000 };
  it('healthy within the grace period: nothing to do', () => {
    const p = planNodeLifecycle({
      ...base,
      pods: [pod('a', { node: 'n1' })],
      lastRenewedAt: T0,
      now: T0 + 40_000,
    });
    expect(p).toMatchObject({
      healthy: true,
      readyCondition: undefined,
      taints: undefined,
      markNotReady: [],
      evict: [],
    });
  });
  it('silent past 40 s: Ready=Unknown, unreachable taints, pods not ready', () => {
    const p = planNodeLifecycle({
      ...base,
      pods: [pod('a', { node: 'n1' }), pod('b', { node: 'n1', ready: false })],
      lastRenewedAt: T0,
      now: T0 + 40_001,
    });
    expect(p.readyCondition).toMatchObject({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(p.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      `${UNREACHABLE_TAINT}:NoSchedule`,
      `${UNREACHABLE_TAINT}:NoExecute`,
    ]);
    expect(p.markNotReady.map((x) => x.metadata.name)).toEqual(['a']);
    expect(p.evict).toEqual([]);
  });
  it('evicts after the timeout counted from the NoExecute taint, honouring tolerationSeconds', () => {
    const tainted: Node = {
      ...node,
      spec: {
        taints: [{ key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: new Date(T0).toISOString() }],
      },
      status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
    };
    const tolerant = pod('tolerant', { node: 'n1' });
    tolerant.spec.tolerations = [
      { key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 600 },
    ];
    const forever = pod('forever', { node: 'n1' });
    forever.spec.tolerations = [{ operator: 'Exists' }];
    const pods = [pod('plain', { node: 'n1' }), tolerant, forever];
    const at = (s: number) =>
      planNodeLifecycle({
        ...base,
        node: tainted,
        pods,
        lastRenewedAt: T0 - 60_000,
        now: T0 + s * 1000,
      }).evict.map((p) => p.metadata.name);
    expect(at(299)).toEqual([]);
    expect(at(300)).toEqual(['plain']);
    expect(at(600)).toEqual(['plain', 'tolerant']);
  });
  it('renewing again lifts the taints once the kubelet reports Ready', () => {
    const tainted: Node = {
      ...node,
      spec: {
        taints: [
          { key: UNREACHABLE_TAINT, effect: 'NoSchedule' },
          { key: 'other', effect: 'NoSchedule' },
        ],
      },
    };
    expect(
      planNodeLifecycle({ ...base, node: tainted, pods: [], lastRenewedAt: T0, now: T0 }).taints,
    ).toEqual([{ key: 'other', effect: 'NoSchedule' }]);
  });
});

describe('controller-manager flags', () => {
  it('--controllers accepts known names and names an unknown one', async () => {
    const { parseControllers } = await import('./main.js');
    expect(parseControllers('deployment, replicaset')).toEqual(['deployment', 'replicaset']);
    expect(() => parseControllers('deployment,statefulset')).toThrow(
      /--controllers: unknown controller "statefulset"/,
    );
  });
});
