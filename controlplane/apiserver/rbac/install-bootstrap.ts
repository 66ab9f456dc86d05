/**
 * Installs the bootstrap policy at every API server start, as kube-apiserver's
 * `rbac/bootstrap-roles` post-start hook (pkg/registry/rbac/rest/storage_rbac.go with
 * component-helpers/auth/rbac/reconciliation): missing objects are created; existing ones only
 * gain what they lack (rules, aggregation selectors, subjects, labels, annotations), never lose
 * anything; a changed roleRef is deleted and re-created; an object annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone.
 */

import { isAlreadyExists, isNotFound } from '../../../lib/api/errors.js';
import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import type { KubeObject } from '../../../lib/api/meta.js';
import { aggregateAll } from '../../../lib/api/rbac-aggregation.js';
import type { PolicyRule, Subject } from '../../../lib/api/rbac-v1.js';
import type { ResourceInfo, ResourceRegistry } from '../resources.js';
import type { RestStorage } from '../rest.js';
import { AUTOUPDATE_ANNOTATION, type BootstrapPolicy } from './bootstrap-policy.js';
import { uncovered } from './escalation.js';

/** What the install did, per object (`clusterroles/admin`), for logs and tests. */
export interface InstallReport {
  readonly created: string[];
  readonly updated: string[];
  readonly recreated: string[];
  readonly skipped: string[];
}

type Obj = JsonObject;

function meta(o: Obj): JsonObject {
  return isJsonObject(o.metadata) ? o.metadata : {};
}

function stringMap(v: unknown): Record<string, string> {
  return isJsonObject(v) ? (v as Record<string, string>) : {};
}

/** Existing keys win, expected ones are added (reconciliation's merge of labels/annotations). */
function mergeMaps(expected: unknown, existing: unknown): Record<string, string> | undefined {
  const out = { ...stringMap(expected), ...stringMap(existing) };
  return Object.keys(out).length > 0 ? out : undefined;
}

function rulesOf(o: Obj): PolicyRule[] {
  return Array.isArray(o.rules) ? (o.rules as unknown as PolicyRule[]) : [];
}

function sameSubject(a: Subject, b: Subject): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    (a.namespace ?? '') === (b.namespace ?? '') &&
    (a.apiGroup ?? '') === (b.apiGroup ?? '')
  );
}

/** The reconciled role, or undefined when nothing is missing. */
function reconcileRole(expected: Obj, existing: Obj): Obj | undefined {
  const next = structuredClone(existing);
  let changed = false;
  const labels = mergeMaps(meta(expected).labels, meta(existing).labels);
  const annotations = mergeMaps(meta(expected).annotations, meta(existing).annotations);
  if (JSON.stringify(labels) !== JSON.stringify(meta(existing).labels)) changed = true;
  if (JSON.stringify(annotations) !== JSON.stringify(meta(existing).annotations)) changed = true;
  if (labels) meta(next).labels = labels;
  if (annotations) meta(next).annotations = annotations;
  const missing = uncovered(rulesOf(existing), rulesOf(expected));
  if (missing.length > 0) {
    next.rules = [...rulesOf(existing), ...missing] as unknown as JsonObject[];
    changed = true;
  }
  const want = isJsonObject(expected.aggregationRule)
    ? expected.aggregationRule.clusterRoleSelectors
    : undefined;
  if (Array.isArray(want) && want.length > 0) {
    const have =
      isJsonObject(existing.aggregationRule) && Array.isArray(existing.aggregationRule.clusterRoleSelectors)
        ? existing.aggregationRule.clusterRoleSelectors
        : [];
    const add = want.filter((w) => !have.some((h) => JSON.stringify(h) === JSON.stringify(w)));
    if (add.length > 0 || !isJsonObject(existing.aggregationRule)) {
      next.aggregationRule = { clusterRoleSelectors: [...have, ...add] };
      changed = true;
    }
  }
  return changed ? next : undefined;
}

/** The reconciled binding; `recreate` when its roleRef changed (it is immutable). */
function reconcileBinding(expected: Obj, existing: Obj): { next: Obj; recreate: boolean } | undefined {
  if (JSON.stringify(expected.roleRef) !== JSON.stringify(existing.roleRef)) {
    return { next: expected, recreate: true };
  }
  const next = structuredClone(existing);
  let changed = false;
  const labels = mergeMaps(meta(expected).labels, meta(existing).labels);
  const annotations = mergeMaps(meta(expected).annotations, meta(existing).annotations);
  if (JSON.stringify(labels) !== JSON.stringify(meta(existing).labels)) changed = true;
  if (JSON.stringify(annotations) !== JSON.stringify(meta(existing).annotations)) changed = true;
  if (labels) meta(next).labels = labels;
  if (annotations) meta(next).annotations = annotations;
  const have = (Array.isArray(existing.subjects) ? existing.subjects : []) as unknown as Subject[];
  const want = (Array.isArray(expected.subjects) ? expected.subjects : []) as unknown as Subject[];
  const add = want.filter((w) => !have.some((h) => sameSubject(h, w)));
  if (add.length > 0) {
    next.subjects = [...have, ...add] as unknown as JsonObject[];
    changed = true;
  }
  return changed ? { next, recreate: false } : undefined;
}

/** Reconciliation creates the namespace of a namespaced object when it is missing. */
async function ensureNamespace(rest: RestStorage, namespaces: ResourceInfo, name: string): Promise<void> {
  try {
    await rest.get(namespaces, undefined, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await rest.create(namespaces, undefined, { metadata: { name } }).catch((e: unknown) => {
      if (!isAlreadyExists(e)) throw e;
    });
  }
}

async function ensureOne(
  rest: RestStorage,
  namespaces: ResourceInfo,
  info: ResourceInfo,
  object: KubeObject,
  report: InstallReport,
): Promise<void> {
  const expected = structuredClone(object) as unknown as Obj;
  const ns = info.namespaced ? object.metadata.namespace : undefined;
  const name = object.metadata.name ?? '';
  const id = `${info.plural}/${ns ? `${ns}/` : ''}${name}`;
  let existing: Obj | undefined;
  try {
    existing = await rest.get(info, ns, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (existing === undefined) {
    if (ns !== undefined) await ensureNamespace(rest, namespaces, ns);
    await rest.create(info, ns, structuredClone(expected));
    report.created.push(id);
    return;
  }
  if (stringMap(meta(existing).annotations)[AUTOUPDATE_ANNOTATION] === 'false') {
    report.skipped.push(id);
    return;
  }
  if (info.kind === 'Role' || info.kind === 'ClusterRole') {
    const next = reconcileRole(expected, existing);
    if (!next) return;
    await rest.update(info, ns, name, next);
    report.updated.push(id);
    return;
  }
  const r = reconcileBinding(expected, existing);
  if (!r) return;
  if (r.recreate) {
    await rest.delete(info, ns, name);
    await rest.create(info, ns, structuredClone(r.next));
    report.recreated.push(id);
    return;
  }
  await rest.update(info, ns, name, r.next);
  report.updated.push(id);
}

/** Creates or reconciles every object of `policy` (roles before the bindings that name them). */
export async function installBootstrapPolicy(options: {
  readonly rest: RestStorage;
  readonly resources: ResourceRegistry;
  readonly policy: BootstrapPolicy;
}): Promise<InstallReport> {
  const report: InstallReport = { created: [], updated: [], recreated: [], skipped: [] };
  const info = (plural: string): ResourceInfo => {
    const i = options.resources.lookup('rbac.authorization.k8s.io', 'v1', plural);
    if (!i) throw new Error(`rbac.authorization.k8s.io/v1 ${plural} is not served`);
    return i;
  };
  const namespaces = options.resources.lookup('', 'v1', 'namespaces');
  if (!namespaces) throw new Error('v1 namespaces is not served');
  // The aggregated roles (admin, edit, view) start with what the aggregation controller would
  // give them, so an API server alone already grants them; the controller keeps them current.
  const seeded = aggregateAll(options.policy.clusterRoles);
  const clusterRoles = options.policy.clusterRoles.map((r) => {
    const rules = seeded.get(r.metadata.name ?? '');
    return rules ? { ...r, rules } : r;
  });
  const steps: [string, readonly KubeObject[]][] = [
    ['clusterroles', clusterRoles],
    ['clusterrolebindings', options.policy.clusterRoleBindings],
    ['roles', options.policy.roles],
    ['rolebindings', options.policy.roleBindings],
  ];
  for (const [plural, objects] of steps) {
    for (const o of objects) await ensureOne(options.rest, namespaces, info(plural), o, report);
  }
  return report;
}
