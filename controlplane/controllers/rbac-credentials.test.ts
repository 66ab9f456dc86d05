import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonSet, Deployment, EndpointSlice, Pod, Service } from '../../lib/api/index.js';
import {
  coreResources,
  daemonSetsResource,
  deploymentsResource,
  endpointSlicesResource,
  type KubeClient,
  nodesResource,
  podDisruptionBudgetsResource,
  podsResource,
  replicaSetsResource,
  servicesResource,
} from '../../lib/client/index.js';
import { eventually } from '../../test/harness/cluster/env.js';
import { type SimCluster, startSimCluster } from '../../test/harness/cluster/sim-cluster.js';
import { bootstrapPolicy } from '../apiserver/rbac/bootstrap-policy.js';
import { CONTROLLER_SERVICE_ACCOUNT } from './manager.js';

const NODES = ['node-1', 'node-2'];
let env: SimCluster;
let admin: KubeClient;

beforeAll(async () => {
  env = await startSimCluster({
    server: { bootstrapPolicy },
    componentUsers: true,
    nodes: NODES,
    node: { cpu: '4', memory: '8Gi' },
    leaseRenewMs: 250,
    kubeletSyncMs: 60,
    unschedulableRetryMs: 1000,
    manager: {
      useServiceAccountCredentials: true,
      leaderElection: { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 },
    },
  });
  admin = env.client;
}, 30_000);

afterAll(async () => {
  await env?.stop();
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
