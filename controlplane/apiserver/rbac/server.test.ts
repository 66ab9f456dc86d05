/**
 * RBAC against a real API server over HTTPS: the four kinds served, their grants enforced on
 * requests made with a service account's token and a user's token (403 in kube-apiserver's
 * words), access reviews, and impersonation through RBAC. Escalation prevention and validation
 * are in escalation.test.ts, the bootstrap install in bootstrap-install.test.ts.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { G, RBAC, useRbacServer } from './testing/rbac-server.js';

const s = useRbacServer();
const { admin, as, mustCreate, saToken, userToken } = s;

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

  it('TokenReview names the owner of a static or service-account token, and no one for a bad one', async () => {
    const review = (token: string, audiences?: string[]) =>
      admin('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token, ...(audiences ? { audiences } : {}) },
      });
    const user = await review(userToken('carol', ['auditors']), ['https://kubernetes.default.svc']);
    expect(user.status).toBe(201);
    expect(user.json.status).toEqual({
      authenticated: true,
      user: { username: 'carol', groups: ['auditors', 'system:authenticated'] },
      audiences: ['https://kubernetes.default.svc'],
    });
    const sa = await review(await saToken('team', 'robot'));
    expect(sa.json.status).toEqual({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:team:robot',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
      },
    });
    expect((await review('not-a-token')).json.status).toEqual({ user: {} });
    const empty = await admin('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: {} });
    expect(empty.status).toBe(422);
    expect(empty.json.message).toContain('spec.token: Required value');
    // Only who may create tokenreviews asks (system:auth-delegator, nodes, the kubelet's callers).
    const denied = await as(
      await saToken('team', 'robot'),
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      {
        spec: { token: 'x' },
      },
    );
    expect(denied.status).toBe(403);
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
      new URL('/api/v1/namespaces/other/services', s.t.server.url),
      {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...headers },
        agent: new Agent({ ca: readFileSync(s.t.server.caCertPath) }),
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
