/**
 * Pure RBAC pieces: rule matching (the cases of upstream's rbac_test.go / evaluation helpers),
 * the authorizer's walk over bindings and its reasons, escalation coverage and its message,
 * and validation of the four kinds.
 */
import { describe, expect, it } from 'vitest';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
} from '../../../lib/api/rbac-v1.js';
import { rbacAuthorize, rbacRulesFor } from './authorizer.js';
import { compactRules, compactString, escalationMessage, uncovered } from './escalation.js';
import type { PolicySource } from './policy-cache.js';
import { type Attributes, ruleAllows, subjectMatches } from './rule-match.js';
import { validateRbacObject, validateRbacUpdate } from './validation.js';

const res = (
  verb: string,
  resource: string,
  o: { group?: string; sub?: string; ns?: string; name?: string } = {},
): Attributes => ({
  kind: 'resource',
  verb,
  group: o.group ?? '',
  resource,
  subresource: o.sub ?? '',
  namespace: o.ns ?? '',
  name: o.name ?? '',
});
const url = (verb: string, path: string): Attributes => ({ kind: 'nonResource', verb, path });

describe('rule matching', () => {
  const rule = (r: Partial<PolicyRule>): PolicyRule => ({ verbs: ['get'], apiGroups: [''], ...r });
  it('verbs, groups and wildcards', () => {
    expect(ruleAllows(rule({ resources: ['pods'] }), res('get', 'pods'))).toBe(true);
    expect(ruleAllows(rule({ resources: ['pods'] }), res('list', 'pods'))).toBe(false);
    expect(ruleAllows(rule({ verbs: ['*'], resources: ['pods'] }), res('delete', 'pods'))).toBe(true);
    expect(ruleAllows(rule({ resources: ['pods'] }), res('get', 'pods', { group: 'apps' }))).toBe(false);
    expect(
      ruleAllows(
        rule({ apiGroups: ['*'], resources: ['deployments'] }),
        res('get', 'deployments', { group: 'apps' }),
      ),
    ).toBe(true);
    expect(
      ruleAllows(
        rule({ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] }),
        res('bind', 'clusterroles', { group: 'rbac.authorization.k8s.io' }),
      ),
    ).toBe(true);
  });
  it('subresources: exact, `*` covers all, `*/scale` any resource scale, `pods/*` is literal', () => {
    expect(ruleAllows(rule({ resources: ['pods'] }), res('get', 'pods', { sub: 'log' }))).toBe(false);
    expect(ruleAllows(rule({ resources: ['pods/log'] }), res('get', 'pods', { sub: 'log' }))).toBe(true);
    expect(ruleAllows(rule({ resources: ['pods/log'] }), res('get', 'pods'))).toBe(false);
    expect(ruleAllows(rule({ resources: ['*'] }), res('get', 'pods', { sub: 'log' }))).toBe(true);
    expect(
      ruleAllows(
        rule({ apiGroups: ['*'], resources: ['*/scale'] }),
        res('get', 'deployments', { group: 'apps', sub: 'scale' }),
      ),
    ).toBe(true);
    expect(ruleAllows(rule({ resources: ['*/scale'] }), res('get', 'pods', { sub: 'status' }))).toBe(false);
    expect(ruleAllows(rule({ resources: ['pods/*'] }), res('get', 'pods', { sub: 'log' }))).toBe(false);
    expect(
      ruleAllows(rule({ resources: ['services/status'] }), res('get', 'services', { sub: 'status' })),
    ).toBe(true);
  });
  it('resourceNames: any when empty, else exact; a nameless request never matches named rules', () => {
    const named = rule({ verbs: ['get', 'list', 'create'], resources: ['configmaps'], resourceNames: ['a'] });
    expect(ruleAllows(named, res('get', 'configmaps', { name: 'a' }))).toBe(true);
    expect(ruleAllows(named, res('get', 'configmaps', { name: 'b' }))).toBe(false);
    expect(ruleAllows(named, res('list', 'configmaps'))).toBe(false);
    expect(ruleAllows(named, res('create', 'configmaps'))).toBe(false);
    // list with fieldSelector=metadata.name=a arrives with the name set (request-info).
    expect(ruleAllows(named, res('list', 'configmaps', { name: 'a' }))).toBe(true);
  });
  it('non-resource URLs: exact, `*`, and prefix with a trailing `*`', () => {
    const r: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows(r, url('get', '/healthz'))).toBe(true);
    expect(ruleAllows(r, url('get', '/healthz/etcd'))).toBe(false);
    expect(ruleAllows(r, url('get', '/apis/apps/v1'))).toBe(true);
    expect(ruleAllows(r, url('get', '/apis'))).toBe(false);
    expect(ruleAllows(r, url('post', '/healthz'))).toBe(false);
    expect(ruleAllows({ verbs: ['*'], nonResourceURLs: ['*'] }, url('put', '/anything'))).toBe(true);
    expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, url('get', '/healthz'))).toBe(
      false,
    );
  });
  it('subjects: users, groups, service accounts (namespace defaulted only in a RoleBinding)', () => {
    const sa = { name: 'system:serviceaccount:ns1:robot', groups: ['system:serviceaccounts'] };
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'robot', namespace: 'ns1' }, sa, '')).toBe(true);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'robot' }, sa, 'ns1')).toBe(true);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'robot' }, sa, '')).toBe(false);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'robot' }, sa, 'ns2')).toBe(false);
    expect(subjectMatches({ kind: 'Group', name: 'system:serviceaccounts' }, sa, '')).toBe(true);
    expect(subjectMatches({ kind: 'User', name: 'system:serviceaccount:ns1:robot' }, sa, '')).toBe(true);
    expect(subjectMatches({ kind: 'User', name: 'robot' }, sa, '')).toBe(false);
  });
});

/** A fixed policy source for the authorizer tests. */
function source(p: {
  clusterRoles?: ClusterRole[];
  roles?: Role[];
  crbs?: ClusterRoleBinding[];
  rbs?: RoleBinding[];
}): PolicySource {
  return {
    clusterRole: (n) => p.clusterRoles?.find((r) => r.metadata.name === n),
    role: (ns, n) => p.roles?.find((r) => r.metadata.namespace === ns && r.metadata.name === n),
    clusterRoleBindings: () => p.crbs ?? [],
    roleBindings: (ns) => (p.rbs ?? []).filter((b) => b.metadata.namespace === ns),
  };
}

const G = 'rbac.authorization.k8s.io';

describe('RBAC authorizer', () => {
  const policy = source({
    clusterRoles: [
      {
        metadata: { name: 'reader' },
        rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
      },
      { metadata: { name: 'health' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] },
    ],
    roles: [
      {
        metadata: { name: 'cm-writer', namespace: 'a' },
        rules: [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }],
      },
    ],
    crbs: [
      {
        metadata: { name: 'health' },
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'health' },
        subjects: [{ kind: 'Group', apiGroup: G, name: 'system:authenticated' }],
      },
      {
        metadata: { name: 'broken' },
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'gone' },
        subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }],
      },
    ],
    rbs: [
      {
        metadata: { name: 'read-in-a', namespace: 'a' },
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'robot' }],
      },
      {
        metadata: { name: 'write-in-a', namespace: 'a' },
        roleRef: { apiGroup: G, kind: 'Role', name: 'cm-writer' },
        subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }],
      },
    ],
  });
  const robot = {
    name: 'system:serviceaccount:a:robot',
    groups: ['system:serviceaccounts', 'system:authenticated'],
  };
  const alice = { name: 'alice', groups: ['system:authenticated'] };

  it('a RoleBinding to a ClusterRole grants only in its namespace, and says which binding allowed', () => {
    expect(rbacAuthorize(policy, robot, res('list', 'pods', { ns: 'a' }))).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "read-in-a/a" of ClusterRole "reader" to ServiceAccount "robot/a"',
    });
    expect(rbacAuthorize(policy, robot, res('list', 'pods', { ns: 'b' })).allowed).toBe(false);
    expect(rbacAuthorize(policy, robot, res('list', 'pods')).allowed).toBe(false);
    expect(rbacAuthorize(policy, robot, res('delete', 'pods', { ns: 'a', name: 'x' })).allowed).toBe(false);
  });
  it('non-resource URLs only through ClusterRoleBindings; a missing role becomes the reason', () => {
    expect(rbacAuthorize(policy, robot, url('get', '/healthz'))).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "health" of ClusterRole "health" to Group "system:authenticated"',
    });
    expect(rbacAuthorize(policy, alice, res('delete', 'pods', { ns: 'a' }))).toEqual({
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
    });
    expect(rbacAuthorize(policy, alice, res('create', 'configmaps', { ns: 'a' })).allowed).toBe(true);
  });
  it('RulesFor lists cluster-wide then namespace rules', () => {
    expect(rbacRulesFor(policy, robot, 'a').rules).toEqual([
      { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    ]);
    expect(rbacRulesFor(policy, alice, '').errors).toEqual([
      'clusterrole.rbac.authorization.k8s.io "gone" not found',
    ]);
  });
});

describe('escalation', () => {
  const owner: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'services/status'] },
    { verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] },
    { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
    { verbs: ['update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['one'] },
  ];
  it('covers atom by atom with `*` semantics', () => {
    expect(uncovered(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])).toEqual([]);
    expect(
      uncovered(owner, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]),
    ).toEqual([]);
    expect(uncovered(owner, [{ verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }])).toEqual([]);
    expect(
      uncovered(owner, [
        { verbs: ['update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['one'] },
      ]),
    ).toEqual([]);
    expect(
      uncovered(owner, [{ verbs: ['update'], apiGroups: [''], resources: ['configmaps'] }]),
    ).toHaveLength(1);
    expect(
      uncovered(
        [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        [{ verbs: ['get'], nonResourceURLs: ['/x'] }],
      ),
    ).toHaveLength(1);
    expect(
      uncovered(owner, [
        { verbs: ['get', 'delete', 'watch'], apiGroups: [''], resources: ['pods', 'secrets'] },
      ]),
    ).toHaveLength(5);
  });
  it('compacts missing rules per group/resource and words the message as kube-apiserver', () => {
    const missing = uncovered(owner, [
      { verbs: ['get', 'delete', 'watch'], apiGroups: [''], resources: ['pods', 'secrets'] },
    ]);
    expect(compactRules(missing).map(compactString)).toEqual([
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "watch"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "watch"]}',
    ]);
    expect(
      escalationMessage({ name: 'bob', groups: ['dev', 'system:authenticated'] }, owner, [
        { verbs: ['get', 'delete'], apiGroups: [''], resources: ['secrets'] },
        { verbs: ['get'], nonResourceURLs: ['/metrics'] },
      ]),
    ).toBe(
      'user "bob" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}\n' +
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
    expect(
      escalationMessage({ name: 'bob', groups: [] }, owner, [
        { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
      ]),
    ).toBeUndefined();
  });
});

describe('validation of the RBAC kinds', () => {
  const fields = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);
  it('rules: verbs, groups and resources required; Roles refuse non-resource URLs', () => {
    expect(
      fields(validateRbacObject('Role', { rules: [{ verbs: [], apiGroups: [], resources: [] }] })),
    ).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]);
    expect(
      fields(validateRbacObject('Role', { rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] })),
    ).toEqual([
      'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs',
    ]);
    expect(
      validateRbacObject('ClusterRole', { rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }),
    ).toEqual([]);
    expect(fields(validateRbacObject('ClusterRole', { aggregationRule: {} }))).toEqual([
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
  });
  it('bindings: roleRef kind and group, subject kinds, ClusterRoleBinding service accounts need a namespace', () => {
    const ref = { apiGroup: G, kind: 'Role', name: 'r' };
    expect(
      fields(
        validateRbacObject('ClusterRoleBinding', {
          roleRef: ref,
          subjects: [{ kind: 'ServiceAccount', name: 'sa' }],
        }),
      ),
    ).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
    expect(
      fields(
        validateRbacObject('RoleBinding', {
          roleRef: { apiGroup: 'x', kind: 'Thing', name: '' },
          subjects: [
            { kind: 'Robot', name: 'r' },
            { kind: 'User', apiGroup: 'x', name: 'u' },
            { kind: 'ServiceAccount', apiGroup: G, name: 'Bad_Name' },
          ],
        }),
      ),
    ).toEqual([
      'roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
      'roleRef.name: Required value',
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[1].apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
      expect.stringMatching(/^subjects\[2\]\.name: Invalid value: "Bad_Name": /),
      'subjects[2].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    ]);
    expect(
      validateRbacObject('RoleBinding', {
        roleRef: ref,
        subjects: [{ kind: 'ServiceAccount', apiGroup: '', name: 'sa' }],
      }),
    ).toEqual([]);
  });
  it('roleRef is immutable', () => {
    const a = { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' } };
    const b = { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' } };
    expect(fields(validateRbacUpdate('RoleBinding', b, a))).toEqual([
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
    ]);
    expect(validateRbacUpdate('RoleBinding', a, a)).toEqual([]);
  });
});
