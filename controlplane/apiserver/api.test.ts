/**
 * The REST API on the wire: Status errors exactly as Kubernetes, authentication and
 * authorization. Object semantics are in api-objects.test.ts, watch in api-watch.test.ts.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/harness/cluster/apiserver.js';
import { useTestServer } from './testing/harness.js';
import { pod as basePod } from './testing/objects.js';
import { REST_API_SERVER } from './testing/rest-api.js';

const h = useTestServer({ server: REST_API_SERVER });
const { api } = h;
const NODE1 = 'node1-token-0123456789';
const NODE2 = 'node2-token-0123456789';
const PROXY = 'proxy-token-0123456789';
const pod = (name: string, extra: Record<string, unknown> = {}) =>
  basePod(name, extra, { app: name.replace(/-\d+$/, '') });

beforeAll(() => {
  appendFileSync(
    join(h.t.dir, 'data', 'tokens.csv'),
    `${NODE1},system:node:node-1,n1,"system:nodes"\n${NODE2},system:node:node-2,n2,"system:nodes"\n${PROXY},system:kube-proxy,p1\n`,
  );
  h.t.server.reloadTokens();
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
    const pb = await call(h.t.server, 'POST', '/api/v1/namespaces/default/endpoints', {
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
    const anon = await call(h.t.server, 'GET', '/api/v1/pods', { as: { anonymous: true } });
    expect(anon.status).toBe(401);
    expect(anon.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await call(h.t.server, 'GET', '/version', { as: { anonymous: true } })).json.minor).toBe('32');
    expect((await call(h.t.server, 'GET', '/healthz', { as: { anonymous: true } })).text).toBe('ok');
    expect((await call(h.t.server, 'GET', '/api/v1/pods', { as: { token: 'wrong' } })).status).toBe(401);
    expect((await call(h.t.server, 'GET', '/api/v1/pods')).status).toBe(200);
    const pki = join(h.t.dir, 'data', 'pki');
    const byCert = await call(h.t.server, 'GET', '/api/v1/pods', {
      as: { cert: join(pki, 'admin.crt'), key: join(pki, 'admin.key') },
    });
    expect(byCert.status).toBe(200);
  });

  it('a node may touch only its own Node and the pods bound to it; components only their rules', async () => {
    await api('POST', '/api/v1/namespaces/default/pods', pod('on-n2', { nodeName: 'node-2' }));
    await api('POST', '/api/v1/namespaces/default/pods', pod('on-n1', { nodeName: 'node-1' }));
    const asNode1 = (method: string, path: string, body?: unknown) =>
      call(h.t.server, method, path, {
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
        await call(h.t.server, 'POST', '/api/v1/nodes', {
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
    expect((await call(h.t.server, 'GET', '/apis/discovery.k8s.io/v1/endpointslices', proxy)).status).toBe(
      200,
    );
    expect((await call(h.t.server, 'GET', '/api/v1/secrets', proxy)).status).toBe(403);
  });

  it('writes a kubeconfig per control-plane component, limited to what that component does', async () => {
    const tokenOf = (file: string): string => {
      const doc = JSON.parse(readFileSync(join(h.t.dir, 'data', file), 'utf8')) as {
        users: { name: string; user: { token: string } }[];
      };
      return doc.users[0]?.user.token ?? '';
    };
    const scheduler = { as: { token: tokenOf('scheduler.kubeconfig') } } as const;
    const cm = { as: { token: tokenOf('controller-manager.kubeconfig') } } as const;
    expect((await call(h.t.server, 'GET', '/api/v1/pods', scheduler)).status).toBe(200);
    await api('POST', '/api/v1/namespaces/default/pods', pod('to-bind'));
    const bind = await call(h.t.server, 'POST', '/api/v1/namespaces/default/pods/to-bind/binding', {
      ...scheduler,
      body: { metadata: { name: 'to-bind' }, target: { kind: 'Node', name: 'node-1' } },
    });
    expect(bind.status).toBe(201);
    const cmPath = '/api/v1/namespaces/default/configmaps';
    const denied = await call(h.t.server, 'POST', cmPath, {
      ...scheduler,
      body: { metadata: { name: 's' } },
    });
    expect(denied.status).toBe(403);
    expect((denied.json as { message: string }).message).toContain(
      'User "system:kube-scheduler" cannot create',
    );
    // The manager's own user holds system:kube-controller-manager (bootstrap policy): it creates
    // secrets and service accounts, lists everything, and nothing more; its controllers run as
    // their own service accounts.
    const secrets = '/api/v1/namespaces/default/secrets';
    expect(
      (await call(h.t.server, 'POST', secrets, { ...cm, body: { metadata: { name: 'cm' } } })).status,
    ).toBe(201);
    expect((await call(h.t.server, 'GET', '/apis/apps/v1/deployments', cm)).status).toBe(200);
    const noDelete = await call(h.t.server, 'DELETE', '/api/v1/namespaces/default/pods/to-bind', cm);
    expect(noDelete.status).toBe(403);
  });
});
