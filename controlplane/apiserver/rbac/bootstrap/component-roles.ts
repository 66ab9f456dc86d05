/**
 * Roles and bindings for the data-plane components (DNS, proxy, LB controller and speaker,
 * ingress) and our own controller loops, named as their upstream counterparts where those have
 * a fixed name and `switchyard:<component>` otherwise.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
} from '../../../../lib/api/rbac-v1.js';
import { SWITCHYARD_CONTROLLER_SERVICE_ACCOUNTS } from './controller-roles.js';
import {
  COORDINATION,
  CORE,
  clusterBinding,
  clusterRole,
  DISCOVERY,
  EVENTS,
  eventsRule,
  LIST_WATCH,
  NETWORKING,
  READ,
  READ_WRITE,
  role,
  roleBinding,
  roleRef,
  rule,
  serviceAccount,
} from './vocabulary.js';

/** The namespace our ingress and LB components run in. */
export const SWITCHYARD_SYSTEM_NAMESPACE = 'switchyard-system';

/** Reads and writes a component does in its own namespace: its configuration and its leader Lease. */
function ownNamespaceRules(extra: PolicyRule[]): PolicyRule[] {
  return [
    rule(READ, [CORE], ['configmaps']),
    rule(['create', 'get', 'list', 'watch', 'update', 'patch'], [COORDINATION], ['leases']),
    ...extra,
  ];
}

export function componentClusterRoles(): ClusterRole[] {
  return [
    // The CoreDNS deployment's own ClusterRole (kubernetes/coredns.yaml.sed in coredns/deployment).
    clusterRole('system:coredns', [
      rule(LIST_WATCH, [CORE], ['endpoints', 'services', 'pods', 'namespaces']),
      rule(LIST_WATCH, [DISCOVERY], ['endpointslices']),
    ]),
    // As MetalLB's metallb-system:controller: assigns addresses, writes Service status.
    clusterRole('switchyard:lb-controller', [
      rule(READ, [CORE], ['services', 'namespaces']),
      rule(['list'], [CORE], ['nodes']),
      rule(['update', 'patch'], [CORE], ['services/status']),
      rule(['create', 'patch'], [CORE, EVENTS], ['events']),
    ]),
    // As MetalLB's metallb-system:speaker: announces addresses from each node.
    clusterRole('switchyard:lb-speaker', [
      rule(READ, [CORE], ['services', 'endpoints', 'nodes', 'namespaces']),
      rule(READ, [DISCOVERY], ['endpointslices']),
      rule(['create', 'patch'], [CORE, EVENTS], ['events']),
    ]),
    // As ingress-nginx's ClusterRole: routes from Ingresses to endpoints, TLS from Secrets,
    // the load balancer's address into Ingress status.
    clusterRole('switchyard:ingress-controller', [
      rule(LIST_WATCH, [CORE], ['endpoints', 'nodes', 'pods', 'secrets', 'namespaces']),
      rule(['get'], [CORE], ['nodes']),
      rule(READ, [CORE], ['services']),
      rule(READ, [DISCOVERY], ['endpointslices']),
      rule(READ, [NETWORKING], ['ingresses', 'ingressclasses']),
      rule(['update', 'patch'], [NETWORKING], ['ingresses/status']),
      rule(['create', 'patch'], [CORE, EVENTS], ['events']),
    ]),
    // Service address repair (upstream runs it inside kube-apiserver): reads Services from the
    // manager's shared informers and reports duplicates as Events.
    clusterRole('switchyard:controller:service-repair', [rule(READ, [CORE], ['services']), eventsRule()]),
  ];
}

export function componentClusterRoleBindings(): ClusterRoleBinding[] {
  const sys = SWITCHYARD_SYSTEM_NAMESPACE;
  return [
    clusterBinding('system:coredns', [serviceAccount('kube-system', 'coredns')]),
    // kubeadm binds system:node-proxier to kube-proxy's service account the same way.
    clusterBinding(
      'switchyard:node-proxier',
      [serviceAccount('kube-system', 'kube-proxy')],
      'system:node-proxier',
    ),
    clusterBinding('switchyard:lb-controller', [serviceAccount(sys, 'lb-controller')]),
    clusterBinding('switchyard:lb-speaker', [serviceAccount(sys, 'lb-speaker')]),
    clusterBinding('switchyard:ingress-controller', [serviceAccount(sys, 'ingress-controller')]),
    ...SWITCHYARD_CONTROLLER_SERVICE_ACCOUNTS.map((name) =>
      clusterBinding(`switchyard:controller:${name}`, [serviceAccount('kube-system', name)]),
    ),
  ];
}

export function componentRoles(): Role[] {
  const sys = SWITCHYARD_SYSTEM_NAMESPACE;
  return [
    // MetalLB's `controller` Role: the memberlist secret it creates for the speakers.
    role(sys, 'switchyard:lb-controller', ownNamespaceRules([rule(READ_WRITE, [CORE], ['secrets'])])),
    // MetalLB's `pod-lister` Role: its peers, and the memberlist secret.
    role(
      sys,
      'switchyard:lb-speaker',
      ownNamespaceRules([rule(['get', 'list'], [CORE], ['pods']), rule(READ, [CORE], ['secrets'])]),
    ),
    role(sys, 'switchyard:ingress-controller', ownNamespaceRules([rule(READ, [CORE], ['pods'])])),
  ];
}

export function componentRoleBindings(): RoleBinding[] {
  const sys = SWITCHYARD_SYSTEM_NAMESPACE;
  return ['lb-controller', 'lb-speaker', 'ingress-controller'].map((name) =>
    roleBinding(sys, `switchyard:${name}`, roleRef('Role', `switchyard:${name}`), [
      serviceAccount(sys, name),
    ]),
  );
}
