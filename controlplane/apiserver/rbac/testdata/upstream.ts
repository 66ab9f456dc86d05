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

/** Kubernetes' own bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy). */
const KUBERNETES_FILES = [
  'upstream-cluster-roles.yaml',
  'upstream-cluster-role-bindings.yaml',
  'upstream-controller-roles.yaml',
  'upstream-namespace-roles.yaml',
];
/** The RBAC of add-ons whose roles our components take over (CoreDNS's deployment). */
const ADDON_FILES = ['upstream-coredns.yaml'];

interface ListDoc {
  readonly kind: string;
  readonly items: readonly { readonly kind: string }[];
}

/**
 * Every item of the upstream files, sorted into kinds: Kubernetes' bootstrap policy, and with
 * `addons` also the add-ons' RBAC (as a cluster that runs them has it).
 */
export function loadUpstreamPolicy(options: { readonly addons?: boolean } = {}): UpstreamPolicy {
  const files = options.addons ? [...KUBERNETES_FILES, ...ADDON_FILES] : KUBERNETES_FILES;
  const items = files.flatMap((f) => {
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
