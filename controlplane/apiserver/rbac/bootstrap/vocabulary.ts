/**
 * The vocabulary of the bootstrap policy: the labels and annotation every bootstrap object
 * carries, API group and verb names, and builders for rules, roles, subjects and bindings that
 * sort and shape them as upstream's bootstrappolicy rule builder emits them.
 */
import type { ObjectMeta } from '../../../../lib/api/meta.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from '../../../../lib/api/rbac-v1.js';
import { RBAC_GROUP } from '../../../../lib/api/rbac-v1.js';

/** Label on every bootstrap object (bootstrappolicy.addClusterRoleLabel and friends). */
export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
/** Value of the bootstrapping label. */
export const BOOTSTRAPPING_VALUE = 'rbac-defaults';
/** Annotation: "true" lets the installer reconcile the object at each start; "false" opts out. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

/** Labels that fold a ClusterRole's rules into admin, edit or view. */
export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

/** The namespace our ingress and LB components run in. */
export const SWITCHYARD_SYSTEM_NAMESPACE = 'switchyard-system';

// ---- rule builders ---------------------------------------------------------------------------

export const CORE = '';
export const APPS = 'apps';
export const EXTENSIONS = 'extensions';
export const BATCH = 'batch';
export const AUTOSCALING = 'autoscaling';
export const POLICY = 'policy';
export const NETWORKING = 'networking.k8s.io';
export const DISCOVERY = 'discovery.k8s.io';
export const COORDINATION = 'coordination.k8s.io';
export const STORAGE = 'storage.k8s.io';
export const CERTIFICATES = 'certificates.k8s.io';
export const AUTHENTICATION = 'authentication.k8s.io';
export const AUTHORIZATION = 'authorization.k8s.io';
export const EVENTS = 'events.k8s.io';

export const READ = ['get', 'list', 'watch'];
export const LIST_WATCH = ['list', 'watch'];
/** policy.go `Write`: the mutating verbs edit grants. */
export const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
export const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const READ_UPDATE = ['get', 'list', 'patch', 'update', 'watch'];

/** A resource rule; verbs, groups and resources sorted as upstream's rule builder emits them. */
export function rule(
  verbs: readonly string[],
  groups: readonly string[],
  resources: readonly string[],
  resourceNames?: readonly string[],
): PolicyRule {
  return {
    apiGroups: [...groups].sort(),
    resources: [...resources].sort(),
    ...(resourceNames ? { resourceNames: [...resourceNames].sort() } : {}),
    verbs: [...verbs].sort(),
  };
}

/** A non-resource URL rule. */
export function urls(verbs: readonly string[], paths: readonly string[]): PolicyRule {
  return { nonResourceURLs: [...paths].sort(), verbs: [...verbs].sort() };
}

/** policy.go `eventsRule()`: write Events through either API group. */
export const eventsRule = (): PolicyRule => rule(['create', 'patch', 'update'], [CORE, EVENTS], ['events']);

// ---- object builders -------------------------------------------------------------------------

function meta(name: string, labels: Record<string, string> = {}, namespace?: string): ObjectMeta {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE, ...labels },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

export function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: meta(name, labels),
    rules,
  };
}

/** A ClusterRole whose rules the aggregation controller fills from roles labelled `selector`. */
export function aggregatedRole(name: string, selector: string, labels?: Record<string, string>): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: meta(name, labels),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [selector]: 'true' } }] },
    rules: [],
  };
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: meta(name, {}, namespace), rules };
}

export const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
export const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
export const serviceAccount = (namespace: string, name: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  namespace,
});

export const roleRef = (kind: RoleRef['kind'], name: string): RoleRef => ({
  apiGroup: RBAC_GROUP,
  kind,
  name,
});

/** A ClusterRoleBinding; no subjects gives a binding without `subjects`, as upstream's system:node. */
export function clusterBinding(name: string, subjects: Subject[], roleName = name): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: roleRef('ClusterRole', roleName),
    ...(subjects.length > 0 ? { subjects } : {}),
  };
}

export function roleBinding(namespace: string, name: string, ref: RoleRef, subjects: Subject[]): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: meta(name, {}, namespace),
    roleRef: ref,
    subjects,
  };
}
