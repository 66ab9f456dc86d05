/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and ClusterRoleBinding: the JSON
 * wire shapes (k8s.io/api/rbac/v1).
 */
import type { KubeObject, LabelSelector } from './meta.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** One grant: verbs on resources of API groups (optionally by name), or on non-resource URLs. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Who a binding grants to. User and Group carry `apiGroup: rbac.authorization.k8s.io`. */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** The role a binding refers to. */
export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

/** Namespaced rules. */
export interface Role extends KubeObject {
  rules?: PolicyRule[];
}

/** ClusterRoles whose labels match one of the selectors are folded into this role's rules. */
export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

/** Cluster-wide rules; with an aggregationRule its rules are kept up to date by a controller. */
export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[];
  aggregationRule?: AggregationRule;
}

/** Grants a Role (or a ClusterRole, in this namespace only) to subjects. */
export interface RoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** Grants a ClusterRole to subjects cluster-wide. */
export interface ClusterRoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}
