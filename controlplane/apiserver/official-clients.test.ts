/**
 * The official clients, unchanged, against the server: @kubernetes/client-node (informer, and a
 * flow of create, paged list, selectors, patches, the scale subresource, watch, 404/409) and the
 * Python client from Debian's python3-kubernetes running the same flow from
 * testdata/clients/python-client-flow.py.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';

/** Debian's interpreter, which sees python3-kubernetes (a pyenv python3 on PATH would not). */
const PYTHON = '/usr/bin/python3';
const PYTHON_FLOW = join(import.meta.dirname, 'testdata', 'clients', 'python-client-flow.py');

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('@kubernetes/client-node', () => {
  it('an informer sees every add, update and delete; the cache matches the server', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(t.server.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'before' }, data: { v: '0' } },
    });
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => events.push(`update ${o.metadata?.name} ${o.data?.v}`));
    informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      await waitFor(() => events.includes('add before'));
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'c1' }, data: { v: '1' } },
      });
      await core.replaceNamespacedConfigMap({
        name: 'c1',
        namespace: 'default',
        body: { metadata: { name: 'c1' }, data: { v: '2' } },
      });
      await core.deleteNamespacedConfigMap({ name: 'before', namespace: 'default' });
      await waitFor(() => events.length >= 4);
      expect(events).toEqual(['add before', 'add c1', 'update c1 2', 'delete before']);
      expect(informer.list('default').map((c) => c.metadata?.name)).toEqual(['c1']);
      const svc = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
      expect(svc.spec?.clusterIP).toBe('10.96.0.1');
      expect(svc.spec?.ports?.[0]?.port).toBe(443);
    } finally {
      await informer.stop();
    }
  });
});

/** What both flows observe, in the Python script's shape. */
const EXPECTED_FLOW = {
  pages: [['cm-0', 'cm-1'], ['cm-2', 'cm-3'], ['cm-4']],
  labelA: ['cm-0', 'cm-2', 'cm-4'],
  notLabelA: ['cm-1', 'cm-3'],
  field: ['cm-3'],
  strategic: { i: '0', added: 'yes' },
  jsonPatch: { i: 'zero' },
  scaleBefore: { kind: 'Scale', replicas: 1 },
  scalePatched: 3,
  scaleReplaced: 2,
  deploymentReplicas: 2,
  watch: [
    ['ADDED', 'watched', '1'],
    ['MODIFIED', 'watched', '2'],
    ['DELETED', 'watched', '2'],
  ],
  quietWatch: 0,
  notFound: {
    status: 404,
    kind: 'Status',
    reason: 'NotFound',
    code: 404,
    details: { name: 'nope', kind: 'configmaps' },
  },
  conflict: {
    status: 409,
    kind: 'Status',
    reason: 'AlreadyExists',
    code: 409,
    details: { name: 'cm-1', kind: 'configmaps' },
  },
  staleUpdate: {
    status: 409,
    kind: 'Status',
    reason: 'Conflict',
    code: 409,
    details: { name: 'cm-1', kind: 'configmaps' },
  },
};

describe('the official Python client (python3-kubernetes)', () => {
  it('create, paged list with _continue, selectors, patches, scale, watch=True, 404/409 as ApiException', async () => {
    const { stdout } = await promisify(execFile)(PYTHON, [PYTHON_FLOW, t.server.kubeconfigPath, 'py-flow'], {
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual(EXPECTED_FLOW);
  });
});

/** The failed call's status and Status body, from client-node's ApiException. */
async function statusOf(call: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = JSON.parse(String(err.body)) as Record<string, unknown>;
    return { status: err.code, kind: body.kind, reason: body.reason, code: body.code, details: body.details };
  }
  throw new Error('the call did not fail');
}

/** Events of one watch from `resourceVersion`, until DELETED or the server ends it. */
function watchEvents(
  kc: KubeConfig,
  path: string,
  resourceVersion: string,
  timeoutSeconds: number,
): Promise<(string | undefined)[][]> {
  return new Promise((resolve, reject) => {
    const events: (string | undefined)[][] = [];
    let abort: AbortController | undefined;
    let finished = false;
    new Watch(kc)
      .watch(
        path,
        { resourceVersion, timeoutSeconds },
        (type, obj: V1ConfigMap) => {
          events.push([type, obj.metadata?.name, obj.data?.v]);
          if (type === 'DELETED' && abort) {
            finished = true;
            abort.abort();
            resolve(events);
          }
        },
        (err: unknown) => {
          if (finished) return;
          finished = true;
          if (err && !(err instanceof Error && err.name === 'AbortError')) reject(err);
          else resolve(events);
        },
      )
      .then((a) => {
        abort = a;
      }, reject);
  });
}

describe('@kubernetes/client-node flow', () => {
  it('create, paged list with _continue, selectors, the three patch types, scale, watch, 404/409', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(t.server.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const namespace = 'node-flow';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    for (let i = 0; i < 5; i++) {
      await core.createNamespacedConfigMap({
        namespace,
        body: {
          metadata: { name: `cm-${i}`, labels: { tier: i % 2 === 0 ? 'a' : 'b' } },
          data: { i: String(i) },
        },
      });
    }
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({
        namespace,
        limit: 2,
        ...(token ? { _continue: token } : {}),
      });
      pages.push(page.items.map((c) => c.metadata?.name ?? ''));
      token = page.metadata?._continue;
    } while (token);
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listNamespacedConfigMap({ namespace, ...q })).items.map((c) => c.metadata?.name).sort();

    const strategic = await core.patchNamespacedConfigMap(
      { name: 'cm-0', namespace, body: { data: { added: 'yes' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const merge = await core.patchNamespacedConfigMap(
      { name: 'cm-0', namespace, body: { data: { added: null, merged: 'm' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merge.data).toEqual({ i: '0', merged: 'm' });
    const jsonPatch = await core.patchNamespacedConfigMap(
      {
        name: 'cm-0',
        namespace,
        body: [
          { op: 'replace', path: '/data/i', value: 'zero' },
          { op: 'remove', path: '/data/merged' },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );

    const labels = { app: 'node' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
    });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace });
    const scaled = await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace, body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const replaced = await apps.replaceNamespacedDeploymentScale({
      name: 'web',
      namespace,
      body: { metadata: { name: 'web', namespace }, spec: { replicas: 2 } },
    });
    const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace });

    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    const rv = (await core.listNamespacedConfigMap({ namespace })).metadata?.resourceVersion ?? '';
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'watched' }, data: { v: '1' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'watched', namespace, body: { data: { v: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'watched', namespace });
    const events = await watchEvents(kc, path, rv, 10);
    const quietRv = (await core.listNamespacedConfigMap({ namespace })).metadata?.resourceVersion ?? '';
    const quietStart = Date.now();
    const quiet = await watchEvents(kc, path, quietRv, 1);
    expect(Date.now() - quietStart).toBeLessThan(5_000);

    const stale = await core.readNamespacedConfigMap({ name: 'cm-1', namespace });
    await core.patchNamespacedConfigMap(
      { name: 'cm-1', namespace, body: { data: { bump: '1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect({
      pages,
      labelA: await names({ labelSelector: 'tier=a' }),
      notLabelA: await names({ labelSelector: 'tier!=a' }),
      field: await names({ fieldSelector: 'metadata.name=cm-3' }),
      strategic: strategic.data,
      jsonPatch: jsonPatch.data,
      scaleBefore: { kind: scale.kind, replicas: scale.spec?.replicas },
      scalePatched: scaled.spec?.replicas,
      scaleReplaced: replaced.spec?.replicas,
      deploymentReplicas: deployment.spec?.replicas,
      watch: events,
      quietWatch: quiet.length,
      notFound: await statusOf(() => core.readNamespacedConfigMap({ name: 'nope', namespace })),
      conflict: await statusOf(() =>
        core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cm-1' } } }),
      ),
      staleUpdate: await statusOf(() =>
        core.replaceNamespacedConfigMap({ name: 'cm-1', namespace, body: stale }),
      ),
    }).toEqual(EXPECTED_FLOW);
    await core.deleteNamespace({ name: namespace });
  });
});
