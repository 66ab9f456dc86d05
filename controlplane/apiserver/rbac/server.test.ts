/**
 * RBAC against a real API server over HTTPS: the four kinds served and validated, their grants
 * enforced on requests made with a service account's token and a user's token (403 in
 * kube-apiserver's words), escalation prevention with `bind`/`escalate`, impersonation through
 * RBAC, access reviews, and the bootstrap install (add-only, autoupdate=false opts out).
 */
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../../lib/api/rbac-v1.js';
import {
  type Answer,
  call,
  startTestServer,
  type TestServer,
} from '../../../test/harness/cluster/apiserver.js';
import { addToken } from '../pki.js';
import { type ApiServer, startApiServer } from '../server.js';
import { uncovered } from './escalation.js';
import { minimalPolicy } from './testing/minimal-policy.js';

let t: TestServer;
const G = 'rbac.authorization.k8s.io';
const RBAC = `/apis/${G}/v1`;
const admin = (method: string, path: string, body?: unknown): Promise<Answer> =>
  call(t.server, method, path, body === undefined ? {} : { body });
const as = (token: string, method: string, path: string, body?: unknown): Promise<Answer> =>
  call(t.server, method, path, { as: { token }, ...(body === undefined ? {} : { body }) });

async function mustCreate(path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await admin('POST', path, body);
  expect(r.status, `${path}: ${r.text}`).toBe(201);
  return r.json;
}

async function saToken(ns: string, name: string): Promise<string> {
  const r = await admin('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {},
  });
  expect(r.status).toBe(201);
  return (r.json.status as { token: string }).token;
}

function userToken(user: string, groups: string[] = []): string {
  const token = addToken({ dir: join(t.dir, 'data'), user, groups });
  t.server.reloadTokens();
  return token;
}

beforeAll(async () => {
  t = await startTestServer({ bootstrapPolicy: minimalPolicy });
  await mustCreate('/api/v1/namespaces', { metadata: { name: 'team' } });
  await mustCreate('/api/v1/namespaces', { metadata: { name: 'other' } });
  await mustCreate('/api/v1/namespaces/team/serviceaccounts', { metadata: { name: 'robot' } });
});

afterAll(async () => {
  await t?.stop();
});

describe('a service account with a Role and RoleBinding', () => {
  it('can do exactly what its binding says, in its namespace only', async () => {
    const token = await saToken('team', 'robot');
    const pods = '/api/v1/namespaces/team/pods';
    const before = await as(token, 'GET', pods);
    expect(before.status).toBe(403);
    expect(before.json).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message:
        'pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" in the namespace "team"',
      details: { kind: 'pods' },
    });
    await mustCreate(`${RBAC}/namespaces/team/roles`, {
      metadata: { name: 'pod-reader' },
      rules: [
        { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: ['settings'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    });
    await mustCreate(`${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: 'robot-reads' },
      roleRef: { apiGroup: G, kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'team' }],
    });
    // Effective at once: the next request sees the binding.
    expect((await as(token, 'GET', pods)).status).toBe(200);
    expect((await as(token, 'GET', '/api/v1/namespaces/other/pods')).status).toBe(403);
    expect((await as(token, 'GET', '/api/v1/pods')).json.message).toBe(
      'pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" at the cluster scope',
    );
    const del = await as(token, 'DELETE', `${pods}/nope`);
    expect(del.json.message).toBe(
      'pods "nope" is forbidden: User "system:serviceaccount:team:robot" cannot delete resource "pods" in API group "" in the namespace "team"',
    );
    const create = await as(token, 'POST', pods, { metadata: { name: 'p' }, spec: { containers: [] } });
    expect(create.status).toBe(403);
    // resourceNames: one ConfigMap by name, also as a list/watch with metadata.name=...
    await mustCreate('/api/v1/namespaces/team/configmaps', {
      metadata: { name: 'settings' },
      data: { a: '1' },
    });
    await mustCreate('/api/v1/namespaces/team/configmaps', { metadata: { name: 'private' } });
    const cms = '/api/v1/namespaces/team/configmaps';
    expect((await as(token, 'GET', `${cms}/settings`)).status).toBe(200);
    expect((await as(token, 'GET', `${cms}/private`)).status).toBe(403);
    expect((await as(token, 'GET', cms)).status).toBe(403);
    const byName = await as(token, 'GET', `${cms}?fieldSelector=metadata.name%3Dsettings`);
    expect(byName.status).toBe(200);
    expect((byName.json.items as unknown[]).length).toBe(1);
    expect((await as(token, 'GET', `${cms}?fieldSelector=metadata.name%3Dprivate`)).status).toBe(403);
    // Deleting the binding takes the access away again.
    expect((await admin('DELETE', `${RBAC}/namespaces/team/rolebindings/robot-reads`)).status).toBe(200);
    expect((await as(token, 'GET', pods)).status).toBe(403);
  });

  it('a RoleBinding to a ClusterRole grants only in the binding namespace; a missing role is the reason', async () => {
    const token = await saToken('team', 'robot');
    await mustCreate(`${RBAC}/clusterroles`, {
      metadata: { name: 'svc-reader' },
      rules: [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }],
    });
    await mustCreate(`${RBAC}/namespaces/other/rolebindings`, {
      metadata: { name: 'robot-svc' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'svc-reader' },
      // A ServiceAccount subject without namespace in a RoleBinding means the binding's.
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'team' }],
    });
    expect((await as(token, 'GET', '/api/v1/namespaces/other/services')).status).toBe(200);
    expect((await as(token, 'GET', '/api/v1/namespaces/team/services')).status).toBe(403);
    expect((await as(token, 'GET', '/api/v1/services')).status).toBe(403);
    await mustCreate(`${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: 'dangling' },
      roleRef: { apiGroup: G, kind: 'Role', name: 'does-not-exist' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot' }],
    });
    const denied = await as(token, 'GET', '/api/v1/namespaces/team/secrets');
    expect(denied.json.message).toBe(
      'secrets is forbidden: User "system:serviceaccount:team:robot" cannot list resource "secrets" in API group "" in the namespace "team": RBAC: role.rbac.authorization.k8s.io "does-not-exist" not found',
    );
  });

  it('auth reviews answer from the same authorizer', async () => {
    const token = await saToken('team', 'robot');
    const ssar = (spec: unknown) =>
      as(token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec,
      });
    const yes = await ssar({
      resourceAttributes: { verb: 'list', resource: 'services', namespace: 'other' },
    });
    expect(yes.status).toBe(201);
    expect(yes.json.status).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "robot-svc/other" of ClusterRole "svc-reader" to ServiceAccount "robot/team"',
    });
    const no = await ssar({ resourceAttributes: { verb: 'list', resource: 'services', namespace: 'team' } });
    expect((no.json.status as { allowed: boolean }).allowed).toBe(false);
    const url = await ssar({ nonResourceAttributes: { verb: 'get', path: '/healthz' } });
    expect((url.json.status as { allowed: boolean }).allowed).toBe(true);
    const rules = await as(token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      spec: { namespace: 'other' },
    });
    expect((rules.json.status as { resourceRules: unknown[] }).resourceRules).toContainEqual({
      verbs: ['list'],
      apiGroups: [''],
      resources: ['services'],
    });
    // SubjectAccessReview: the robot itself may not ask about others; the admin may.
    const sarBody = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: 'system:serviceaccount:team:robot',
        groups: ['system:serviceaccounts'],
        resourceAttributes: { verb: 'list', resource: 'services', namespace: 'other' },
      },
    };
    expect(
      (await as(token, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sarBody)).status,
    ).toBe(403);
    const sar = await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sarBody);
    expect(sar.status).toBe(201);
    expect((sar.json.status as { allowed: boolean }).allowed).toBe(true);
    const empty = await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: { resourceAttributes: { verb: 'get', resource: 'pods' } },
    });
    expect(empty.status).toBe(422);
  });

  it('non-resource paths are authorized by RBAC (discovery for everyone authenticated, not /metrics)', async () => {
    const token = await saToken('team', 'robot');
    expect((await as(token, 'GET', '/apis')).status).toBe(200);
    expect((await as(token, 'GET', '/version')).status).toBe(200);
    const metrics = await as(token, 'GET', '/metrics');
    expect(metrics.status).toBe(403);
    expect(metrics.json.message).toBe(
      'forbidden: User "system:serviceaccount:team:robot" cannot get path "/metrics"',
    );
  });
});

describe('escalation prevention', () => {
  it('a user may only grant what they hold, unless they may bind or escalate', async () => {
    const lead = userToken('lead');
    // lead may manage roles and bindings in team, and read pods there.
    await mustCreate(`${RBAC}/namespaces/team/roles`, {
      metadata: { name: 'rbac-manager' },
      rules: [
        // Not `*`: that would include `escalate` and `bind`.
        {
          apiGroups: [G],
          resources: ['roles', 'rolebindings'],
          verbs: ['get', 'list', 'create', 'update', 'delete'],
        },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      ],
    });
    await mustCreate(`${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: 'lead-manages' },
      roleRef: { apiGroup: G, kind: 'Role', name: 'rbac-manager' },
      subjects: [{ kind: 'User', apiGroup: G, name: 'lead' }],
    });
    const roles = `${RBAC}/namespaces/team/roles`;
    const ok = await as(lead, 'POST', roles, {
      metadata: { name: 'pods-get' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    });
    expect(ok.status).toBe(201);
    const tooMuch = await as(lead, 'POST', roles, {
      metadata: { name: 'secrets-all' },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'delete'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      ],
    });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.json).toMatchObject({
      reason: 'Forbidden',
      message:
        'roles.rbac.authorization.k8s.io "secrets-all" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
      details: { name: 'secrets-all', group: G, kind: 'roles' },
    });
    // Binding a role lead does not hold is refused too; a missing role is 404.
    await mustCreate(`${RBAC}/namespaces/team/roles`, {
      metadata: { name: 'secret-reader' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    });
    const bindings = `${RBAC}/namespaces/team/rolebindings`;
    const bindBody = (name: string, role: string) => ({
      metadata: { name },
      roleRef: { apiGroup: G, kind: 'Role', name: role },
      subjects: [{ kind: 'User', apiGroup: G, name: 'intern' }],
    });
    const refused = await as(lead, 'POST', bindings, bindBody('intern-secrets', 'secret-reader'));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe(
      'rolebindings.rbac.authorization.k8s.io "intern-secrets" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    expect((await as(lead, 'POST', bindings, bindBody('intern-pods', 'pods-get'))).status).toBe(201);
    const missing = await as(lead, 'POST', bindings, bindBody('intern-x', 'nope'));
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('roles.rbac.authorization.k8s.io "nope" not found');
    // `bind` on that one role lets lead bind it without holding it.
    await mustCreate(`${RBAC}/namespaces/team/roles`, {
      metadata: { name: 'may-bind-secret-reader' },
      rules: [{ apiGroups: [G], resources: ['roles'], verbs: ['bind'], resourceNames: ['secret-reader'] }],
    });
    await mustCreate(bindings, {
      metadata: { name: 'lead-binds' },
      roleRef: { apiGroup: G, kind: 'Role', name: 'may-bind-secret-reader' },
      subjects: [{ kind: 'User', apiGroup: G, name: 'lead' }],
    });
    expect((await as(lead, 'POST', bindings, bindBody('intern-secrets', 'secret-reader'))).status).toBe(201);
    // `escalate` on roles lets lead write any rules into a role.
    await mustCreate(`${RBAC}/namespaces/team/roles`, {
      metadata: { name: 'may-escalate' },
      rules: [{ apiGroups: [G], resources: ['roles'], verbs: ['escalate'] }],
    });
    await mustCreate(bindings, {
      metadata: { name: 'lead-escalates' },
      roleRef: { apiGroup: G, kind: 'Role', name: 'may-escalate' },
      subjects: [{ kind: 'User', apiGroup: G, name: 'lead' }],
    });
    expect(
      (
        await as(lead, 'POST', roles, {
          metadata: { name: 'secrets-all' },
          rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'delete'] }],
        })
      ).status,
    ).toBe(201);
  });

  it('roleRef is immutable; an aggregationRule needs cluster-admin', async () => {
    const path = `${RBAC}/namespaces/team/rolebindings/intern-pods`;
    const current = (await admin('GET', path)).json;
    const changed = await admin('PUT', path, {
      ...current,
      roleRef: { apiGroup: G, kind: 'Role', name: 'secret-reader' },
    });
    expect(changed.status).toBe(422);
    expect(changed.json.message).toBe(
      'RoleBinding.rbac.authorization.k8s.io "intern-pods" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"secret-reader"}: cannot change roleRef',
    );
    const boss = userToken('boss');
    await mustCreate(`${RBAC}/clusterroles`, {
      metadata: { name: 'clusterrole-writer' },
      rules: [{ apiGroups: [G], resources: ['clusterroles'], verbs: ['create'] }],
    });
    await mustCreate(`${RBAC}/clusterrolebindings`, {
      metadata: { name: 'boss-writes-clusterroles' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'clusterrole-writer' },
      subjects: [{ kind: 'User', apiGroup: G, name: 'boss' }],
    });
    const agg = await as(boss, 'POST', `${RBAC}/clusterroles`, {
      metadata: { name: 'gather' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] },
    });
    expect(agg.status).toBe(403);
    expect(agg.json.message).toMatch(
      /^clusterroles\.rbac\.authorization\.k8s\.io "gather" is forbidden: must have cluster-admin privileges to use an aggregationRule: user "boss"/,
    );
  });

  it('fieldValidation=Strict refuses a mistyped rule field instead of widening the rule', async () => {
    const r = await admin('POST', `${RBAC}/namespaces/team/roles?fieldValidation=Strict`, {
      metadata: { name: 'typo' },
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceName: ['one'], verbs: ['get'] }],
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/^strict decoding error: unknown field "rules.*resourceName"$/);
  });

  it('validation errors name the field', async () => {
    const bad = await admin('POST', `${RBAC}/namespaces/team/roles`, {
      metadata: { name: 'bad' },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe(
      'Role.rbac.authorization.k8s.io "bad" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    );
    const crb = await admin('POST', `${RBAC}/clusterrolebindings`, {
      metadata: { name: 'bad' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot' }],
    });
    expect(crb.status).toBe(422);
    expect(crb.json.details).toMatchObject({
      causes: [{ field: 'subjects[0].namespace', reason: 'FieldValueRequired' }],
    });
  });
});

describe('impersonation', () => {
  it('needs the impersonate verb on the user, service account or group', async () => {
    const helper = userToken('helpdesk');
    const impersonate = (user: string, extra: Record<string, string> = {}) =>
      fetchAs(helper, { 'Impersonate-User': user, ...extra });
    const denied = await impersonate('system:serviceaccount:team:robot');
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe(
      'serviceaccounts "robot" is forbidden: User "helpdesk" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "team"',
    );
    await mustCreate(`${RBAC}/clusterroles`, {
      metadata: { name: 'impersonate-robot' },
      rules: [
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'], resourceNames: ['robot'] },
      ],
    });
    await mustCreate(`${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: 'helpdesk-impersonates' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'impersonate-robot' },
      subjects: [{ kind: 'User', apiGroup: G, name: 'helpdesk' }],
    });
    // Now helpdesk acts as the robot, with the robot's rights (services in "other") and no more.
    const ok = await impersonate('system:serviceaccount:team:robot');
    expect(ok.status).toBe(200);
    const group = await impersonate('system:serviceaccount:team:robot', {
      'Impersonate-Group': 'system:masters',
    });
    expect(group.status).toBe(403);
    expect(group.json.message).toBe(
      'groups "system:masters" is forbidden: User "helpdesk" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
  });
});

/** GET /api/v1/namespaces/other/services with extra headers (impersonation). */
function fetchAs(
  token: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/v1/namespaces/other/services', t.server.url),
      {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...headers },
        agent: new Agent({ ca: readFileSync(t.server.caCertPath) }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('bootstrap policy install', () => {
  it('creates what is missing, restores removed grants at the next start, leaves autoupdate=false alone', async () => {
    const first = await startTestServer({ bootstrapPolicy: minimalPolicy });
    const dataDir = join(first.dir, 'data');
    let again: ApiServer | undefined;
    try {
      const one = first.server;
      expect(one.bootstrapReport.created).toContain('clusterroles/system:discovery');
      const basic = `${RBAC}/clusterroles/system:basic-user`;
      const disc = `${RBAC}/clusterroles/system:discovery`;
      const b = (await call(one, 'GET', basic)).json;
      expect((await call(one, 'PUT', basic, { body: { ...b, rules: [] } })).status).toBe(200);
      const d = (await call(one, 'GET', disc)).json;
      const meta = d.metadata as { annotations: Record<string, string> };
      const annotations = { ...meta.annotations, 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
      const pinned = { ...d, rules: [], metadata: { ...meta, annotations } };
      expect((await call(one, 'PUT', disc, { body: pinned })).status).toBe(200);
      await one.close();
      again = await startApiServer({ dataDir, host: '127.0.0.1', port: 0, bootstrapPolicy: minimalPolicy });
      expect(again.bootstrapReport.created).toEqual([]);
      expect(again.bootstrapReport.updated).toEqual(['clusterroles/system:basic-user']);
      expect(again.bootstrapReport.skipped).toEqual(['clusterroles/system:discovery']);
      // Missing grants come back as atoms (one group, resource, verb each), as reconciliation adds them.
      const restored = (await call(again, 'GET', basic)).json.rules as PolicyRule[];
      const wanted = minimalPolicy().clusterRoles.find((r) => r.metadata.name === 'system:basic-user')?.rules;
      expect(restored).toHaveLength(3);
      expect(uncovered(restored, wanted ?? [])).toEqual([]);
      expect((await call(again, 'GET', disc)).json.rules ?? []).toEqual([]);
    } finally {
      await again?.close();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});
