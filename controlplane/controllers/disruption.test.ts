/**
 * The disruption controller in a real controller manager against the real API server, with
 * simulated nodes, a stand-in kubelet and the scheduler: budget status from a Deployment's
 * pods, evictions allowed while the budget has room and refused with 429 once it has none.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Pod, PodDisruptionBudget } from '../../lib/api/index.js';
import {
  ApiError,
  coreResources,
  deploymentsResource,
  podDisruptionBudgetsResource,
  podsResource,
} from '../../lib/client/index.js';
import { kubectl } from '../../test/harness/cluster/apiserver.js';
import { eventually } from '../../test/harness/cluster/env.js';
import { type SimCluster, startSimCluster } from '../../test/harness/cluster/sim-cluster.js';
import { createSimNode } from '../../test/harness/cluster/sim-node.js';

const NODES = ['node-1', 'node-2'];
let env: SimCluster;
const notReady = new Set<string>();

beforeAll(async () => {
  env = await startSimCluster({
    nodes: NODES,
    node: { cpu: '4', memory: '8Gi' },
    leaseRenewMs: 500,
    kubeletSyncMs: 60,
    ready: (p) => !notReady.has(p.metadata.name ?? ''),
    unschedulableRetryMs: 1000,
    manager: {
      leaderElection: false,
      controllers: ['deployment', 'replicaset', 'disruption', 'garbagecollector'],
    },
  });
  await env.client.resource(coreResources.namespaces).create({ metadata: { name: 'shop' } });
}, 30_000);

afterAll(async () => {
  await env?.stop();
}, 30_000);

function deployment(name: string, replicas: number): Deployment {
  return {
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'web', image: 'busybox:1' }] },
      },
    },
  };
}

const pdbs = () => env.client.resource(podDisruptionBudgetsResource);
const podClient = () => env.client.resource(podsResource);

async function readyPods(app: string): Promise<Pod[]> {
  const list = await podClient().list({ namespace: 'shop', labelSelector: `app=${app}` });
  return list.items.filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
}

async function evict(name: string): Promise<unknown> {
  return podClient().createSubresource(
    name,
    'eviction',
    { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'shop' } },
    { namespace: 'shop' },
  );
}

async function statusOf(name: string, want: (s: PodDisruptionBudget['status']) => boolean) {
  return eventually(`status of ${name}`, async () => {
    const pdb = await pdbs().get(name, { namespace: 'shop' });
    return want(pdb.status) ? pdb : undefined;
  });
}

describe('disruption controller', () => {
  it('keeps a minAvailable budget status from the pods; eviction decrements it, then 429 until pods are back', async () => {
    await env.client.resource(deploymentsResource).create(deployment('web', 3), { namespace: 'shop' });
    await eventually('3 ready pods', async () => (await readyPods('web')).length === 3);
    await pdbs().create(
      { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } },
      { namespace: 'shop' },
    );
    const first = await statusOf('web', (s) => s?.currentHealthy === 3 && s.observedGeneration === 1);
    expect(first.status).toMatchObject({
      observedGeneration: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      disruptionsAllowed: 1,
      conditions: [
        { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', observedGeneration: 1 },
      ],
    });
    const [a, b] = await readyPods('web');
    await evict(a?.metadata.name ?? '');
    // The eviction decremented the budget and recorded the pod.
    const err = await evict(b?.metadata.name ?? '').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    const api = err as ApiError;
    expect(api.statusCode).toBe(429);
    expect(api.status.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(api.causes[0]).toMatchObject({ reason: 'DisruptionBudget' });
    expect(api.causes[0]?.message).toMatch(
      /^The disruption budget web needs 2 healthy pods and has [23] currently$/,
    );
    // The ReplicaSet replaces the evicted pod; once it is Ready the budget has room again.
    const back = await statusOf('web', (s) => s?.currentHealthy === 3 && s.disruptionsAllowed === 1);
    expect(back.status).toMatchObject({ expectedPods: 3, desiredHealthy: 2 });
    expect(back.status?.disruptedPods ?? {}).toEqual({});
    await evict(b?.metadata.name ?? '');
  }, 30_000);

  it('maxUnavailable as a percentage counts expected pods from the Deployment scale; unready pods lower the count', async () => {
    await env.client.resource(deploymentsResource).create(deployment('api', 4), { namespace: 'shop' });
    await eventually('4 ready pods', async () => (await readyPods('api')).length === 4);
    await pdbs().create(
      {
        metadata: { name: 'api' },
        spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'api' } } },
      },
      { namespace: 'shop' },
    );
    const s = await statusOf('api', (x) => x?.expectedPods === 4 && x.currentHealthy === 4);
    expect(s.status).toMatchObject({ desiredHealthy: 2, disruptionsAllowed: 2 });
    // Scale to 6: expectedPods follows the Deployment's replicas.
    await env.client
      .resource(deploymentsResource)
      .patch('api', { spec: { replicas: 6 } }, { namespace: 'shop', type: 'merge' });
    const scaled = await statusOf('api', (x) => x?.expectedPods === 6 && x.currentHealthy === 6);
    expect(scaled.status).toMatchObject({ desiredHealthy: 3, disruptionsAllowed: 3 });
    // Three pods stop being Ready: no disruption is allowed, and the condition says so.
    for (const p of (await readyPods('api')).slice(0, 3)) notReady.add(p.metadata.name ?? '');
    const low = await statusOf('api', (x) => x?.currentHealthy === 3);
    expect(low.status).toMatchObject({
      disruptionsAllowed: 0,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }],
    });
    const ready = (await readyPods('api'))[0];
    const refused = await evict(ready?.metadata.name ?? '').then(
      () => undefined,
      (e: unknown) => e as ApiError,
    );
    expect(refused?.statusCode).toBe(429);
    // An unready pod may still go: the budget is met without it (IfHealthyBudget).
    const unready = [...notReady][0] ?? '';
    await evict(unready);
    const gone = await podClient()
      .get(unready, { namespace: 'shop' })
      .then(
        (p) => p.metadata.deletionTimestamp !== undefined,
        () => true,
      );
    expect(gone).toBe(true);
  }, 30_000);

  it('kubectl drain evicts through the API: held by the budget (429, retried), then drained once it allows', async () => {
    const home = join(env.server.dir, 'home');
    mkdirSync(home, { recursive: true });
    const k = (...args: string[]) =>
      kubectl({ kubeconfig: env.server.server.kubeconfigPath, home }, args, { timeoutMs: 60_000 });
    await createSimNode(env.client, 'drain-me', { cpu: '4', memory: '8Gi', labels: { pool: 'drain' } });
    const d = deployment('pinned', 2);
    d.spec.template.spec.nodeSelector = { pool: 'drain' };
    await env.client.resource(deploymentsResource).create(d, { namespace: 'shop' });
    await eventually('2 pinned pods ready', async () => (await readyPods('pinned')).length === 2);
    await pdbs().create(
      {
        metadata: { name: 'pinned' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'pinned' } } },
      },
      { namespace: 'shop' },
    );
    await statusOf('pinned', (s) => s?.currentHealthy === 2 && s.observedGeneration === 1);
    const held = await k('drain', 'drain-me', '--ignore-daemonsets', '--timeout=3s');
    expect(held.code).not.toBe(0);
    expect(held.stderr).toContain('error when evicting pods/"');
    expect(held.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect((await readyPods('pinned')).length).toBe(2);
    const patched = await k(
      'patch',
      'pdb',
      'pinned',
      '-n',
      'shop',
      '--type=merge',
      '-p',
      '{"spec":{"minAvailable":0}}',
    );
    expect(patched.code).toBe(0);
    await statusOf('pinned', (s) => s?.observedGeneration === 2 && s.disruptionsAllowed === 2);
    // A server-side dry run evicts nothing and leaves the budget as it was.
    const dry = await k('drain', 'drain-me', '--ignore-daemonsets', '--dry-run=server', '--timeout=10s');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('(server dry run)');
    expect((await readyPods('pinned')).length).toBe(2);
    expect((await pdbs().get('pinned', { namespace: 'shop' })).status?.disruptionsAllowed).toBe(2);
    const drained = await k('drain', 'drain-me', '--ignore-daemonsets', '--timeout=30s');
    expect(drained.stderr).toBe('');
    expect(drained.stdout).toContain('node/drain-me drained');
    expect(drained.stdout).toMatch(/pod\/pinned-\S+ evicted/);
  }, 60_000);
});
