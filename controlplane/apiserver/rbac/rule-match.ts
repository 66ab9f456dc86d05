/**
 * RBAC rule and subject matching, pure (k8s.io/kubernetes pkg/apis/rbac/v1 evaluation_helpers.go
 * semantics): which PolicyRule allows which request, and which binding subject stands for which
 * user. No I/O; the authorizer and the escalation check are built on these.
 */
import type { PolicyRule, Subject } from '../../../lib/api/rbac-v1.js';

/** A caller as authorization sees it. */
export interface Identity {
  readonly name: string;
  readonly groups: readonly string[];
}

/** A resource request's attributes (apiserver authorizer.Attributes, resource form). */
export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  /** The raw field selector of a list or watch. */
  readonly fieldSelector?: string;
}

/** A non-resource request (`GET /healthz`): verb is the lower-case HTTP method. */
export interface NonResourceAttributes {
  readonly verb: string;
  readonly path: string;
}

/** Either kind of request. */
export type Attributes =
  | ({ readonly kind: 'resource' } & ResourceAttributes)
  | ({ readonly kind: 'nonResource' } & NonResourceAttributes);

const has = (list: readonly string[] | undefined, v: string): boolean => list?.includes(v) ?? false;

/** `verbs` holds the verb or `*`. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, '*') || has(rule.verbs, verb);
}

/** `apiGroups` holds the group or `*`. */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, '*') || has(rule.apiGroups, group);
}

/**
 * `*` matches every resource and subresource; otherwise `res` or `res/sub` exactly, and
 * `*\/sub` matches that subresource of any resource (`pods/*` is a literal, not a wildcard).
 */
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource !== '' && r === `*/${subresource}`) return true;
  }
  return false;
}

/** No resourceNames means any name; otherwise the request must name one of them. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** `*`, the same path, or a rule ending in `*` that the path starts with (before the `*`). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Whether one rule allows one request. */
export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (a.kind === 'nonResource') return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path);
  return (
    verbMatches(rule, a.verb) &&
    apiGroupMatches(rule, a.group) &&
    resourceMatches(rule, a.resource, a.subresource) &&
    resourceNameMatches(rule, a.name)
  );
}

/** The user name of a service account: `system:serviceaccount:<ns>:<name>`. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * Whether a binding subject stands for `user`. A ServiceAccount without a namespace takes the
 * RoleBinding's (`bindingNamespace`); in a ClusterRoleBinding (bindingNamespace '') it matches
 * nobody.
 */
export function subjectMatches(subject: Subject, user: Identity, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === serviceAccountUser(ns, subject.name);
    }
    default:
      return false;
  }
}
