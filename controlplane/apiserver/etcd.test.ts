/** Two API servers on one etcd: a write on one is read and watched on the other. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { startTestEtcd, type TestEtcd } from '../../test/harness/cluster/etcd.js';
import { openEtcdStore, withWatchCache } from '../store/index.js';

let etcd: TestEtcd;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  etcd = await startTestEtcd();
  const nodePortRange = [30000, 30005] as const;
  a = await startTestServer({
    store: withWatchCache(openEtcdStore({ endpoints: [etcd.endpoint] })),
    nodePortRange,
  });
  b = await startTestServer({
    store: withWatchCache(openEtcdStore({ endpoints: [etcd.endpoint] })),
    nodePortRange,
  });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await etcd?.stop();
});

describe('API servers sharing etcd', () => {
  it('share objects, resourceVersions (etcd revisions) and watch events', async () => {
    const listB = await call(b.server, 'GET', '/api/v1/namespaces/default/configmaps');
    const rv = (listB.json.metadata as { resourceVersion: string }).resourceVersion;
    const lines: string[] = [];
    const { request } = await import('node:https');
    const { readFileSync } = await import('node:fs');
    const req = request(
      new URL(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, b.server.url),
      { headers: { Authorization: `Bearer ${b.server.adminToken}` }, ca: readFileSync(b.server.caCertPath) },
      (res) => res.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean))),
    );
    req.end();
    try {
      const created = await call(a.server, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'shared' }, data: { from: 'a' } },
      });
      expect(created.status).toBe(201);
      const onB = await call(b.server, 'GET', '/api/v1/namespaces/default/configmaps/shared');
      expect(onB.status).toBe(200);
      expect(onB.json.data).toEqual({ from: 'a' });
      expect((onB.json.metadata as { resourceVersion: string }).resourceVersion).toBe(
        (created.json.metadata as { resourceVersion: string }).resourceVersion,
      );
      const end = Date.now() + 10_000;
      while (!lines.some((l) => l.includes('"shared"'))) {
        if (Date.now() > end) throw new Error(`no watch event on b: ${lines.join('|')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const ev = JSON.parse(lines.find((l) => l.includes('"shared"')) as string) as { type: string };
      expect(ev.type).toBe('ADDED');
      // Optimistic concurrency spans servers: b's stale update loses against a's newer write.
      const stale = {
        metadata: {
          name: 'shared',
          resourceVersion: (created.json.metadata as { resourceVersion: string }).resourceVersion,
        },
        data: { from: 'b' },
      };
      await call(a.server, 'PATCH', '/api/v1/namespaces/default/configmaps/shared', {
        body: { data: { from: 'a2' } },
        contentType: 'application/merge-patch+json',
      });
      expect(
        (await call(b.server, 'PUT', '/api/v1/namespaces/default/configmaps/shared', { body: stale })).status,
      ).toBe(409);
      // Both see the kubernetes Service and the same ClusterIP.
      const svcA = await call(a.server, 'GET', '/api/v1/namespaces/default/services/kubernetes');
      const svcB = await call(b.server, 'GET', '/api/v1/namespaces/default/services/kubernetes');
      expect((svcA.json.spec as { clusterIP: string }).clusterIP).toBe('10.96.0.1');
      expect((svcB.json.metadata as { uid: string }).uid).toBe((svcA.json.metadata as { uid: string }).uid);
    } finally {
      req.destroy();
    }
  });

  it('an RBAC grant written through one server holds on the other for the very next request', async () => {
    const sa = await call(a.server, 'POST', '/api/v1/namespaces/default/serviceaccounts', {
      body: { metadata: { name: 'reader' } },
    });
    expect(sa.status).toBe(201);
    // Minted by b, so b accepts it (each server signs with its own data dir's key).
    const minted = await call(b.server, 'POST', '/api/v1/namespaces/default/serviceaccounts/reader/token', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
    });
    const token = (minted.json.status as { token: string }).token;
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
    for (let i = 0; i < 5; i++) {
      const path = `/api/v1/namespaces/default/configmaps/shared-${i}`;
      await call(a.server, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: `shared-${i}` } },
      });
      expect((await call(b.server, 'GET', path, { as: { token } })).status).toBe(403);
      await call(a.server, 'POST', `${rbac}/roles`, {
        body: {
          metadata: { name: `r${i}` },
          rules: [
            { apiGroups: [''], resources: ['configmaps'], resourceNames: [`shared-${i}`], verbs: ['get'] },
          ],
        },
      });
      const bound = await call(a.server, 'POST', `${rbac}/rolebindings`, {
        body: {
          metadata: { name: `r${i}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `r${i}` },
          subjects: [{ kind: 'ServiceAccount', name: 'reader' }],
        },
      });
      expect(bound.status).toBe(201);
      // No polling: b's RBAC cache catches up to the store before it denies.
      expect((await call(b.server, 'GET', path, { as: { token } })).status).toBe(200);
    }
  });

  it('never hands out the same NodePort or ClusterIP twice across servers', async () => {
    const create = (server: TestServer, i: number) =>
      call(server.server, 'POST', '/api/v1/namespaces/default/services', {
        body: { metadata: { name: `np-${i}` }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
      });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => create(i % 2 ? b : a, i)));
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(6);
    expect(results.filter((r) => r.status === 422)).toHaveLength(2);
    const ports = ok.map((r) => (r.json.spec as { ports: { nodePort: number }[] }).ports[0]?.nodePort);
    expect(new Set(ports).size).toBe(6);
    const ips = ok.map((r) => (r.json.spec as { clusterIP: string }).clusterIP);
    expect(new Set(ips).size).toBe(6);
    // Deleting a Service frees its NodePort for the other server.
    const first = ok[0]?.json.metadata as { name: string };
    expect((await call(a.server, 'DELETE', `/api/v1/namespaces/default/services/${first.name}`)).status).toBe(
      200,
    );
    expect((await create(b, 99)).status).toBe(201);
  });
});
