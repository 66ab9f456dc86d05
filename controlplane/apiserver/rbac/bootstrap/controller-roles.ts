/**
 * controller_policy.go: a `system:controller:<name>` ClusterRole for each controller the
 * controller manager runs, bound to the service account `kube-system/<name>` it runs as.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from '../../../../lib/api/rbac-v1.js';
import { RBAC_GROUP } from '../../../../lib/api/rbac-v1.js';
import {
  APPS,
  BATCH,
  CORE,
  clusterBinding,
  clusterRole,
  DISCOVERY,
  EXTENSIONS,
  eventsRule,
  LIST_WATCH,
  POLICY,
  READ,
  rule,
  serviceAccount,
} from './vocabulary.js';

/**
 * The service account (in kube-system) each controller of the manager runs as, with its
 * `system:controller:<name>` ClusterRole (upstream's names: node IPAM and node lifecycle share
 * `node-controller`, as in kube-controller-manager). The controller manager keeps its own copy
 * of the names it uses; a test checks the two agree.
 */
export const CONTROLLER_SERVICE_ACCOUNTS = [
  'clusterrole-aggregation-controller',
  'cronjob-controller',
  'daemon-set-controller',
  'deployment-controller',
  'disruption-controller',
  'endpointslice-controller',
  'generic-garbage-collector',
  'job-controller',
  'namespace-controller',
  'node-controller',
  'replicaset-controller',
  'root-ca-cert-publisher',
  'service-account-controller',
  'ttl-after-finished-controller',
] as const;

/** Our own controller loops without an upstream controller role (`switchyard:controller:<name>`). */
export const SWITCHYARD_CONTROLLER_SERVICE_ACCOUNTS = ['service-repair'] as const;

function controllerRoleRules(): Record<(typeof CONTROLLER_SERVICE_ACCOUNTS)[number], PolicyRule[]> {
  return {
    'clusterrole-aggregation-controller': [
      // escalate: it writes rules it does not itself hold.
      rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [RBAC_GROUP], ['clusterroles']),
    ],
    'cronjob-controller': [
      rule(['get', 'list', 'watch', 'update'], [BATCH], ['cronjobs']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], [BATCH], ['jobs']),
      rule(['update'], [BATCH], ['cronjobs/status']),
      rule(['update'], [BATCH], ['cronjobs/finalizers']),
      rule(['list', 'watch', 'delete'], [CORE], ['pods']),
      eventsRule(),
    ],
    'daemon-set-controller': [
      rule(READ, [EXTENSIONS, APPS], ['daemonsets']),
      rule(['update'], [EXTENSIONS, APPS], ['daemonsets/status']),
      rule(['update'], [EXTENSIONS, APPS], ['daemonsets/finalizers']),
      rule(LIST_WATCH, [CORE], ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [CORE], ['pods']),
      rule(['create'], [CORE], ['pods/binding']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], [APPS], ['controllerrevisions']),
      eventsRule(),
    ],
    'deployment-controller': [
      rule(['get', 'list', 'watch', 'update'], [EXTENSIONS, APPS], ['deployments']),
      rule(['update'], [EXTENSIONS, APPS], ['deployments/status']),
      rule(['update'], [EXTENSIONS, APPS], ['deployments/finalizers']),
      rule(
        ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        [APPS, EXTENSIONS],
        ['replicasets'],
      ),
      // Pods are read, and updated to orphan or adopt them.
      rule(['get', 'list', 'watch', 'update'], [CORE], ['pods']),
      eventsRule(),
    ],
    'disruption-controller': [
      rule(READ, [EXTENSIONS, APPS], ['deployments']),
      rule(READ, [APPS, EXTENSIONS], ['replicasets']),
      rule(READ, [CORE], ['replicationcontrollers']),
      rule(READ, [POLICY], ['poddisruptionbudgets']),
      rule(READ, [APPS], ['statefulsets']),
      rule(['update'], [POLICY], ['poddisruptionbudgets/status']),
      rule(['get'], ['*'], ['*/scale']),
      rule(['patch', 'update'], [CORE], ['pods/status']),
      eventsRule(),
    ],
    'endpointslice-controller': [
      rule(READ, [CORE], ['services', 'pods', 'nodes']),
      // The Service's finalizers, set when the owner reference blocks deletion.
      rule(['update'], [CORE], ['services/finalizers']),
      rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [DISCOVERY], ['endpointslices']),
      eventsRule(),
    ],
    'generic-garbage-collector': [
      // The garbage collector reads and deletes anything; it never creates.
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
      eventsRule(),
    ],
    'job-controller': [
      rule(['get', 'list', 'watch', 'update', 'patch'], [BATCH], ['jobs']),
      rule(['update'], [BATCH], ['jobs/status']),
      rule(['update'], [BATCH], ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [CORE], ['pods']),
      eventsRule(),
    ],
    'namespace-controller': [
      rule(['get', 'list', 'watch', 'delete'], [CORE], ['namespaces']),
      rule(['update'], [CORE], ['namespaces/finalize', 'namespaces/status']),
      rule(['get', 'list', 'delete', 'deletecollection', 'watch'], ['*'], ['*']),
    ],
    'node-controller': [
      rule(['get', 'list', 'update', 'delete', 'patch', 'watch'], [CORE], ['nodes']),
      rule(['patch', 'update'], [CORE], ['nodes/status']),
      // Marks pods on unreachable nodes NotReady and evicts them.
      rule(['patch', 'update'], [CORE], ['pods/status']),
      rule(['list', 'watch', 'delete', 'get'], [CORE], ['pods']),
      eventsRule(),
    ],
    'replicaset-controller': [
      rule(['get', 'list', 'watch', 'update'], [APPS, EXTENSIONS], ['replicasets']),
      rule(['update'], [APPS, EXTENSIONS], ['replicasets/status']),
      rule(['update'], [APPS, EXTENSIONS], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [CORE], ['pods']),
      eventsRule(),
    ],
    'root-ca-cert-publisher': [rule(['create', 'update'], [CORE], ['configmaps']), eventsRule()],
    'service-account-controller': [rule(['create'], [CORE], ['serviceaccounts']), eventsRule()],
    'ttl-after-finished-controller': [
      rule(['get', 'list', 'watch', 'delete'], [BATCH], ['jobs']),
      eventsRule(),
    ],
  };
}

export function controllerRoles(): ClusterRole[] {
  const rules = controllerRoleRules();
  return CONTROLLER_SERVICE_ACCOUNTS.map((name) => clusterRole(`system:controller:${name}`, rules[name]));
}

export function controllerRoleBindings(): ClusterRoleBinding[] {
  return CONTROLLER_SERVICE_ACCOUNTS.map((name) =>
    clusterBinding(`system:controller:${name}`, [serviceAccount('kube-system', name)]),
  );
}
