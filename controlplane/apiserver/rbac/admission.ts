/**
 * Escalation checks on writes of the four RBAC kinds, as kube-apiserver's policybased storages
 * run them on create and update: system:masters pass; a Role or ClusterRole passes when the
 * caller may `escalate` it or already holds every rule it grants (an aggregationRule needs full
 * authority); a binding passes when the caller may `bind` its role or holds the role's rules.
 * A refusal is 403 `<resource>.rbac.authorization.k8s.io "<name>" is forbidden: user ... is
 * attempting to grant RBAC permissions not currently held:` and the missing rules.
 */

import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import type { PolicyRule, RoleRef } from '../../../lib/api/rbac-v1.js';
import { RBAC_GROUP } from '../../../lib/api/rbac-v1.js';
import type { Authorizer, UserInfo } from '../auth.js';
import { ApiError } from '../status.js';
import { isRoleNotFound, roleRefRules } from './authorizer.js';
import { escalationMessage, FULL_AUTHORITY } from './escalation.js';

const KINDS: Readonly<Record<string, string>> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};

/** What the check needs to know about the request. */
export interface RbacWrite {
  readonly authorizer: Authorizer;
  readonly user: UserInfo;
  readonly kind: string;
  /** The name on the URL ('' for a create: `escalate` is then checked without a name, as there). */
  readonly requestName: string;
  /** The request's namespace ('' for the cluster-scoped kinds). */
  readonly namespace: string;
}

/** The admission hook for a write of an RBAC kind, or undefined for any other kind. */
export function rbacAdmission(
  w: RbacWrite,
): ((next: JsonObject, current: JsonObject | undefined) => Promise<void>) | undefined {
  const resource = KINDS[w.kind];
  if (resource === undefined) return undefined;
  return async (next, current) => {
    if (w.user.groups.includes('system:masters')) return;
    if (current !== undefined && onlyGcFieldsChanged(next, current)) return;
    const name =
      isJsonObject(next.metadata) && typeof next.metadata.name === 'string' ? next.metadata.name : '';
    const namespace = w.namespace;
    const forbid = (message: string) =>
      new ApiError(403, 'Forbidden', `${resource}.${RBAC_GROUP} "${name}" is forbidden: ${message}`, {
        name,
        group: RBAC_GROUP,
        kind: resource,
      });
    const confirm = (wanted: readonly PolicyRule[]): string | undefined => {
      const held = w.authorizer.rbacRules(w.user, namespace);
      return escalationMessage(w.user, held.rules, wanted, held.errors);
    };
    if (w.kind === 'Role' || w.kind === 'ClusterRole') {
      const escalate = await w.authorizer.authorize(w.user, {
        kind: 'resource',
        verb: 'escalate',
        group: RBAC_GROUP,
        resource,
        subresource: '',
        namespace,
        name: w.requestName,
      });
      if (escalate.allowed) return;
      const selectors = isJsonObject(next.aggregationRule)
        ? next.aggregationRule.clusterRoleSelectors
        : undefined;
      if (w.kind === 'ClusterRole' && Array.isArray(selectors) && selectors.length > 0) {
        const missing = confirm(FULL_AUTHORITY);
        if (missing !== undefined)
          throw forbid(`must have cluster-admin privileges to use an aggregationRule: ${missing}`);
      }
      const missing = confirm(Array.isArray(next.rules) ? (next.rules as unknown as PolicyRule[]) : []);
      if (missing !== undefined) throw forbid(missing);
      return;
    }
    const ref = (isJsonObject(next.roleRef) ? next.roleRef : {}) as unknown as RoleRef;
    const bind = await w.authorizer.authorize(w.user, {
      kind: 'resource',
      verb: 'bind',
      group: RBAC_GROUP,
      resource: ref.kind === 'Role' ? 'roles' : 'clusterroles',
      subresource: '',
      namespace,
      name: ref.name,
    });
    if (bind.allowed) return;
    let rules: readonly PolicyRule[];
    try {
      rules = roleRefRules(w.authorizer.policy, ref, namespace);
    } catch (err) {
      if (!isRoleNotFound(err)) throw err;
      const plural = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      throw new ApiError(404, 'NotFound', `${plural}.${RBAC_GROUP} "${ref.name}" not found`, {
        name: ref.name,
        group: RBAC_GROUP,
        kind: plural,
      });
    }
    const missing = confirm(rules);
    if (missing !== undefined) throw forbid(missing);
  };
}

/** Only finalizers or ownerReferences changed: the garbage collector's edits need no authority. */
function onlyGcFieldsChanged(next: JsonObject, current: JsonObject): boolean {
  const strip = (o: JsonObject): string => {
    const meta = isJsonObject(o.metadata) ? { ...o.metadata } : {};
    for (const f of ['finalizers', 'ownerReferences', 'resourceVersion', 'managedFields', 'generation'])
      delete meta[f];
    return JSON.stringify({ ...o, metadata: meta });
  };
  return strip(next) === strip(current);
}
