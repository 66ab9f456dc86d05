import { describe, expect, it } from 'vitest';
import { useTestServer } from './testing/harness.js';
import { pod as basePod } from './testing/objects.js';
import { REST_API_SERVER } from './testing/rest-api.js';

const h = useTestServer({ server: REST_API_SERVER });
const { api } = h;
const pod = (name: string, extra: Record<string, unknown> = {}) =>
  basePod(name, extra, { app: name.replace(/-\d+$/, '') });

describe('object semantics', () => {
  it('sets uid, creationTimestamp, generation; generateName; generation bumps on spec change only', async () => {
    const r = await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
      metadata: { generateName: 'gen-' },
      spec: {
        selector: { matchLabels: { a: 'g' } },
        template: { metadata: { labels: { a: 'g' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    });
    expect(r.status).toBe(201);
    const meta = r.json.metadata as Record<string, unknown>;
    expect(meta.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(meta.generation).toBe(1);
    expect((r.json.spec as Record<string, unknown>).replicas).toBe(1);
    const path = `/apis/apps/v1/namespaces/default/deployments/${String(meta.name)}`;
    const labelled = await api(
      'PATCH',
      path,
      { metadata: { labels: { x: 'y' } } },
      'application/merge-patch+json',
    );
    expect((labelled.json.metadata as Record<string, unknown>).generation).toBe(1);
    const scaled = await api(
      'PATCH',
      path,
      [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      'application/json-patch+json',
    );
    expect((scaled.json.metadata as Record<string, unknown>).generation).toBe(2);
    const status = await api('PUT', `${path}/status`, {
      ...scaled.json,
      spec: { replicas: 9 },
      status: { replicas: 3 },
    });
    expect((status.json.spec as Record<string, unknown>).replicas).toBe(3);
    expect((status.json.status as Record<string, unknown>).replicas).toBe(3);
    expect((status.json.metadata as Record<string, unknown>).uid).toBe(meta.uid);
  });

  it("a create keeps the status of a Node (a kubelet registers with it) and drops a Deployment's", async () => {
    const status = {
      capacity: { cpu: '2', pods: '110' },
      addresses: [{ type: 'InternalIP', address: '10.0.0.7' }],
    };
    const node = await api('POST', '/api/v1/nodes', { metadata: { name: 'registers-with-status' }, status });
    expect(node.status).toBe(201);
    expect((node.json.status as Record<string, unknown>).capacity).toEqual(status.capacity);
    const got = await api('GET', '/api/v1/nodes/registers-with-status');
    expect((got.json.status as Record<string, unknown>).addresses).toEqual(status.addresses);
    const d = await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
      metadata: { name: 'status-dropped' },
      spec: {
        selector: { matchLabels: { a: 's' } },
        template: { metadata: { labels: { a: 's' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
      status: { replicas: 5 },
    });
    expect(d.status).toBe(201);
    expect((d.json.status as Record<string, unknown> | undefined)?.replicas).toBeUndefined();
  });

  it('lists with label selectors (all operators), field selectors and limit/continue', async () => {
    for (let i = 0; i < 7; i++) {
      const tier = ['a', 'b', 'c'][i % 3] as string;
      await api('POST', '/api/v1/namespaces/default/pods', {
        ...pod(`sel-${i}`, i < 2 ? { nodeName: 'node-3' } : {}),
        metadata: { name: `sel-${i}`, labels: { group: 'sel', tier, ...(i === 0 ? { canary: 'yes' } : {}) } },
      });
    }
    const names = async (q: string) =>
      (
        (await api('GET', `/api/v1/namespaces/default/pods?${q}`)).json.items as {
          metadata: { name: string };
        }[]
      ).map((p) => p.metadata.name);
    expect(await names('labelSelector=group=sel,tier in (a,b)')).toEqual([
      'sel-0',
      'sel-1',
      'sel-3',
      'sel-4',
      'sel-6',
    ]);
    expect(await names('labelSelector=group=sel,tier notin (a,b)')).toEqual(['sel-2', 'sel-5']);
    expect(await names('labelSelector=group=sel,tier!=a,!canary')).toEqual([
      'sel-1',
      'sel-2',
      'sel-4',
      'sel-5',
    ]);
    expect(await names('labelSelector=canary')).toEqual(['sel-0']);
    expect(await names('fieldSelector=spec.nodeName=node-3')).toEqual(['sel-0', 'sel-1']);
    expect(
      await names('labelSelector=group%3Dsel&fieldSelector=metadata.name!=sel-0,status.phase=Pending'),
    ).toHaveLength(6);
    const badField = await api('GET', '/api/v1/namespaces/default/pods?fieldSelector=spec.bogus=1');
    expect(badField.status).toBe(400);
    expect(badField.json.message).toBe('field label not supported: spec.bogus');
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await api(
        'GET',
        `/api/v1/namespaces/default/pods?labelSelector=group%3Dsel&limit=3${token ? `&continue=${token}` : ''}`,
      );
      seen.push(...(page.json.items as { metadata: { name: string } }[]).map((p) => p.metadata.name));
      token = ((page.json.metadata as { continue?: string }).continue ?? '') as string;
      pages++;
    } while (token);
    expect(seen).toEqual(['sel-0', 'sel-1', 'sel-2', 'sel-3', 'sel-4', 'sel-5', 'sel-6']);
    expect(pages).toBe(3);
  });

  it('allocates ClusterIPs and NodePorts: requested honoured, taken refused with 422, never a duplicate', async () => {
    const svc = (name: string, spec: Record<string, unknown>) =>
      api('POST', '/api/v1/namespaces/default/services', {
        metadata: { name },
        spec: { ports: [{ port: 80 }], ...spec },
      });
    const a = await svc('alloc-a', {
      clusterIP: '10.96.7.7',
      type: 'NodePort',
      ports: [{ port: 80, nodePort: 30005 }],
    });
    expect(a.status).toBe(201);
    expect((a.json.spec as { clusterIP: string }).clusterIP).toBe('10.96.7.7');
    const ipTaken = await svc('alloc-b', { clusterIP: '10.96.7.7' });
    expect(ipTaken.status).toBe(422);
    expect((ipTaken.json.details as { causes: { field: string; message: string }[] }).causes[0]).toEqual({
      reason: 'FieldValueInvalid',
      field: 'spec.clusterIP',
      message: 'Invalid value: "10.96.7.7": provided IP is already allocated',
    });
    const portTaken = await svc('alloc-c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] });
    expect(portTaken.status).toBe(422);
    expect(portTaken.json.message).toContain(
      'spec.ports[0].nodePort: Invalid value: 30005: provided port is already allocated',
    );
    expect((await svc('alloc-d', { clusterIP: '10.97.0.1' })).status).toBe(422);
    // Nine free NodePorts remain in 30000–30009: nine concurrent creates all get distinct ones, the tenth fails.
    const many = await Promise.all(
      Array.from({ length: 10 }, (_, i) => svc(`np-${i}`, { type: 'NodePort' })),
    );
    const ports = many
      .filter((r) => r.status === 201)
      .map((r) => (r.json.spec as { ports: { nodePort: number }[] }).ports[0]?.nodePort);
    expect(ports).toHaveLength(9);
    expect(new Set(ports).size).toBe(9);
    expect(many.filter((r) => r.status === 422)).toHaveLength(1);
    const ips = many
      .filter((r) => r.status === 201)
      .map((r) => (r.json.spec as { clusterIP: string }).clusterIP);
    expect(new Set([...ips, '10.96.7.7', '10.96.0.1']).size).toBe(11);
  });

  it('reclaims a reservation left by a crash only after its grace period', async () => {
    const store = h.t.server.store;
    const young = { uid: 'gone-1', namespace: 'default', name: 'gone', at: Date.now() };
    await store.create('/registry/allocations/ip/10.96.9.9', JSON.stringify(young));
    const blocked = await api('POST', '/api/v1/namespaces/default/services', {
      metadata: { name: 'wants-young' },
      spec: { clusterIP: '10.96.9.9', ports: [{ port: 80 }] },
    });
    expect(blocked.status).toBe(422);
    const old = { uid: 'gone-2', namespace: 'default', name: 'gone', at: Date.now() - 3600_000 };
    await store.create('/registry/allocations/ip/10.96.9.10', JSON.stringify(old));
    const reclaimed = await api('POST', '/api/v1/namespaces/default/services', {
      metadata: { name: 'wants-old' },
      spec: { clusterIP: '10.96.9.10', ports: [{ port: 80 }] },
    });
    expect(reclaimed.status).toBe(201);
    const owner = JSON.parse((await store.get('/registry/allocations/ip/10.96.9.10'))?.value ?? '{}') as {
      uid: string;
    };
    expect(owner.uid).toBe((reclaimed.json.metadata as { uid: string }).uid);
  });

  it('pods bound to a node get a deletionTimestamp and go when the kubelet confirms; finalizers hold objects', async () => {
    await api(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('grace', { nodeName: 'node-1', terminationGracePeriodSeconds: 30 }),
    );
    const first = await api('DELETE', '/api/v1/namespaces/default/pods/grace');
    expect(first.status).toBe(202);
    const meta = first.json.metadata as Record<string, unknown>;
    expect(meta.deletionGracePeriodSeconds).toBe(30);
    expect(typeof meta.deletionTimestamp).toBe('string');
    expect((await api('GET', '/api/v1/namespaces/default/pods/grace')).status).toBe(200);
    const confirm = await api('DELETE', '/api/v1/namespaces/default/pods/grace', { gracePeriodSeconds: 0 });
    expect(confirm.status).toBe(200);
    expect((await api('GET', '/api/v1/namespaces/default/pods/grace')).status).toBe(404);
    await api('POST', '/api/v1/namespaces/default/pods', pod('unbound'));
    expect((await api('DELETE', '/api/v1/namespaces/default/pods/unbound')).status).toBe(200);

    await api('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'held', finalizers: ['example.com/hold'] },
    });
    expect((await api('DELETE', '/api/v1/namespaces/default/configmaps/held')).status).toBe(202);
    expect((await api('GET', '/api/v1/namespaces/default/configmaps/held')).status).toBe(200);
    const release = await api(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/held',
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    expect(release.status).toBe(200);
    expect((await api('GET', '/api/v1/namespaces/default/configmaps/held')).status).toBe(404);
  });

  it('binds a pod once (pods/binding), evicts through pods/eviction, deletes collections by selector', async () => {
    await api('POST', '/api/v1/namespaces/default/pods', pod('bind-me'));
    const bind = await api('POST', '/api/v1/namespaces/default/pods/bind-me/binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bind-me' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-2' },
    });
    expect(bind.status).toBe(201);
    expect(bind.json).toMatchObject({ kind: 'Status', status: 'Success' });
    const got = await api('GET', '/api/v1/namespaces/default/pods/bind-me');
    expect((got.json.spec as { nodeName: string }).nodeName).toBe('node-2');
    const again = await api('POST', '/api/v1/namespaces/default/pods/bind-me/binding', {
      target: { name: 'node-3' },
    });
    expect(again.status).toBe(409);
    expect(again.json.message).toContain('is already assigned to node "node-2"');
    await api('POST', '/api/v1/namespaces/default/pods', pod('evict-me'));
    const evict = await api('POST', '/api/v1/namespaces/default/pods/evict-me/eviction', {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'evict-me' },
    });
    expect(evict.status).toBe(201);
    expect((await api('GET', '/api/v1/namespaces/default/pods/evict-me')).status).toBe(404);
    for (const n of ['dc-1', 'dc-2']) {
      await api('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: n, labels: { dc: 'yes' } },
      });
    }
    const dc = await api('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dyes');
    expect((dc.json.items as unknown[]).length).toBe(2);
    const left = await api('GET', '/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dyes');
    expect(left.json.items).toEqual([]);
  });

  it('expires Events after the TTL', async () => {
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    const ev = (name: string, lastTimestamp: string) => ({
      metadata: { name },
      involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' },
      reason: 'Test',
      lastTimestamp,
    });
    await api('POST', '/api/v1/namespaces/default/events', ev('old-ev', old));
    await api('POST', '/api/v1/namespaces/default/events', ev('new-ev', new Date().toISOString()));
    expect(await h.t.server.rest.sweepEvents(3600_000)).toBe(1);
    const names = (
      (await api('GET', '/api/v1/namespaces/default/events')).json.items as { metadata: { name: string } }[]
    ).map((e) => e.metadata.name);
    expect(names).toEqual(['new-ev']);
  });
});

/** Opens a watch and collects its lines; resolves once the headers arrive. */
