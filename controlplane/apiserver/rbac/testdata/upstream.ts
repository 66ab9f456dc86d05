/**
 * Loads the upstream bootstrap-policy subset kept beside this file (each YAML names its
 * repository, path and commit) for the tests that compare against Kubernetes: the bootstrap
 * policy's own test and the authorization matrix.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../../lib/api/rbac-v1.js';

/** The upstream objects, by kind. */
export interface UpstreamPolicy {
  readonly clusterRoles: readonly ClusterRole[];
  readonly clusterRoleBindings: readonly ClusterRoleBinding[];
  readonly roles: readonly Role[];
  readonly roleBindings: readonly RoleBinding[];
}

const FILES = [
  'upstream-cluster-roles.yaml',
  'upstream-cluster-role-bindings.yaml',
  'upstream-controller-roles.yaml',
  'upstream-namespace-roles.yaml',
];

interface ListDoc {
  readonly kind: string;
  readonly items: readonly { readonly kind: string }[];
}

/** Every item of every upstream file, sorted into kinds. */
export function loadUpstreamPolicy(): UpstreamPolicy {
  const items = FILES.flatMap((f) => {
    const doc = parse(readFileSync(new URL(f, import.meta.url), 'utf8')) as ListDoc;
    if (doc.kind !== 'List') throw new Error(`${f}: expected a v1 List, got kind ${doc.kind}`);
    return doc.items;
  });
  const ofKind = <T>(kind: string): T[] => items.filter((i) => i.kind === kind) as unknown as T[];
  return {
    clusterRoles: ofKind<ClusterRole>('ClusterRole'),
    clusterRoleBindings: ofKind<ClusterRoleBinding>('ClusterRoleBinding'),
    roles: ofKind<Role>('Role'),
    roleBindings: ofKind<RoleBinding>('RoleBinding'),
  };
}
