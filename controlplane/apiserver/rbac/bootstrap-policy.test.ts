import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../lib/api/meta.js';
import type { PolicyRule, RoleRef, Subject } from '../../../lib/api/rbac-v1.js';
import { CONTROLLER_SERVICE_ACCOUNT } from '../../controllers/manager.js';
import {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAPPING_LABEL,
  bootstrapPolicy,
  CONTROLLER_SERVICE_ACCOUNTS,
} from './bootstrap-policy.js';
import { loadUpstreamPolicy } from './testdata/upstream.js';

const policy = bootstrapPolicy();
const all: KubeObject[] = [
  ...policy.clusterRoles,
  ...policy.clusterRoleBindings,
  ...policy.roles,
  ...policy.roleBindings,
];
const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** A DNS-1123 subdomain, or an RBAC path segment name (RBAC names allow ':' but not '/' or '%'). */
const RBAC_NAME = /^[^/%]+$/;

function ruleProblem(r: PolicyRule, namespaced: boolean): string | undefined {
  if (r.verbs.length === 0) return 'no verbs';
  const hasResources = (r.resources?.length ?? 0) > 0;
  const hasUrls = (r.nonResourceURLs?.length ?? 0) > 0;
  if (hasResources === hasUrls) return 'needs exactly one of resources and nonResourceURLs';
  if (hasResources && (r.apiGroups?.length ?? 0) === 0) return 'resources without apiGroups';
  if (hasUrls && namespaced) return 'namespaced rules cannot apply to non-resource URLs';
  if (hasUrls && ((r.apiGroups?.length ?? 0) > 0 || (r.resourceNames?.length ?? 0) > 0))
    return 'non-resource rule with apiGroups or resourceNames';
  for (const list of [r.verbs, r.apiGroups ?? [], r.resources ?? [], r.nonResourceURLs ?? []])
    if (new Set(list).size !== list.length) return `duplicate entries in ${JSON.stringify(list)}`;
  return undefined;
}

function subjectProblem(s: Subject): string | undefined {
  if (s.name === '') return 'empty name';
  if (s.kind === 'ServiceAccount')
    return s.namespace && s.apiGroup === undefined
      ? undefined
      : 'ServiceAccount needs a namespace and no apiGroup';
  return s.apiGroup === 'rbac.authorization.k8s.io' && s.namespace === undefined
    ? undefined
    : `${s.kind} needs apiGroup rbac.authorization.k8s.io and no namespace`;
}

describe('bootstrapPolicy', () => {
  it('is well-formed: kinds, unique names, label, annotation, rules and subjects', () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const o of all) {
      const k = key(o);
      if (seen.has(k)) problems.push(`${k}: duplicate`);
      seen.add(k);
      if (o.apiVersion !== 'rbac.authorization.k8s.io/v1') problems.push(`${k}: apiVersion ${o.apiVersion}`);
      if (!RBAC_NAME.test(o.metadata.name ?? '')) problems.push(`${k}: bad name`);
      if (o.metadata.labels?.[BOOTSTRAPPING_LABEL] !== 'rbac-defaults')
        problems.push(`${k}: no bootstrapping label`);
      if (o.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'true')
        problems.push(`${k}: no autoupdate annotation`);
    }
    for (const r of policy.clusterRoles) {
      if (r.metadata.namespace !== undefined) problems.push(`${key(r)}: namespaced`);
      const agg = r.aggregationRule?.clusterRoleSelectors ?? [];
      if (r.aggregationRule && agg.length === 0) problems.push(`${key(r)}: empty aggregationRule`);
      if (!r.aggregationRule && (r.rules ?? []).length === 0) problems.push(`${key(r)}: no rules`);
      for (const rule of r.rules ?? []) {
        const p = ruleProblem(rule, false);
        if (p) problems.push(`${key(r)}: ${p}`);
      }
    }
    for (const r of policy.roles) {
      if (!r.metadata.namespace) problems.push(`${key(r)}: no namespace`);
      for (const rule of r.rules ?? []) {
        const p = ruleProblem(rule, true);
        if (p) problems.push(`${key(r)}: ${p}`);
      }
    }
    for (const b of [...policy.clusterRoleBindings, ...policy.roleBindings]) {
      for (const s of b.subjects ?? []) {
        const p = subjectProblem(s);
        if (p) problems.push(`${key(b)}: subject ${s.name}: ${p}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("resolves every binding's roleRef to a role in the set", () => {
    const clusterRoles = new Set(policy.clusterRoles.map((r) => r.metadata.name));
    const roles = new Set(policy.roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`));
    const missing: string[] = [];
    const check = (where: string, namespace: string | undefined, ref: RoleRef): void => {
      if (ref.apiGroup !== 'rbac.authorization.k8s.io')
        missing.push(`${where}: roleRef.apiGroup ${ref.apiGroup}`);
      const found =
        ref.kind === 'ClusterRole' ? clusterRoles.has(ref.name) : roles.has(`${namespace}/${ref.name}`);
      if (!found) missing.push(`${where} → ${ref.kind} ${ref.name}`);
    };
    for (const b of policy.clusterRoleBindings) {
      if (b.roleRef.kind !== 'ClusterRole') missing.push(`${key(b)}: a ClusterRoleBinding refers to a Role`);
      check(key(b), undefined, b.roleRef);
    }
    for (const b of policy.roleBindings) check(key(b), b.metadata.namespace, b.roleRef);
    expect(missing).toEqual([]);
  });

  it('grants `*` verbs on `*` resources of `*` groups only in cluster-admin, bound only to system:masters', () => {
    const total = policy.clusterRoles.flatMap((r) =>
      (r.rules ?? [])
        .filter((x) => x.verbs.includes('*') && x.resources?.includes('*') && x.apiGroups?.includes('*'))
        .map(() => r.metadata.name),
    );
    expect(total).toEqual(['cluster-admin']);
    const roleTotal = policy.roles.filter((r) =>
      (r.rules ?? []).some((x) => x.verbs.includes('*') && x.resources?.includes('*')),
    );
    expect(roleTotal).toEqual([]);
    const bindings = policy.clusterRoleBindings.filter((b) => b.roleRef.name === 'cluster-admin');
    expect(bindings.map((b) => b.subjects)).toEqual([
      [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }],
    ]);
  });

  it('binds each controller role to its kube-system service account, and system:node to nobody', () => {
    for (const sa of CONTROLLER_SERVICE_ACCOUNTS) {
      const b = policy.clusterRoleBindings.find((x) => x.metadata.name === `system:controller:${sa}`);
      expect(b?.roleRef.name, sa).toBe(`system:controller:${sa}`);
      expect(b?.subjects, sa).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'kube-system' }]);
    }
    const node = policy.clusterRoleBindings.find((x) => x.metadata.name === 'system:node');
    expect(node && 'subjects' in node).toBe(false);
  });

  it('aggregates admin ⊇ edit ⊇ view through the aggregate-to labels', () => {
    const byName = new Map(policy.clusterRoles.map((r) => [r.metadata.name, r]));
    const selector = (n: string): Record<string, string> | undefined =>
      byName.get(n)?.aggregationRule?.clusterRoleSelectors?.[0]?.matchLabels;
    expect(selector('admin')).toEqual({ 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
    expect(selector('edit')).toEqual({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });
    expect(selector('view')).toEqual({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
    expect(byName.get('edit')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-admin']).toBe(
      'true',
    );
    expect(byName.get('view')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
    // view reads no Secrets; edit writes them.
    const grants = (role: string, verb: string, resource: string): boolean =>
      (byName.get(role)?.rules ?? []).some((r) => r.verbs.includes(verb) && r.resources?.includes(resource));
    expect(grants('system:aggregate-to-view', 'get', 'secrets')).toBe(false);
    expect(grants('system:aggregate-to-edit', 'update', 'secrets')).toBe(true);
  });

  it('equals upstream for every upstream object kept as test data (rules as sets, subjects, roleRef, metadata)', () => {
    const upstream = loadUpstreamPolicy();
    /** One rule as a canonical string: each list sorted, so order within and across rules is ignored. */
    const canon = (r: PolicyRule): string =>
      JSON.stringify([
        [...r.verbs].sort(),
        [...(r.apiGroups ?? [])].sort(),
        [...(r.resources ?? [])].sort(),
        [...(r.resourceNames ?? [])].sort(),
        [...(r.nonResourceURLs ?? [])].sort(),
      ]);
    const shape = (
      o: KubeObject & { rules?: PolicyRule[] | null; subjects?: Subject[]; roleRef?: RoleRef },
    ) => ({
      labels: o.metadata.labels,
      annotations: o.metadata.annotations,
      rules: o.rules === undefined ? undefined : (o.rules ?? []).map(canon).sort(),
      subjects: o.subjects ?? [],
      roleRef: o.roleRef,
    });
    const ours = new Map(all.map((o) => [key(o), o]));
    const theirs = [
      ...upstream.clusterRoles,
      ...upstream.clusterRoleBindings,
      ...upstream.roles,
      ...upstream.roleBindings,
    ];
    expect(theirs.length).toBeGreaterThan(40);
    for (const u of theirs) {
      const mine = ours.get(key(u));
      expect(mine, key(u)).toBeDefined();
      if (mine) expect(shape(mine), key(u)).toEqual(shape(u));
    }
  });

  it("has a binding for every service account the controller manager's controllers run as", () => {
    const bound = new Set(
      policy.clusterRoleBindings.flatMap((b) =>
        (b.subjects ?? []).filter((s) => s.kind === 'ServiceAccount').map((s) => `${s.namespace}/${s.name}`),
      ),
    );
    for (const sa of Object.values(CONTROLLER_SERVICE_ACCOUNT))
      expect(bound.has(`kube-system/${sa}`), sa).toBe(true);
  });

  it('returns fresh objects on each call', () => {
    const a = bootstrapPolicy();
    a.clusterRoles[0]?.rules?.splice(0);
    expect(bootstrapPolicy()).toEqual(policy);
  });
});
