/**
 * Namespaces terminate as in Kubernetes, end to end: the real kubectl 1.32 against the real API
 * server and a controller manager (namespace, deployment, replicaset and garbage collector
 * controllers), each with its own client, as in the lab.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Namespace, Pod } from '../../lib/api/index.js';
import {
  coreResources,
  defineResource,
  isNotFound,
  namespacesResource,
  podsResource,
  replicaSetsResource,
} from '../../lib/client/index.js';
import { kubectl } from '../../test/harness/cluster/apiserver.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { parseRequestInfo } from '../apiserver/request-info.js';
import { ControllerManager } from './manager.js';

let env: TestEnv;
let k: { kubeconfig: string; home: string };
let manager: { stop: () => Promise<void> } | undefined;

function startManager(
  controllers: ConstructorParameters<typeof ControllerManager>[0]['controllers'] = [
    'deployment',
    'replicaset',
    'garbagecollector',
    'namespace',
  ],
  onRequest?: (method: string, path: string) => void,
): { stop: () => Promise<void> } {
  const client = env.newClient();
  if (onRequest) {
    // Every request the manager sends, buffered or streamed (watches), is recorded.
    const t = client.transport;
    const request = t.request.bind(t);
    const stream = t.stream.bind(t);
    t.request = (req) => {
      onRequest(req.method, req.path);
      return request(req);
    };
    t.stream = (req) => {
      onRequest(req.method, req.path);
      return stream(req);
    };
  }
  const m = new ControllerManager({ client, leaderElection: false, controllers });
  const ac = new AbortController();
  const done = m.run(ac.signal);
  return {
    async stop() {
      ac.abort();
      await done;
      client.close();
    },
  };
}

beforeAll(async () => {
  env = await startTestEnv();
  const home = join(env.server.dir, 'home');
  mkdirSync(home, { recursive: true });
  k = { kubeconfig: env.server.server.kubeconfigPath, home };
  manager = startManager();
});

afterAll(async () => {
  await manager?.stop();
  await env?.stop();
});

const namespaces = () => env.client.resource(namespacesResource);
const getNs = (name: string): Promise<Namespace | undefined> =>
  namespaces()
    .get(name)
    .catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
const conditionsOf = (ns: Namespace | undefined) =>
  new Map((ns?.status?.conditions ?? []).map((c) => [c.type, c]));

const file = (name: string, text: string): string => {
  const path = join(k.home, name);
  writeFileSync(path, text);
  return path;
};

const APP = `apiVersion: v1
kind: Namespace
metadata:
  name: app
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: app
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: app
spec:
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: app
data:
  greeting: hello
`;

describe('kubectl delete -f of a namespace-first manifest', () => {
  it('deletes the namespace and everything in it, exit 0, as on a cluster', async () => {
    const path = file('app.yaml', APP);
    const applied = await kubectl(k, ['apply', '-f', path]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe(
      'namespace/app created\ndeployment.apps/web created\nservice/web created\nconfigmap/web-config created\n',
    );
    // The Deployment has made its ReplicaSet and pods, so there is content of every kind.
    await eventually(
      'the Deployment pods',
      async () => (await env.client.resource(podsResource).list({ namespace: 'app' })).items.length === 2,
    );
    const started = Date.now();
    const deleted = await kubectl(k, ['delete', '-f', path], { timeoutMs: 60_000 });
    expect(deleted).toEqual({
      code: 0,
      stdout:
        'namespace "app" deleted\ndeployment.apps "web" deleted\nservice "web" deleted\nconfigmap "web-config" deleted\n',
      stderr: '',
    });
    // kubectl waits until every object is gone, the namespace included.
    expect(await getNs('app')).toBeUndefined();
    for (const r of [podsResource, replicaSetsResource, coreResources.services, coreResources.configmaps]) {
      expect((await env.client.resource(r).list({ namespace: 'app' })).items).toEqual([]);
    }
    // The controller waits 5 s before acting, as upstream's namespaceDeletionGracePeriod.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
  });
});

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

describe('a terminating namespace', () => {
  it('waits for a custom resource finalizer, reports it, refuses new content, and survives a controller restart', async () => {
    expect((await kubectl(k, ['apply', '-f', file('crd.yaml', CRD)])).code).toBe(0);
    expect((await kubectl(k, ['create', 'namespace', 'held'])).code).toBe(0);
    const widget = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: held
  finalizers: [example.com/x]
spec: {size: 1}
`;
    const created = await kubectl(k, ['apply', '-f', file('widget.yaml', widget)]);
    expect(created.stdout).toBe('widget.example.com/w1 created\n');
    expect((await kubectl(k, ['create', 'configmap', 'plain', '-n', 'held'])).code).toBe(0);

    const del = await kubectl(k, ['delete', 'namespace', 'held', '--wait=false']);
    expect(del).toEqual({ code: 0, stdout: 'namespace "held" deleted\n', stderr: '' });
    const get = await kubectl(k, ['get', 'namespace', 'held', '--no-headers']);
    expect(get.stdout).toMatch(/^held\s+Terminating\s+\S+\n$/);

    // Nothing new goes in: kubectl shows Kubernetes' 403.
    const refused = await kubectl(k, ['create', 'configmap', 'late', '-n', 'held']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'configmaps "late" is forbidden: unable to create new content in namespace held because it is being terminated',
    );

    const ns = await eventually(
      'the namespace conditions',
      async () => {
        const n = await getNs('held');
        return conditionsOf(n).get('NamespaceFinalizersRemaining')?.status === 'True' ? n : undefined;
      },
      20_000,
    );
    const conditions = conditionsOf(ns);
    expect(conditions.get('NamespaceContentRemaining')).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: widgets.example.com has 1 resource instances',
    });
    expect(conditions.get('NamespaceFinalizersRemaining')).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message:
        'Some content in the namespace has finalizers remaining: example.com/x in 1 resource instances',
    });
    expect(conditions.get('NamespaceDeletionDiscoveryFailure')).toMatchObject({
      status: 'False',
      reason: 'ResourcesDiscovered',
    });
    expect(conditions.get('NamespaceDeletionContentFailure')).toMatchObject({
      status: 'False',
      reason: 'ContentDeleted',
    });
    expect(ns.spec?.finalizers).toEqual(['kubernetes']);
    // Everything without a finalizer went; the widget waits, marked for deletion.
    expect((await env.client.resource(coreResources.configmaps).list({ namespace: 'held' })).items).toEqual(
      [],
    );
    const widgets = env.client.resource(
      defineResource<KubeObject>({
        group: 'example.com',
        version: 'v1',
        plural: 'widgets',
        kind: 'Widget',
        namespaced: true,
      }),
    );
    expect((await widgets.get('w1', { namespace: 'held' })).metadata.deletionTimestamp).toBeDefined();

    // Level-triggered: a new controller manager picks the namespace up where the old one was.
    await manager?.stop();
    manager = undefined;
    const patched = await kubectl(k, [
      'patch',
      'widget',
      'w1',
      '-n',
      'held',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    expect(patched.stdout).toBe('widget.example.com/w1 patched\n');
    await new Promise((r) => setTimeout(r, 300));
    expect((await getNs('held'))?.status?.phase).toBe('Terminating');
    manager = startManager();
    const waited = await kubectl(k, ['wait', '--for=delete', 'namespace/held', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    expect(waited.code).toBe(0);
    expect(await getNs('held')).toBeUndefined();
  });

  it("honours a pod's grace period: pods go first, the rest waits for them", async () => {
    await namespaces().create({ metadata: { name: 'graceful' } });
    await env.client.resource(podsResource).create({
      metadata: { name: 'slow', namespace: 'graceful' },
      // Bound to a node with no kubelet: only its grace period ends it.
      spec: {
        nodeName: 'node-x',
        terminationGracePeriodSeconds: 12,
        containers: [{ name: 'c', image: 'busybox' }],
      },
    } as Pod);
    await env.client
      .resource(coreResources.configmaps)
      .create({ metadata: { name: 'cfg', namespace: 'graceful' } } as KubeObject);
    const t0 = Date.now();
    await namespaces().delete('graceful');
    const ns = await eventually(
      'pods reported remaining',
      async () => {
        const n = await getNs('graceful');
        return conditionsOf(n).get('NamespaceContentRemaining')?.status === 'True' ? n : undefined;
      },
      20_000,
    );
    expect(conditionsOf(ns).get('NamespaceContentRemaining')?.message).toBe(
      'Some resources are remaining: pods. has 1 resource instances',
    );
    const pod = await env.client.resource(podsResource).get('slow', { namespace: 'graceful' });
    expect(pod.metadata.deletionTimestamp).toBeDefined();
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(12);
    // Pods first: the ConfigMap is still there while the pod is.
    expect(
      (await env.client.resource(coreResources.configmaps).list({ namespace: 'graceful' })).items,
    ).toHaveLength(1);
    await eventually('the namespace gone', async () => (await getNs('graceful')) === undefined, 40_000);
    // Not before the pod's grace period (counted from the controller's delete, ≥ 5 s in).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(12_000);
  });

  it('needs nothing beyond what system:controller:namespace-controller grants', async () => {
    await manager?.stop();
    const seen: { method: string; path: string }[] = [];
    manager = startManager(['namespace'], (method, path) => seen.push({ method, path }));
    await namespaces().create({ metadata: { name: 'audited' } });
    await env.client
      .resource(coreResources.configmaps)
      .create({ metadata: { name: 'c', namespace: 'audited' } } as KubeObject);
    await env.client.resource(podsResource).create({
      metadata: { name: 'p', namespace: 'audited' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    } as Pod);
    await namespaces().delete('audited');
    await eventually('the namespace gone', async () => (await getNs('audited')) === undefined, 30_000);
    await manager.stop();
    manager = startManager();

    // The role's rules (bootstrap policy, controller_policy.go), and discovery for everyone.
    const allowed = (method: string, path: string): boolean => {
      const info = parseRequestInfo(method, path, new URLSearchParams());
      if (!info) return method === 'GET' && /^\/(api|apis)(\/|$)/.test(path);
      const { verb, group, resource, subresource } = info;
      if (group === '' && resource === 'namespaces') {
        if (subresource === '') return ['get', 'list', 'watch', 'delete'].includes(verb);
        return (subresource === 'finalize' || subresource === 'status') && verb === 'update';
      }
      return subresource === '' && ['get', 'list', 'watch', 'delete', 'deletecollection'].includes(verb);
    };
    expect(seen.filter((r) => !allowed(r.method, r.path))).toEqual([]);
    expect(seen).toContainEqual({ method: 'PUT', path: '/api/v1/namespaces/audited/finalize' });
    expect(seen).toContainEqual({ method: 'PUT', path: '/api/v1/namespaces/audited/status' });
    expect(seen).toContainEqual({ method: 'DELETE', path: '/api/v1/namespaces/audited/configmaps' });
  });

  it('the system namespaces still cannot be deleted', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const r = await kubectl(k, ['delete', 'namespace', name]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
      expect((await getNs(name))?.status?.phase).toBe('Active');
    }
  });
});
