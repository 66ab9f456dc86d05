/** @kubernetes/client-node, unchanged, against the server: list, informer events, typed calls. */
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-helpers.js';

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
