/**
 * namespace_policy.go: the kube-system and kube-public Roles and RoleBindings (leader locking,
 * extension-apiserver-authentication-reader, bootstrap signer, cloud provider, token cleaner).
 */
import type { PolicyRule, Role, RoleBinding, Subject } from '../../../../lib/api/rbac-v1.js';
import {
  COORDINATION,
  CORE,
  eventsRule,
  READ,
  role,
  roleBinding,
  roleRef,
  rule,
  serviceAccount,
  user,
} from './vocabulary.js';

/** Rules of upstream's leader-locking Roles: their Lease, and LeaseCandidates (coordinated election). */
function leaderLockingRules(): PolicyRule[] {
  return [
    rule(['watch', 'list', 'get', 'create', 'update'], [COORDINATION], ['leases']),
    rule(['watch', 'list', 'get', 'create', 'update'], [COORDINATION], ['leasecandidates']),
  ];
}

export function upstreamRoles(): Role[] {
  return [
    role('kube-system', 'extension-apiserver-authentication-reader', [
      rule(READ, [CORE], ['configmaps'], ['extension-apiserver-authentication']),
    ]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', leaderLockingRules()),
    role('kube-system', 'system::leader-locking-kube-scheduler', leaderLockingRules()),
    role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, [CORE], ['secrets'])]),
    role('kube-system', 'system:controller:cloud-provider', [
      rule(['create', 'get', 'list', 'watch'], [CORE], ['configmaps']),
    ]),
    role('kube-system', 'system:controller:token-cleaner', [
      rule(['delete', 'get', 'list', 'watch'], [CORE], ['secrets']),
      eventsRule(),
    ]),
    role('kube-public', 'system:controller:bootstrap-signer', [
      rule(READ, [CORE], ['configmaps']),
      rule(['update'], [CORE], ['configmaps'], ['cluster-info']),
      eventsRule(),
    ]),
  ];
}

export function upstreamRoleBindings(): RoleBinding[] {
  const sameRole = (namespace: string, name: string, subjects: Subject[]): RoleBinding =>
    roleBinding(namespace, name, roleRef('Role', name), subjects);
  return [
    roleBinding(
      'kube-system',
      'system::extension-apiserver-authentication-reader',
      roleRef('Role', 'extension-apiserver-authentication-reader'),
      [user('system:kube-controller-manager'), user('system:kube-scheduler')],
    ),
    sameRole('kube-system', 'system::leader-locking-kube-controller-manager', [
      user('system:kube-controller-manager'),
      serviceAccount('kube-system', 'kube-controller-manager'),
      serviceAccount('kube-system', 'leader-election-controller'),
    ]),
    sameRole('kube-system', 'system::leader-locking-kube-scheduler', [
      user('system:kube-scheduler'),
      serviceAccount('kube-system', 'kube-scheduler'),
    ]),
    sameRole('kube-system', 'system:controller:bootstrap-signer', [
      serviceAccount('kube-system', 'bootstrap-signer'),
    ]),
    sameRole('kube-system', 'system:controller:cloud-provider', [
      serviceAccount('kube-system', 'cloud-provider'),
    ]),
    sameRole('kube-system', 'system:controller:token-cleaner', [
      serviceAccount('kube-system', 'token-cleaner'),
    ]),
    sameRole('kube-public', 'system:controller:bootstrap-signer', [
      serviceAccount('kube-system', 'bootstrap-signer'),
    ]),
  ];
}
