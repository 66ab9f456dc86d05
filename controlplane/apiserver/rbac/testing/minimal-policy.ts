/**
 * A minimal stand-in for the bootstrap policy, for this folder's tests only: the three
 * ClusterRoles every authenticated user holds in Kubernetes (system:discovery,
 * system:basic-user, system:public-info-viewer) and their bindings. The real policy is
 * ../bootstrap-policy.ts; tests that need it use it.
 */
import type { ClusterRole, ClusterRoleBinding } from '../../../../lib/api/rbac-v1.js';
import type { BootstrapPolicy } from '../bootstrap-policy.js';

const G = 'rbac.authorization.k8s.io';
const LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const ANNOTATIONS = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

function role(name: string, rules: NonNullable<ClusterRole['rules']>): ClusterRole {
  return {
    apiVersion: `${G}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: LABELS, annotations: ANNOTATIONS },
    rules,
  };
}

function binding(name: string, groups: readonly string[]): ClusterRoleBinding {
  return {
    apiVersion: `${G}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: LABELS, annotations: ANNOTATIONS },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name },
    subjects: groups.map((g) => ({ kind: 'Group', apiGroup: G, name: g })),
  };
}

/** The placeholder policy. */
export function minimalPolicy(): BootstrapPolicy {
  return {
    clusterRoles: [
      role('system:discovery', [
        {
          verbs: ['get'],
          nonResourceURLs: [
            '/api',
            '/api/*',
            '/apis',
            '/apis/*',
            '/healthz',
            '/livez',
            '/openapi',
            '/openapi/*',
            '/readyz',
            '/version',
            '/version/',
          ],
        },
      ]),
      role('system:basic-user', [
        {
          verbs: ['create'],
          apiGroups: ['authorization.k8s.io'],
          resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        },
        { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      ]),
      role('system:public-info-viewer', [
        { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] },
      ]),
    ],
    clusterRoleBindings: [
      binding('system:discovery', ['system:authenticated']),
      binding('system:basic-user', ['system:authenticated']),
      binding('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    ],
    roles: [],
    roleBindings: [],
  };
}
