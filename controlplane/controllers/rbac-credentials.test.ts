/**
 * The controller manager as the lab runs it — its own kubeconfig user
 * (system:kube-controller-manager) with `--use-service-account-credentials` — against an API
 * server that enforces the bootstrap policy: leader election on the manager's Lease, shared
 * informers on the manager's identity, and every controller writing as its own kube-system
 * service account with nothing but its `system:controller:<name>` role.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonSet, Deployment, EndpointSlice, Pod, Service } from '../../lib/api/index.js';
import {
  coreResources,
  daemonSetsResource,
  deploymentsResource,
  endpointSlicesResource,
  KubeClient,
  nodesResource,
  parseKubeconfig,
  podDisruptionBudgetsResource,
  podsResource,
  replicaSetsResource,
  servicesResource,
} from '../../lib/client/index.js';
import { startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { eventually } from '../../test/harness/cluster/env.js';
import { createSimNode, renewSimLease, SimKubelet } from '../../test/harness/cluster/sim-node.js';
import { bootstrapPolicy } from '../apiserver/rbac/bootstrap-policy.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { CONTROLLER_SERVICE_ACCOUNT, ControllerManager } from './manager.js';

const NODES = ['node-1', 'node-2'];
let server: TestServer;
let admin: KubeClient;
const stops: (() => Promise<void>)[] = [];

/** A client from one of the kubeconfigs the API server writes beside admin.kubeconfig. */
function clientFrom(file: string): KubeClient {
  const path = join(dirname(server.server.kubeconfigPath), file);
  return new KubeClient({ config: parseKubeconfig(readFileSync(path, 'utf8'), { path }) });
}

function loop(what: () => Promise<unknown>, ms: number): () => Promise<void> {
  let stopped = false;
  const run = (async () => {
    while (!stopped) {
      await what().catch(() => undefined);
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return async () => {
    stopped = true;
    await run;
  };
}

let manager: ControllerManager;

beforeAll(async () => {
  server = await startTestServer({ bootstrapPolicy });
  admin = clientFrom('admin.kubeconfig');
  for (const n of NODES) await createSimNode(admin, n, { cpu: '4', memory: '8Gi' });
  stops.push(loop(async () => Promise.all(NODES.map((n) => renewSimLease(admin, n))), 250));
  const kubelet = new SimKubelet({ client: admin, nodes: new Set(NODES), ready: () => true });
  stops.push(loop(() => kubelet.sync(), 60));

  const schedClient = clientFrom('scheduler.kubeconfig');
  const scheduler = new Scheduler({ client: schedClient, unschedulableRetryMs: 1000 });
  const sac = new AbortController();
  const scheduling = scheduler.run(sac.signal);
  stops.push(async () => {
    sac.abort();
    await scheduling;
    schedClient.close();
  });

  const cmClient = clientFrom('controller-manager.kubeconfig');
  manager = new ControllerManager({
    client: cmClient,
    useServiceAccountCredentials: true,
    leaderElection: { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 },
  });
  const mac = new AbortController();
  const managing = manager.run(mac.signal);
  stops.push(async () => {
    mac.abort();
    await managing;
    cmClient.close();
  });
  await eventually('the manager leads', () => manager.leading);
}, 30_000);

afterAll(async () => {
  for (const s of stops.reverse()) await s();
  admin?.close();
  await server?.stop();
}, 30_000);

const isReady = (p: Pod): boolean =>
  !p.metadata.deletionTimestamp &&
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('controller manager with service-account credentials under the bootstrap policy', () => {
  it('makes one kube-system service account per controller identity', async () => {
    const names = [...new Set(Object.values(CONTROLLER_SERVICE_ACCOUNT))].sort();
    const have = await eventually('the service accounts', async () => {
      const list = await admin.requestJson<{ items: { metadata: { name: string } }[] }>({
        method: 'GET',
        path: '/api/v1/namespaces/kube-system/serviceaccounts',
      });
      const got = list.items.map((i) => i.metadata.name);
      return names.every((n) => got.includes(n)) ? got : undefined;
    });
    expect(have).toEqual(expect.arrayContaining(names));
  });

  it('runs a Deployment to ready pods, its Service to an EndpointSlice, a DaemonSet to every node, and collects the garbage', async () => {
    await admin.resource(coreResources.namespaces).create({ metadata: { name: 'demo' } });
    const deployment: Deployment = {
      metadata: { name: 'web', namespace: 'demo' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'web', image: 'busybox:1', ports: [{ containerPort: 8080 }] }],
          },
        },
      },
    };
    await admin.resource(deploymentsResource).create(deployment);
    const service: Service = {
      metadata: { name: 'web', namespace: 'demo' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    };
    await admin.resource(servicesResource).create(service);
    // Deployment controller (ReplicaSet create, revision annotation by update, status) and
    // ReplicaSet controller (pods, status) under their own roles.
    const d = await eventually(
      'the Deployment available',
      async () => {
        const got = await admin.resource(deploymentsResource).get('web', { namespace: 'demo' });
        return got.status?.availableReplicas === 3 ? got : undefined;
      },
      20_000,
    );
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const pods = (await admin.resource(podsResource).list({ namespace: 'demo' })).items;
    expect(pods.filter(isReady)).toHaveLength(3);
    // EndpointSlice controller.
    const slice = await eventually('an EndpointSlice with 3 ready endpoints', async () => {
      const list = (await admin.resource(endpointSlicesResource).list({ namespace: 'demo' })).items;
      return list.find(
        (s: EndpointSlice) => (s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length === 3,
      );
    });
    expect(slice.metadata.labels?.['kubernetes.io/service-name']).toBe('web');
    // DaemonSet controller.
    const ds: DaemonSet = {
      metadata: { name: 'agent', namespace: 'demo' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'a', image: 'busybox:1' }] },
        },
      },
    };
    await admin.resource(daemonSetsResource).create(ds);
    await eventually('a daemon pod on each node', async () => {
      const got = await admin.resource(daemonSetsResource).get('agent', { namespace: 'demo' });
      return got.status?.numberReady === NODES.length;
    });
    // Garbage collector: the Deployment's ReplicaSet and pods go with it.
    await admin
      .resource(deploymentsResource)
      .delete('web', { namespace: 'demo', propagationPolicy: 'Background' });
    await eventually(
      'the ReplicaSet and its pods collected',
      async () => {
        const rs = (await admin.resource(replicaSetsResource).list({ namespace: 'demo' })).items;
        const left = (
          await admin.resource(podsResource).list({ namespace: 'demo', labelSelector: 'app=web' })
        ).items;
        return rs.length === 0 && left.length === 0;
      },
      20_000,
    );
  });

  it('node IPAM writes podCIDRs as node-controller', async () => {
    const cidrs = await eventually('podCIDRs', async () => {
      const list = (await admin.resource(nodesResource).list()).items;
      return list.every((n) => n.spec?.podCIDR) ? list.map((n) => n.spec?.podCIDR) : undefined;
    });
    expect(cidrs.sort()).toEqual(['10.244.1.0/24', '10.244.2.0/24']);
  });

  it('the disruption controller keeps a budget status as disruption-controller', async () => {
    await admin.resource(coreResources.namespaces).create({ metadata: { name: 'budget' } });
    const d: Deployment = {
      metadata: { name: 'api', namespace: 'budget' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'a', image: 'busybox:1' }] },
        },
      },
    };
    await admin.resource(deploymentsResource).create(d);
    await admin.resource(podDisruptionBudgetsResource).create({
      metadata: { name: 'api', namespace: 'budget' },
      spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'api' } } },
    });
    // expectedPods from the Deployment's scale (read as the controller's own identity).
    const pdb = await eventually(
      'the budget observed',
      async () => {
        const got = await admin.resource(podDisruptionBudgetsResource).get('api', { namespace: 'budget' });
        return got.status?.currentHealthy === 2 ? got : undefined;
      },
      20_000,
    );
    expect(pdb.status).toMatchObject({
      observedGeneration: 1,
      expectedPods: 2,
      desiredHealthy: 1,
      disruptionsAllowed: 1,
    });
  });
});
