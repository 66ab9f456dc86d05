/**
 * The acceptance scenarios against the real API server in-process, with simulated
 * nodes (Node objects + Leases renewed by the test, no kubelet) and a stand-in kubelet that
 * only writes pod status. The scheduler and two controller managers run as they would in the
 * lab, each with its own client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonSet, Deployment, EndpointSlice, Node, Pod, Service } from '../../lib/api/index.js';
import {
  coreResources,
  daemonSetsResource,
  deploymentsResource,
  endpointSlicesResource,
  leasesResource,
  nodesResource,
  podsResource,
  replicaSetsResource,
  servicesResource,
} from '../../lib/client/index.js';
import { eventually } from '../../test/harness/cluster/env.js';
import {
  type RunningManager,
  type SimCluster,
  startSimCluster,
} from '../../test/harness/cluster/sim-cluster.js';
import { createSimNode, type SimKubelet } from '../../test/harness/cluster/sim-node.js';
import { FOREGROUND_FINALIZER } from './gc.js';
import { UNREACHABLE_TAINT } from './node-lifecycle.js';
import { findDuplicates } from './service-repair.js';

const NODES = ['node-1', 'node-2', 'node-3'];
let env: SimCluster;
/** Nodes whose kubelet is alive: Leases renewed, pod status written. */
const alive = new Set(NODES);
let kubelet: SimKubelet;
/** Pods the fake kubelet reports as not ready (by name). */
const notReady = new Set<string>();

function startManager(identity: string, releaseOnCancel = false): RunningManager {
  return env.startManager({
    identity,
    leaderElection: { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250, releaseOnCancel },
    nodeLifecycle: { gracePeriodMs: 5000, monitorPeriodMs: 150, evictionTimeoutMs: 4000 },
  });
}

let primary: RunningManager;

beforeAll(async () => {
  env = await startSimCluster({
    nodes: NODES,
    node: { cpu: '4', memory: '8Gi' },
    alive,
    leaseRenewMs: 250,
    kubeletSyncMs: 60,
    kubeletNodeSyncMs: 300,
    ready: (p) => !notReady.has(p.metadata.name ?? ''),
    unschedulableRetryMs: 1000,
  });
  kubelet = env.kubelet;
  primary = startManager('cm-a');
  await eventually('cm-a leads', () => primary.manager.leading);
}, 30_000);

afterAll(async () => {
  await primary?.stop().catch(() => undefined);
  await env?.stop();
}, 30_000);

async function namespace(name: string): Promise<void> {
  await env.client.resource(coreResources.namespaces).create({ metadata: { name } });
}

function deployment(
  name: string,
  ns: string,
  replicas: number,
  image = 'busybox:1',
  strategy?: Deployment['spec']['strategy'],
): Deployment {
  return {
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(strategy ? { strategy } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'web',
              image,
              ports: [{ name: 'http', containerPort: 8080 }],
              resources: { requests: { cpu: '100m', memory: '64Mi' } },
            },
          ],
        },
      },
    },
  };
}

async function pods(ns: string): Promise<Pod[]> {
  return (await env.client.resource(podsResource).list({ namespace: ns })).items;
}

const isReady = (p: Pod): boolean =>
  !p.metadata.deletionTimestamp &&
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

function perNode(list: readonly Pod[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of list) out[p.spec.nodeName ?? ''] = (out[p.spec.nodeName ?? ''] ?? 0) + 1;
  return out;
}

describe('controller manager acceptance', () => {
  it('node IPAM: node-i gets 10.244.i.0/24, others a free non-overlapping /24', async () => {
    await createSimNode(env.client, 'edge', { lease: false, ready: false });
    const cidrs = await eventually('podCIDRs', async () => {
      const list = (await env.client.resource(nodesResource).list()).items;
      const m = Object.fromEntries(list.map((n: Node) => [n.metadata.name, n.spec?.podCIDR]));
      return Object.values(m).every((c) => c) ? m : undefined;
    });
    expect(cidrs).toMatchObject({
      'node-1': '10.244.1.0/24',
      'node-2': '10.244.2.0/24',
      'node-3': '10.244.3.0/24',
    });
    expect(new Set(Object.values(cidrs)).size).toBe(Object.keys(cidrs).length);
    await env.client.resource(nodesResource).delete('edge');
  });

  it('a Deployment of 6 lands 2-2-2, becomes Available, scales, and rolls with maxUnavailable 0 without losing ready replicas', async () => {
    await namespace('roll');
    const dc = env.client.resource(deploymentsResource);
    await dc.create(
      deployment('web', 'roll', 6, 'busybox:1', {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      }),
    );
    await eventually('6 ready', async () => (await pods('roll')).filter(isReady).length === 6, 15_000);
    expect(perNode(await pods('roll'))).toEqual({ 'node-1': 2, 'node-2': 2, 'node-3': 2 });
    const d1 = await eventually('Available status', async () => {
      const d = await dc.get('web', { namespace: 'roll' });
      return d.status?.availableReplicas === 6 &&
        d.status.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable'
        ? d
        : undefined;
    });
    expect(d1.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    expect(d1.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');

    // Scale through the scale subresource, as kubectl does.
    await dc.patch('web', { spec: { replicas: 4 } }, { type: 'merge', namespace: 'roll' });
    await eventually('4 pods', async () => (await pods('roll')).length === 4);

    // Roll an image change, watching ready replicas the whole time.
    let minReady = Number.POSITIVE_INFINITY;
    let maxPods = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const list = await pods('roll');
        minReady = Math.min(minReady, list.filter(isReady).length);
        maxPods = Math.max(maxPods, list.filter((p) => !p.metadata.deletionTimestamp).length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await dc.patch(
      'web',
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'busybox:2' }] } } } },
      { type: 'strategic', namespace: 'roll' },
    );
    await eventually(
      'rollout complete',
      async () => {
        const list = await pods('roll');
        const d = await dc.get('web', { namespace: 'roll' });
        return (
          list.length === 4 &&
          list.every((p) => p.spec.containers[0]?.image === 'busybox:2' && isReady(p)) &&
          d.status?.updatedReplicas === 4 &&
          d.status.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable'
        );
      },
      20_000,
    );
    watching = false;
    await watcher;
    expect(minReady).toBeGreaterThanOrEqual(4); // maxUnavailable: 0
    expect(maxPods).toBeLessThanOrEqual(5); // maxSurge: 1
    expect(maxPods).toBe(5); // and it did surge
    const rss = (await env.client.resource(replicaSetsResource).list({ namespace: 'roll' })).items;
    expect(
      rss
        .map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs.spec.replicas])
        .sort(),
    ).toEqual([
      ['1', 0],
      ['2', 4],
    ]);
    expect(
      (await dc.get('web', { namespace: 'roll' })).metadata.annotations?.[
        'deployment.kubernetes.io/revision'
      ],
    ).toBe('2');
  }, 40_000);

  it('a taint moves new pods away', async () => {
    await namespace('taint');
    await env.client
      .resource(nodesResource)
      .patch(
        'node-2',
        { spec: { taints: [{ key: 'maint', value: 'yes', effect: 'NoSchedule' }] } },
        { type: 'merge' },
      );
    try {
      await new Promise((r) => setTimeout(r, 200));
      await env.client.resource(deploymentsResource).create(deployment('tt', 'taint', 4));
      const list = await eventually('4 bound', async () => {
        const l = await pods('taint');
        return l.length === 4 && l.every((p) => p.spec.nodeName) ? l : undefined;
      });
      expect(list.filter((p) => p.spec.nodeName === 'node-2')).toEqual([]);
    } finally {
      await env.client.resource(nodesResource).patch('node-2', { spec: { taints: null } }, { type: 'merge' });
    }
  });

  it('deleting a Deployment deletes its ReplicaSets and pods (background and foreground)', async () => {
    await namespace('gc');
    const dc = env.client.resource(deploymentsResource);
    await dc.create(deployment('bg', 'gc', 2));
    await dc.create(deployment('fg', 'gc', 2));
    await eventually('4 pods', async () => (await pods('gc')).length === 4);
    await dc.delete('bg', { namespace: 'gc', propagationPolicy: 'Background' });
    await eventually('bg gone', async () => {
      const rs = (await env.client.resource(replicaSetsResource).list({ namespace: 'gc' })).items;
      return (
        !rs.some((r) => r.metadata.name?.startsWith('bg-')) &&
        !(await pods('gc')).some((p) => p.metadata.name?.startsWith('bg-'))
      );
    });
    // Foreground: the Deployment stays (deletionTimestamp set) until its dependents are gone.
    await dc.patch(
      'fg',
      { metadata: { finalizers: [FOREGROUND_FINALIZER] } },
      { type: 'merge', namespace: 'gc' },
    );
    await dc.delete('fg', { namespace: 'gc', propagationPolicy: 'Foreground' });
    const held = await dc.get('fg', { namespace: 'gc' }).catch(() => undefined);
    expect(held === undefined || held.metadata.deletionTimestamp !== undefined).toBe(true);
    await eventually('fg gone', async () => {
      const gone = await dc.get('fg', { namespace: 'gc' }).then(
        () => false,
        () => true,
      );
      return (
        gone &&
        (await pods('gc')).length === 0 &&
        (await env.client.resource(replicaSetsResource).list({ namespace: 'gc' })).items.length === 0
      );
    });
  });

  it('a DaemonSet runs one pod on every eligible node', async () => {
    await namespace('ds');
    const ds: DaemonSet = {
      metadata: { name: 'agent', namespace: 'ds' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'a', image: 'busybox' }] },
        },
      },
    };
    await env.client.resource(daemonSetsResource).create(ds);
    const placed = await eventually('one pod per node', async () => {
      const l = await pods('ds');
      return l.length === 3 && l.every((p) => p.spec.nodeName && isReady(p)) ? l : undefined;
    });
    expect(perNode(placed)).toEqual({ 'node-1': 1, 'node-2': 1, 'node-3': 1 });
    const status = await eventually('status', async () => {
      const d = await env.client.resource(daemonSetsResource).get('agent', { namespace: 'ds' });
      return d.status?.numberReady === 3 ? d.status : undefined;
    });
    expect(status).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
    });
    // A node the template excludes loses its pod.
    await env.client
      .resource(daemonSetsResource)
      .patch(
        'agent',
        { spec: { template: { spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-1' } } } } },
        { type: 'strategic', namespace: 'ds' },
      );
    await eventually(
      'only node-1',
      async () => {
        const l = await pods('ds');
        return l.length === 1 && l[0]?.spec.nodeName === 'node-1' && isReady(l[0]);
      },
      15_000,
    );
    await env.client.resource(daemonSetsResource).delete('agent', { namespace: 'ds' });
    await eventually('pods collected', async () => (await pods('ds')).length === 0);
  }, 30_000);

  it("a Service's EndpointSlices follow pod readiness, and a node that stops renewing its Lease goes NotReady and its endpoints leave", async () => {
    await namespace('eps');
    await env.client.resource(deploymentsResource).create(deployment('api', 'eps', 3));
    const svc: Service = {
      metadata: { name: 'api', namespace: 'eps' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
    };
    await env.client.resource(servicesResource).create(svc);
    const slices = async (): Promise<EndpointSlice[]> =>
      (
        await env.client
          .resource(endpointSlicesResource)
          .list({ namespace: 'eps', labelSelector: 'kubernetes.io/service-name=api' })
      ).items;
    const readyIps = async (): Promise<string[]> =>
      (await slices())
        .flatMap((s) => s.endpoints.filter((e) => e.conditions.ready).flatMap((e) => e.addresses))
        .sort();
    await eventually('3 ready endpoints', async () => (await readyIps()).length === 3, 15_000);
    const [slice] = await slices();
    expect(slice?.ports).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    expect(slice?.endpoints.every((e) => e.nodeName && e.targetRef?.kind === 'Pod')).toBe(true);

    // The kubelet reports one pod not ready: its endpoint stays, ready=false.
    const victim = (await pods('eps'))[0]!;
    notReady.add(victim.metadata.name ?? '');
    await eventually('2 ready endpoints', async () => (await readyIps()).length === 2);
    expect((await slices()).flatMap((s) => s.endpoints).length).toBe(3);
    notReady.delete(victim.metadata.name ?? '');
    await eventually('3 ready again', async () => (await readyIps()).length === 3);

    // node-3 stops renewing its Lease.
    const onNode3 = (await pods('eps'))
      .filter((p) => p.spec.nodeName === 'node-3')
      .map((p) => kubelet.ipOf(p));
    expect(onNode3.length).toBeGreaterThan(0);
    alive.delete('node-3');
    const node3 = await eventually(
      'node-3 NotReady',
      async () => {
        const n = await env.client.resource(nodesResource).get('node-3');
        const unknown = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown';
        return unknown && (n.spec?.taints?.length ?? 0) >= 2 ? n : undefined;
      },
      20_000,
    );
    expect(node3.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual([
      `${UNREACHABLE_TAINT}:NoExecute`,
      `${UNREACHABLE_TAINT}:NoSchedule`,
    ]);
    await eventually('node-3 endpoints not ready', async () => {
      const ready = await readyIps();
      return onNode3.every((ip) => !ready.includes(ip));
    });
    // After the eviction timeout the pods go, are replaced elsewhere, and leave the slices.
    await eventually(
      'evicted and replaced',
      async () => {
        const list = await pods('eps');
        const all = (await slices()).flatMap((s) => s.endpoints.flatMap((e) => e.addresses));
        return (
          list.length === 3 &&
          list.every((p) => p.spec.nodeName !== 'node-3' && isReady(p)) &&
          onNode3.every((ip) => !all.includes(ip)) &&
          (await readyIps()).length === 3
        );
      },
      25_000,
    );
  }, 75_000);

  it('killing the leader controller manager hands over to the standby', async () => {
    const standby = startManager('cm-b');
    await new Promise((r) => setTimeout(r, 600));
    expect(primary.manager.leading).toBe(true);
    expect(standby.manager.leading).toBe(false);
    // A crash: cm-a never releases the Lease, so cm-b takes it once it has gone unrenewed.
    const crashed = primary;
    primary = standby;
    const killedAt = Date.now();
    await crashed.stop();
    await eventually('cm-b leads', () => standby.manager.leading, 8000);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(6000); // lease 2 s + retry, on a loaded machine
    const lease = await env.client
      .resource(leasesResource)
      .get('kube-controller-manager', { namespace: 'kube-system' });
    expect(lease.spec.holderIdentity).toBe('cm-b');
    expect(lease.spec.leaseTransitions).toBe(1);
    await namespace('handover');
    await env.client.resource(deploymentsResource).create(deployment('after', 'handover', 2));
    await eventually('pods by the new leader', async () => (await pods('handover')).length === 2);
  }, 30_000);
  it('ClusterIPs stay unique under 500 concurrent Service creations; the repair loop finds no duplicates', async () => {
    await namespace('svcs');
    const sc = env.client.resource(servicesResource);
    const made = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        sc.create({
          metadata: { name: `s${i}`, namespace: 'svcs' },
          spec: { selector: { app: `s${i}` }, ports: [{ port: 80 }] },
        }),
      ),
    );
    const ips = made.map((s) => s.spec.clusterIP);
    expect(ips.every((ip) => typeof ip === 'string' && /^10\.96\./.test(ip))).toBe(true);
    expect(new Set(ips).size).toBe(500);
    expect(findDuplicates((await sc.list()).items)).toEqual([]);
    // The EndpointSlice controller gave each one its placeholder slice.
    await eventually(
      '500 placeholder slices',
      async () =>
        (await env.client.resource(endpointSlicesResource).list({ namespace: 'svcs' })).items.length === 500,
      20_000,
    );
  }, 40_000);
});
