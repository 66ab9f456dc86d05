/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go semantics): deny by default and
 * additive — it allows or has no opinion, never denies. ClusterRoleBindings are visited first,
 * then the RoleBindings of the request's namespace; the first rule that allows ends the walk.
 * A binding whose role is missing grants nothing and its error becomes part of the reason.
 */
import type { PolicyRule, RoleRef, Subject } from '../../../lib/api/rbac-v1.js';
import type { PolicySource } from './policy-cache.js';
import { type Attributes, type Identity, ruleAllows, subjectMatches } from './rule-match.js';

/** The authorizer's answer: `allowed`, or no opinion with an optional reason. */
export interface RbacDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

/** A role that a binding refers to and that does not exist (the lister's NotFound). */
export class RoleNotFoundError extends Error {
  readonly code = 'SY_ERR_NOT_FOUND';
  readonly roleRef: RoleRef;
  readonly namespace: string;
  constructor(roleRef: RoleRef, namespace: string) {
    // Generated listers name the resource in the singular (`clusterrole.rbac.authorization.k8s.io`).
    super(`${roleRef.kind.toLowerCase()}.rbac.authorization.k8s.io "${roleRef.name}" not found`);
    this.roleRef = roleRef;
    this.namespace = namespace;
  }
}

/** Whether `err` is a RoleNotFoundError. */
export function isRoleNotFound(err: unknown): err is RoleNotFoundError {
  return err instanceof RoleNotFoundError;
}

/** The rules a roleRef points at; throws RoleNotFoundError when the role is missing. */
export function roleRefRules(policy: PolicySource, ref: RoleRef, namespace: string): readonly PolicyRule[] {
  if (ref.kind === 'ClusterRole') {
    const r = policy.clusterRole(ref.name);
    if (!r) throw new RoleNotFoundError(ref, namespace);
    return r.rules ?? [];
  }
  if (ref.kind === 'Role' && namespace !== '') {
    const r = policy.role(namespace, ref.name);
    if (!r) throw new RoleNotFoundError(ref, namespace);
    return r.rules ?? [];
  }
  throw new RoleNotFoundError(ref, namespace);
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

interface Visit {
  readonly rules: readonly PolicyRule[];
  /** `ClusterRoleBinding "b" of ClusterRole "r" to Group "g"` (rbac.go's describers). */
  readonly source: () => string;
}

/**
 * Walks the rules that apply to `user` in `namespace` ('' = cluster-wide only), in the
 * authorizer's order. `visit` returns false to stop. Errors (missing roles) go to `onError`.
 */
export function visitRules(
  policy: PolicySource,
  user: Identity,
  namespace: string,
  visit: (v: Visit) => boolean,
  onError: (err: RoleNotFoundError) => void,
): void {
  for (const b of policy.clusterRoleBindings()) {
    const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, ''));
    if (!subject) continue;
    let rules: readonly PolicyRule[];
    try {
      rules = roleRefRules(policy, b.roleRef, '');
    } catch (err) {
      if (isRoleNotFound(err)) onError(err);
      continue;
    }
    const source = () =>
      `ClusterRoleBinding "${b.metadata.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, '')}`;
    if (!visit({ rules, source })) return;
  }
  if (namespace === '') return;
  for (const b of policy.roleBindings(namespace)) {
    const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, namespace));
    if (!subject) continue;
    let rules: readonly PolicyRule[];
    try {
      rules = roleRefRules(policy, b.roleRef, namespace);
    } catch (err) {
      if (isRoleNotFound(err)) onError(err);
      continue;
    }
    const source = () =>
      `RoleBinding "${b.metadata.name}/${namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, namespace)}`;
    if (!visit({ rules, source })) return;
  }
}

/** Decides one request from the RBAC objects in `policy`. */
export function rbacAuthorize(policy: PolicySource, user: Identity, attrs: Attributes): RbacDecision {
  let allowedBy: string | undefined;
  const errors: string[] = [];
  // Non-resource URLs are granted only through ClusterRoleBindings.
  const namespace = attrs.kind === 'resource' ? attrs.namespace : '';
  visitRules(
    policy,
    user,
    namespace,
    (v) => {
      if (!v.rules.some((r) => ruleAllows(r, attrs))) return true;
      allowedBy = v.source();
      return false;
    },
    (err) => errors.push(err.message),
  );
  if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '' };
}

/** apimachinery's NewAggregate formatting: one error bare, several as `[a, b]`. */
function aggregate(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
}

/** Every rule that applies to `user` in `namespace` (RulesFor), plus the resolution errors. */
export function rbacRulesFor(
  policy: PolicySource,
  user: Identity,
  namespace: string,
): { readonly rules: PolicyRule[]; readonly errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRules(
    policy,
    user,
    namespace,
    (v) => {
      rules.push(...v.rules);
      return true;
    },
    (err) => errors.push(err.message),
  );
  return { rules, errors };
}
