/**
 * policy.go: the upstream ClusterRoles (cluster-admin, discovery, the aggregated user-facing
 * roles, monitoring, the scheduler's, the controller manager's, node, node-proxier, kube-dns, …)
 * and their ClusterRoleBindings.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from '../../../../lib/api/rbac-v1.js';
import { NODE_RULES } from '../../node-authorizer.js';
import { aggregateToAdmin, aggregateToEdit, aggregateToView } from './aggregated-roles.js';
import {
  AGGREGATE_TO_ADMIN,
  AGGREGATE_TO_EDIT,
  AGGREGATE_TO_VIEW,
  APPS,
  AUTHENTICATION,
  AUTHORIZATION,
  aggregatedRole,
  CERTIFICATES,
  COORDINATION,
  CORE,
  clusterBinding,
  clusterRole,
  DISCOVERY,
  EXTENSIONS,
  eventsRule,
  group,
  LIST_WATCH,
  POLICY,
  READ,
  READ_UPDATE,
  rule,
  STORAGE,
  serviceAccount,
  urls,
  user,
} from './vocabulary.js';

/** NodeRules(): the Node authorizer's own list (node-authorizer.ts), installed as the unbound role. */
function nodeRules(): PolicyRule[] {
  return NODE_RULES.map((r) => structuredClone(r) as PolicyRule);
}

function kubeControllerManagerRules(): PolicyRule[] {
  return [
    eventsRule(),
    // Leader election on its own Lease.
    rule(['create'], [COORDINATION], ['leases']),
    rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-controller-manager']),
    // What it needs to give each controller its own service account and token.
    rule(['create'], [CORE], ['secrets', 'serviceaccounts']),
    rule(['delete'], [CORE], ['secrets']),
    rule(['get'], [CORE], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
    rule(['update'], [CORE], ['secrets', 'serviceaccounts']),
    rule(['create'], [AUTHENTICATION], ['tokenreviews']),
    rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
    // The shared informers list and watch everything.
    rule(LIST_WATCH, ['*'], ['*']),
    rule(['create'], [CORE], ['serviceaccounts/token']),
  ];
}

function kubeSchedulerRules(): PolicyRule[] {
  return [
    eventsRule(),
    rule(['create'], [COORDINATION], ['leases']),
    rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-scheduler']),
    rule(READ, [CORE], ['nodes']),
    rule(['get', 'list', 'watch', 'delete'], [CORE], ['pods']),
    rule(['create'], [CORE], ['pods/binding', 'bindings']),
    rule(['patch', 'update'], [CORE], ['pods/status']),
    rule(READ, [CORE], ['services', 'replicationcontrollers']),
    rule(READ, [APPS, EXTENSIONS], ['replicasets']),
    rule(READ, [APPS], ['statefulsets']),
    rule(READ, [POLICY], ['poddisruptionbudgets']),
    rule(READ, [CORE], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], [AUTHENTICATION], ['tokenreviews']),
    rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
    rule(READ, [STORAGE], ['csinodes']),
    rule(READ, [CORE], ['namespaces']),
    rule(READ, [STORAGE], ['csidrivers']),
    rule(READ, [STORAGE], ['csistoragecapacities']),
  ];
}

export function upstreamClusterRoles(): ClusterRole[] {
  const approver = (name: string, signer: string): ClusterRole =>
    clusterRole(`system:certificates.k8s.io:${name}`, [
      rule(['approve'], [CERTIFICATES], ['signers'], [signer]),
    ]);
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    // Discovery and health paths for every authenticated caller.
    clusterRole('system:discovery', [
      urls(
        ['get'],
        [
          '/healthz',
          '/livez',
          '/readyz',
          '/version',
          '/version/',
          '/openapi',
          '/openapi/*',
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
        ],
      ),
    ]),
    clusterRole('system:monitoring', [
      urls(
        ['get'],
        ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'],
      ),
    ]),
    clusterRole('system:basic-user', [
      rule(['create'], [AUTHORIZATION], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], [AUTHENTICATION], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [
      urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/']),
    ]),
    aggregatedRole('admin', AGGREGATE_TO_ADMIN),
    aggregatedRole('edit', AGGREGATE_TO_EDIT, { [AGGREGATE_TO_ADMIN]: 'true' }),
    aggregatedRole('view', AGGREGATE_TO_VIEW, { [AGGREGATE_TO_EDIT]: 'true' }),
    clusterRole('system:aggregate-to-admin', aggregateToAdmin(), { [AGGREGATE_TO_ADMIN]: 'true' }),
    clusterRole('system:aggregate-to-edit', aggregateToEdit(), { [AGGREGATE_TO_EDIT]: 'true' }),
    clusterRole('system:aggregate-to-view', aggregateToView(), { [AGGREGATE_TO_VIEW]: 'true' }),
    clusterRole('system:heapster', [
      rule(READ, [CORE], ['events', 'pods', 'nodes', 'namespaces']),
      rule(READ, [EXTENSIONS], ['deployments']),
    ]),
    clusterRole('system:node', nodeRules()),
    clusterRole('system:node-problem-detector', [
      rule(['get'], [CORE], ['nodes']),
      rule(['patch'], [CORE], ['nodes/status']),
      eventsRule(),
    ]),
    clusterRole('system:kubelet-api-admin', [
      rule(READ, [CORE], ['nodes']),
      rule(['proxy'], [CORE], ['nodes']),
      rule(['*'], [CORE], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    clusterRole('system:node-bootstrapper', [
      rule(['create', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests']),
    ]),
    clusterRole('system:auth-delegator', [
      rule(['create'], [AUTHENTICATION], ['tokenreviews']),
      rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
    ]),
    clusterRole('system:kube-aggregator', [rule(READ, [CORE], ['services', 'endpoints'])]),
    clusterRole('system:kube-controller-manager', kubeControllerManagerRules()),
    clusterRole('system:kube-dns', [rule(LIST_WATCH, [CORE], ['endpoints', 'services'])]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], [CORE], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [CORE], ['persistentvolumeclaims']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(['watch'], [CORE], ['events']),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      rule(['create'], [CERTIFICATES], ['certificatesigningrequests/nodeclient']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      rule(['create'], [CERTIFICATES], ['certificatesigningrequests/selfnodeclient']),
    ]),
    clusterRole('system:volume-scheduler', [
      rule(READ_UPDATE, [CORE], ['persistentvolumes']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(READ_UPDATE, [CORE], ['persistentvolumeclaims']),
    ]),
    approver('legacy-unknown-approver', 'kubernetes.io/legacy-unknown'),
    approver('kubelet-serving-approver', 'kubernetes.io/kubelet-serving'),
    approver('kube-apiserver-client-approver', 'kubernetes.io/kube-apiserver-client'),
    approver('kube-apiserver-client-kubelet-approver', 'kubernetes.io/kube-apiserver-client-kubelet'),
    clusterRole('system:service-account-issuer-discovery', [
      urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks']),
    ]),
    clusterRole('system:node-proxier', [
      rule(LIST_WATCH, [CORE], ['services', 'endpoints']),
      rule(READ, [CORE], ['nodes']),
      eventsRule(),
      rule(LIST_WATCH, [DISCOVERY], ['endpointslices']),
    ]),
    clusterRole('system:kube-scheduler', kubeSchedulerRules()),
  ];
}

export function upstreamClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterBinding('cluster-admin', [group('system:masters')]),
    clusterBinding('system:monitoring', [group('system:monitoring')]),
    clusterBinding('system:discovery', [group('system:authenticated')]),
    clusterBinding('system:basic-user', [group('system:authenticated')]),
    clusterBinding('system:public-info-viewer', [
      group('system:authenticated'),
      group('system:unauthenticated'),
    ]),
    clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterBinding('system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
    clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
    // Kubelets are authorized by the Node authorizer; the binding stays, with nobody in it.
    clusterBinding('system:node', []),
    clusterBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  ];
}
