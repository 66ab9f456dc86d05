/**
 * Defaults and validation of the four RBAC kinds (pkg/apis/rbac/v1/defaults.go and
 * pkg/apis/rbac/validation/validation.go): field-named errors in Kubernetes' wording, roleRef
 * immutable on update.
 */

import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import { RBAC_GROUP } from '../../../lib/api/rbac-v1.js';
import {
  asArray,
  asRecord,
  asString,
  dns1123SubdomainProblem,
  type FieldError,
  invalidValue,
  notSupported,
  required,
} from '../../../lib/api/validation/index.js';

/** Go's `%#v` of a []string, as field.Invalid prints slices: `[]string{"/a", "/b"}`. */
function goStrings(list: readonly unknown[]): string {
  return `[]string{${list.map((s) => JSON.stringify(String(s))).join(', ')}}`;
}

function invalidRaw(field: string, shown: string, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` };
}

/** Subjects: User/Group get the RBAC group, ServiceAccount none; roleRef.apiGroup the RBAC group. */
export function defaultBinding(o: JsonObject): void {
  if (isJsonObject(o.roleRef) && (o.roleRef.apiGroup === undefined || o.roleRef.apiGroup === ''))
    o.roleRef.apiGroup = RBAC_GROUP;
  for (const s of Array.isArray(o.subjects) ? o.subjects : []) {
    if (!isJsonObject(s) || (s.apiGroup !== undefined && s.apiGroup !== '')) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    // An empty apiGroup is omitted on the wire (omitempty).
    else delete s.apiGroup;
  }
}

function validateRule(rule: unknown, at: string, namespaced: boolean): FieldError[] {
  const r = asRecord(rule) ?? {};
  const errs: FieldError[] = [];
  const verbs = asArray(r.verbs) ?? [];
  if (verbs.length === 0) errs.push(required(`${at}.verbs`, 'verbs must contain at least one value'));
  const urls = asArray(r.nonResourceURLs) ?? [];
  const groups = asArray(r.apiGroups) ?? [];
  const resources = asArray(r.resources) ?? [];
  if (urls.length > 0) {
    if (namespaced) {
      errs.push(
        invalidRaw(
          `${at}.nonResourceURLs`,
          goStrings(urls),
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    }
    if (groups.length > 0 || resources.length > 0) {
      errs.push(
        invalidRaw(
          `${at}.nonResourceURLs`,
          goStrings(urls),
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if (groups.length === 0)
    errs.push(required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0)
    errs.push(required(`${at}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(o: Record<string, unknown>, namespaced: boolean): FieldError[] {
  return (asArray(o.rules) ?? []).flatMap((r, i) => validateRule(r, `rules[${i}]`, namespaced));
}

/** apimachinery path.IsValidPathSegmentName, the rule for RBAC object and role names. */
function pathSegmentProblems(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  if (name.includes('/')) out.push("may not contain '/'");
  if (name.includes('%')) out.push("may not contain '%'");
  return out;
}

function validateSubject(subject: unknown, at: string, namespaced: boolean): FieldError[] {
  const s = asRecord(subject) ?? {};
  const errs: FieldError[] = [];
  const name = asString(s.name) ?? '';
  if (name === '') errs.push(required(`${at}.name`));
  const apiGroup = asString(s.apiGroup) ?? '';
  switch (s.kind) {
    case 'ServiceAccount': {
      const p = name === '' ? undefined : dns1123SubdomainProblem(name);
      if (p) errs.push(invalidValue(`${at}.name`, name, p));
      if (apiGroup !== '') errs.push(notSupported(`${at}.apiGroup`, apiGroup, ['']));
      if (!namespaced && (asString(s.namespace) ?? '') === '') errs.push(required(`${at}.namespace`));
      break;
    }
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${at}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${at}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(o: Record<string, unknown>, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = asRecord(o.roleRef) ?? {};
  const apiGroup = asString(ref.apiGroup) ?? '';
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref.kind ?? ''))) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = asString(ref.name) ?? '';
  if (name === '') errs.push(required('roleRef.name'));
  else for (const p of pathSegmentProblems(name)) errs.push(invalidValue('roleRef.name', name, p));
  (asArray(o.subjects) ?? []).forEach((s, i) => {
    errs.push(...validateSubject(s, `subjects[${i}]`, namespaced));
  });
  return errs;
}

function validateAggregationRule(o: Record<string, unknown>): FieldError[] {
  if (o.aggregationRule === undefined || o.aggregationRule === null) return [];
  const selectors = asArray(asRecord(o.aggregationRule)?.clusterRoleSelectors) ?? [];
  if (selectors.length === 0) {
    return [
      required(
        'aggregationRule.clusterRoleSelectors',
        'at least one clusterRoleSelector required if aggregationRule is non-nil',
      ),
    ];
  }
  const errs: FieldError[] = [];
  selectors.forEach((sel, i) => {
    const exprs = asArray(asRecord(sel)?.matchExpressions) ?? [];
    exprs.forEach((e, j) => {
      const op = asRecord(e)?.operator;
      const ops = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
      if (!ops.includes(String(op))) {
        errs.push(
          notSupported(
            `aggregationRule.clusterRoleSelectors[${i}].matchExpressions[${j}].operator`,
            op ?? '',
            ops,
          ),
        );
      }
    });
  });
  return errs;
}

/** Validates an RBAC object of `kind` (the kinds' own rules; metadata is checked generically). */
export function validateRbacObject(kind: string, o: JsonObject): FieldError[] {
  switch (kind) {
    case 'Role':
      return validateRules(o, true);
    case 'ClusterRole':
      return [...validateAggregationRule(o), ...validateRules(o, false)];
    case 'RoleBinding':
      return validateBinding(o, true);
    case 'ClusterRoleBinding':
      return validateBinding(o, false);
    default:
      return [];
  }
}

function goRoleRef(ref: Record<string, unknown>): string {
  const s = (k: string) => JSON.stringify(asString(ref[k]) ?? '');
  return `rbac.RoleRef{APIGroup:${s('apiGroup')}, Kind:${s('kind')}, Name:${s('name')}}`;
}

/** Update rules: a binding's roleRef never changes (delete and re-create instead). */
export function validateRbacUpdate(kind: string, next: JsonObject, current: JsonObject): FieldError[] {
  if (kind !== 'RoleBinding' && kind !== 'ClusterRoleBinding') return [];
  const a = asRecord(next.roleRef) ?? {};
  const b = asRecord(current.roleRef) ?? {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  return [invalidRaw('roleRef', goRoleRef(a), 'cannot change roleRef')];
}
