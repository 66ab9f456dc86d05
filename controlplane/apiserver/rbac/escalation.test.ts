import { describe, expect, it } from 'vitest';
import { G, RBAC, useRbacServer } from './testing/rbac-server.js';

const { admin, as, mustCreate, userToken } = useRbacServer();

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
