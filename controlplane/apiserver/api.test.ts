/**
 * The REST API on the wire: Status errors exactly as Kubernetes, authn/authz, server-owned
 * metadata, selectors and paging, watch semantics, Service allocation, deletion rules.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';

let t: TestServer;
const NODE1 = 'node1-token-0123456789';
const NODE2 = 'node2-token-0123456789';
const PROXY = 'proxy-token-0123456789';

beforeAll(async () => {
  t = await startTestServer({
    bookmarkIntervalMs: 150,
    nodePortRange: [30000, 30009],
    watchBufferBytes: 1024 * 1024,
  });
  appendFileSync(
    join(t.dir, 'data', 'tokens.csv'),
    `${NODE1},system:node:node-1,n1,"system:nodes"\n${NODE2},system:node:node-2,n2,"system:nodes"\n${PROXY},system:kube-proxy,p1\n`,
  );
  t.server.reloadTokens();
});

afterAll(async () => {
  await t?.stop();
});

const api = (method: string, path: string, body?: unknown, contentType?: string) =>
  call(t.server, method, path, {
    ...(body !== undefined ? { body } : {}),
    ...(contentType ? { contentType } : {}),
  });

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: name.replace(/-\d+$/, '') } },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra },
});

describe('Status errors', () => {
  it('404 NotFound, 409 AlreadyExists, 409 Conflict, 422 Invalid with causes, 404 unknown path', async () => {
    const missing = await api('GET', '/api/v1/namespaces/default/pods/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'pods' },
      code: 404,
    });
    const cm = { metadata: { name: 'c1' }, data: { a: '1' } };
    const created = await api('POST', '/api/v1/namespaces/default/configmaps', cm);
    expect(created.status).toBe(201);
    const again = await api('POST', '/api/v1/namespaces/default/configmaps', cm);
    expect(again.status).toBe(409);
    expect(again.json.reason).toBe('AlreadyExists');
    expect(again.json.message).toBe('configmaps "c1" already exists');
    const rv = (created.json.metadata as { resourceVersion: string }).resourceVersion;
    const ok = await api('PUT', '/api/v1/namespaces/default/configmaps/c1', {
      ...cm,
      metadata: { name: 'c1', resourceVersion: rv },
      data: { a: '2' },
    });
    expect(ok.status).toBe(200);
    const stale = await api('PUT', '/api/v1/namespaces/default/configmaps/c1', {
      ...cm,
      metadata: { name: 'c1', resourceVersion: rv },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.reason).toBe('Conflict');
    expect(stale.json.message).toBe(
      'Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again',
    );
    const bad = await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
      metadata: { name: 'd' },
      spec: {
        replicas: -1,
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [] } },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.reason).toBe('Invalid');
    expect((bad.json.details as { causes: unknown[] }).causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1: must be greater than or equal to 0',
        field: 'spec.replicas',
      },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers' },
    ]);
    const unknown = await api('GET', '/apis/nothing.example/v1/things');
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toBe('the server could not find the requested resource');
  });

  it('413 for bodies over 3 MiB, 415 for protobuf bodies of kinds without a decoder', async () => {
    const big = { metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } };
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', big);
    expect(r.status).toBe(413);
    expect(r.json.reason).toBe('RequestEntityTooLarge');
    // runtime.Unknown{typeMeta{apiVersion "v1", kind "Endpoints"}}: a kind the protobuf decoder does not know.
    const pb = await call(t.server, 'POST', '/api/v1/namespaces/default/endpoints', {
      body: Buffer.concat([
        Buffer.from('k8s\0'),
        Buffer.from([0x0a, 0x0f, 0x0a, 0x02]),
        Buffer.from('v1'),
        Buffer.from([0x12, 0x09]),
        Buffer.from('Endpoints'),
      ]),
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    expect(pb.status).toBe(415);
    expect(pb.json.reason).toBe('UnsupportedMediaType');
  });
});

describe('authentication and authorization', () => {
  it('anonymous → 401 (but /version and /healthz are public); wrong token → 401; admin token and admin cert → 200', async () => {
    const anon = await call(t.server, 'GET', '/api/v1/pods', { as: { anonymous: true } });
    expect(anon.status).toBe(401);
    expect(anon.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await call(t.server, 'GET', '/version', { as: { anonymous: true } })).json.minor).toBe('32');
    expect((await call(t.server, 'GET', '/healthz', { as: { anonymous: true } })).text).toBe('ok');
    expect((await call(t.server, 'GET', '/api/v1/pods', { as: { token: 'wrong' } })).status).toBe(401);
    expect((await call(t.server, 'GET', '/api/v1/pods')).status).toBe(200);
    const pki = join(t.dir, 'data', 'pki');
    const byCert = await call(t.server, 'GET', '/api/v1/pods', {
      as: { cert: join(pki, 'admin.crt'), key: join(pki, 'admin.key') },
    });
    expect(byCert.status).toBe(200);
  });

  it('a node may touch only its own Node and the pods bound to it; components only their rules', async () => {
    await api('POST', '/api/v1/namespaces/default/pods', pod('on-n2', { nodeName: 'node-2' }));
    await api('POST', '/api/v1/namespaces/default/pods', pod('on-n1', { nodeName: 'node-1' }));
    const asNode1 = (method: string, path: string, body?: unknown) =>
      call(t.server, method, path, {
        as: { token: NODE1 },
        ...(body !== undefined ? { body, contentType: 'application/merge-patch+json' } : {}),
      });
    const other = await asNode1('PATCH', '/api/v1/namespaces/default/pods/on-n2/status', {
      status: { phase: 'Running' },
    });
    expect(other.status).toBe(403);
    expect(other.json.reason).toBe('Forbidden');
    expect(other.json.message).toBe(
      'pods "on-n2" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself',
    );
    expect((await asNode1('DELETE', '/api/v1/namespaces/default/pods/on-n2')).status).toBe(403);
    expect(
      (
        await asNode1('PATCH', '/api/v1/namespaces/default/pods/on-n1/status', {
          status: { phase: 'Running' },
        })
      ).status,
    ).toBe(200);
    expect((await asNode1('GET', '/api/v1/pods?fieldSelector=spec.nodeName=node-1')).status).toBe(200);
    expect((await asNode1('POST', '/api/v1/nodes', { metadata: { name: 'node-1' } })).status).toBe(201);
    expect(
      (
        await call(t.server, 'POST', '/api/v1/nodes', {
          as: { token: NODE2 },
          body: { metadata: { name: 'node-9' } },
        })
      ).status,
    ).toBe(403);
    expect((await asNode1('PATCH', '/api/v1/nodes/node-1/status', { status: { phase: 'x' } })).status).toBe(
      200,
    );
    expect((await asNode1('DELETE', '/api/v1/namespaces/default/configmaps/c1')).status).toBe(403);
    const proxy = { as: { token: PROXY } } as const;
    expect((await call(t.server, 'GET', '/apis/discovery.k8s.io/v1/endpointslices', proxy)).status).toBe(200);
    expect((await call(t.server, 'GET', '/api/v1/secrets', proxy)).status).toBe(403);
  });

  it('writes a kubeconfig per control-plane component, limited to what that component does', async () => {
    const tokenOf = (file: string): string => {
      const doc = JSON.parse(readFileSync(join(t.dir, 'data', file), 'utf8')) as {
        users: { name: string; user: { token: string } }[];
      };
      return doc.users[0]?.user.token ?? '';
    };
    const scheduler = { as: { token: tokenOf('scheduler.kubeconfig') } } as const;
    const cm = { as: { token: tokenOf('controller-manager.kubeconfig') } } as const;
    expect((await call(t.server, 'GET', '/api/v1/pods', scheduler)).status).toBe(200);
    await api('POST', '/api/v1/namespaces/default/pods', pod('to-bind'));
    const bind = await call(t.server, 'POST', '/api/v1/namespaces/default/pods/to-bind/binding', {
      ...scheduler,
      body: { metadata: { name: 'to-bind' }, target: { kind: 'Node', name: 'node-1' } },
    });
    expect(bind.status).toBe(201);
    const cmPath = '/api/v1/namespaces/default/configmaps';
    const denied = await call(t.server, 'POST', cmPath, { ...scheduler, body: { metadata: { name: 's' } } });
    expect(denied.status).toBe(403);
    expect((denied.json as { message: string }).message).toContain(
      'User "system:kube-scheduler" cannot create',
    );
    // The manager's own user holds system:kube-controller-manager (bootstrap policy): it creates
    // secrets and service accounts, lists everything, and nothing more; its controllers run as
    // their own service accounts.
    const secrets = '/api/v1/namespaces/default/secrets';
    expect(
      (await call(t.server, 'POST', secrets, { ...cm, body: { metadata: { name: 'cm' } } })).status,
    ).toBe(201);
    expect((await call(t.server, 'GET', '/apis/apps/v1/deployments', cm)).status).toBe(200);
    const noDelete = await call(t.server, 'DELETE', '/api/v1/namespaces/default/pods/to-bind', cm);
    expect(noDelete.status).toBe(403);
  });
});

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
    const store = t.server.store;
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
    expect(await t.server.rest.sweepEvents(3600_000)).toBe(1);
    const names = (
      (await api('GET', '/api/v1/namespaces/default/events')).json.items as { metadata: { name: string } }[]
    ).map((e) => e.metadata.name);
    expect(names).toEqual(['new-ev']);
  });
});

/** Opens a watch and collects its lines; resolves once the headers arrive. */
function openWatch(path: string): Promise<{
  lines: Record<string, unknown>[];
  status: number;
  ended: Promise<void>;
  close: () => void;
  pause: () => void;
  resume: () => void;
}> {
  return new Promise((resolve, reject) => {
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let endResolve: () => void = () => undefined;
    const ended = new Promise<void>((r) => {
      endResolve = r;
    });
    const req = request(
      new URL(path, t.server.url),
      { headers: { Authorization: `Bearer ${t.server.adminToken}` }, ca: readFileSync(t.server.caCertPath) },
      (res) => {
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let nl = buf.indexOf('\n');
          while (nl !== -1) {
            lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
            buf = buf.slice(nl + 1);
            nl = buf.indexOf('\n');
          }
        });
        res.on('end', endResolve);
        res.on('close', endResolve);
        res.on('error', endResolve);
        resolve({
          lines,
          status: res.statusCode ?? 0,
          ended,
          close: () => req.destroy(),
          pause: () => res.pause(),
          resume: () => res.resume(),
        });
      },
    );
    req.on('error', (err) => {
      endResolve();
      reject(err);
    });
    req.end();
  });
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('watch', () => {
  it('streams events after a resourceVersion with selectors; headers arrive before any event', async () => {
    const list = await api('GET', '/api/v1/namespaces/default/configmaps');
    const rv = (list.json.metadata as { resourceVersion: string }).resourceVersion;
    const w = await openWatch(
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&labelSelector=w%3D1`,
    );
    expect(w.status).toBe(200);
    expect(w.lines).toEqual([]);
    await api('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'w1', labels: { w: '1' } },
    });
    await api('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'w2', labels: { w: '2' } },
    });
    await api(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/w1',
      { data: { a: 'b' } },
      'application/merge-patch+json',
    );
    await api(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/w1',
      { metadata: { labels: { w: '0' } } },
      'application/merge-patch+json',
    );
    await waitFor(() => w.lines.length >= 3);
    expect(w.lines.map((l) => [l.type, (l.object as { metadata: { name: string } }).metadata.name])).toEqual([
      ['ADDED', 'w1'],
      ['MODIFIED', 'w1'],
      ['DELETED', 'w1'],
    ]);
    w.close();
  });

  it('sends bookmarks when allowed and ends at timeoutSeconds', async () => {
    const started = Date.now();
    const w = await openWatch(
      '/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=1',
    );
    await w.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
    const bookmarks = w.lines.filter((l) => l.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(1);
    expect(bookmarks[0]?.object).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.any(String) },
    });
  });

  it('reports a compacted resourceVersion as an in-stream ERROR 410 Expired on HTTP 200', async () => {
    const rev = await t.server.store.revision();
    await t.server.store.compact(rev);
    const w = await openWatch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rev - 1}`);
    await w.ended;
    expect(w.status).toBe(200);
    expect(w.lines).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 }),
      },
    ]);
  });

  it('disconnects a watcher that does not read instead of buffering without bound', async () => {
    const w = await openWatch(
      '/api/v1/namespaces/default/configmaps?watch=true&labelSelector=slow%3D1&timeoutSeconds=30',
    );
    w.pause();
    const payload = 'x'.repeat(200 * 1024);
    const total = 80;
    for (let i = 0; i < total; i++) {
      await api('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: `slow-${i}`, labels: { slow: '1' } },
        data: { p: payload },
      });
    }
    w.resume();
    await w.ended;
    expect(w.lines.length).toBeLessThan(total);
    await api('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=slow%3D1');
  });
});
