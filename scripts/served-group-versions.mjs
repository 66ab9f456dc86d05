/**
 * What the OpenAPI generators (gen-list-semantics.mjs, gen-builtin-schemas.mjs) keep from
 * upstream's swagger.json: the group-versions with built-in kinds the server serves with paths
 * (controlplane/apiserver/resources.ts), and the meta kinds that are not resources.
 */
export const GROUP_VERSIONS = new Set([
  'v1',
  'apps/v1',
  'batch/v1',
  'networking.k8s.io/v1',
  'discovery.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
  'policy/v1',
  'scheduling.k8s.io/v1',
  'admissionregistration.k8s.io/v1',
  'apiregistration.k8s.io/v1',
  'coordination.k8s.io/v1',
  'apiextensions.k8s.io/v1',
  'autoscaling/v1',
]);

/** Kinds carried by every group-version that are not served resources. */
export const META_KINDS = [
  'Status',
  'WatchEvent',
  'DeleteOptions',
  'APIResourceList',
  'APIGroup',
  'APIGroupList',
  'APIVersions',
];
