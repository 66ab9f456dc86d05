/**
 * The RBAC objects the API server installs at start, as kube-apiserver's `rbac/bootstrap-roles`
 * post-start hook does (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go,
 * controller_policy.go, namespace_policy.go; their golden files testdata/*.yaml are the facts
 * used here). Every object carries the label `kubernetes.io/bootstrapping: rbac-defaults` and
 * the annotation `rbac.authorization.kubernetes.io/autoupdate: "true"`, so an installer may
 * reconcile it on each start and an operator may opt out by setting the annotation to "false".
 *
 * What is here, by upstream file (each in its own module under bootstrap/; vocabulary.ts holds
 * the labels and the rule, role and binding builders):
 * - policy.go (system-roles.ts, aggregated-roles.ts): every ClusterRole upstream ships with its feature gates at their defaults
 *   (cluster-admin, the aggregated admin/edit/view and the `system:aggregate-to-*` roles that
 *   feed them, discovery, basic-user, public-info-viewer, monitoring, auth-delegator, the
 *   scheduler's, the controller manager's, node, node-proxier, kube-dns, issuer discovery, and
 *   the rest), and its ClusterRoleBindings — `system:node` bound to nobody, as upstream (the
 *   Node authorizer answers for kubelets).
 * - controller_policy.go (controller-roles.ts): `system:controller:<name>` ClusterRoles for the controllers the
 *   controller manager runs (or will run soon: namespace, clusterrole aggregation, service
 *   accounts), each bound by a same-name ClusterRoleBinding to the service account
 *   `kube-system/<name>` the manager's controller runs as.
 * - namespace_policy.go (namespace-roles.ts): the kube-system and kube-public Roles and RoleBindings (leader locking,
 *   extension-apiserver-authentication-reader, bootstrap signer, cloud provider, token cleaner).
 *
 * Roles for the components of the data plane (component-roles.ts), named as their upstream counterparts where those
 * have a fixed name and `switchyard:<component>` otherwise:
 *
 * | component | identity | role |
 * | --- | --- | --- |
 * | proxy | user `system:kube-proxy`; SA `kube-system/kube-proxy` | `system:node-proxier` (upstream; the SA binding is kubeadm's, named `switchyard:node-proxier`) |
 * | dns | SA `kube-system/coredns` | `system:coredns` (the CoreDNS deployment's ClusterRole and binding) |
 * | kubelet | user `system:node:<node>`, group `system:nodes` | the Node authorizer; `system:node` stays unbound |
 * | lb-controller | SA `switchyard-system/lb-controller` | ClusterRole `switchyard:lb-controller` + Role `switchyard:lb-controller` (MetalLB's `metallb-system:controller` + `controller`) |
 * | lb-speaker | SA `switchyard-system/lb-speaker` | ClusterRole `switchyard:lb-speaker` + Role `switchyard:lb-speaker` (MetalLB's `metallb-system:speaker` + `pod-lister`) |
 * | ingress | SA `switchyard-system/ingress-controller` | ClusterRole `switchyard:ingress-controller` + Role `switchyard:ingress-controller` (ingress-nginx's `ingress-nginx` pair) |
 * | service repair | SA `kube-system/service-repair` | `switchyard:controller:service-repair` (upstream runs this loop inside kube-apiserver) |
 *
 * Our components' own custom resources (LB address pools and the like) are not granted here:
 * the component that defines them adds them to its role.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../lib/api/rbac-v1.js';
import {
  componentClusterRoleBindings,
  componentClusterRoles,
  componentRoleBindings,
  componentRoles,
} from './bootstrap/component-roles.js';
import { controllerRoleBindings, controllerRoles } from './bootstrap/controller-roles.js';
import { upstreamRoleBindings, upstreamRoles } from './bootstrap/namespace-roles.js';
import { upstreamClusterRoleBindings, upstreamClusterRoles } from './bootstrap/system-roles.js';

export { SWITCHYARD_SYSTEM_NAMESPACE } from './bootstrap/component-roles.js';
export {
  CONTROLLER_SERVICE_ACCOUNTS,
  SWITCHYARD_CONTROLLER_SERVICE_ACCOUNTS,
} from './bootstrap/controller-roles.js';
export {
  AGGREGATE_TO_ADMIN,
  AGGREGATE_TO_EDIT,
  AGGREGATE_TO_VIEW,
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAPPING_LABEL,
  BOOTSTRAPPING_VALUE,
} from './bootstrap/vocabulary.js';

/** The whole bootstrap set. */
export interface BootstrapPolicy {
  readonly clusterRoles: ClusterRole[];
  readonly clusterRoleBindings: ClusterRoleBinding[];
  readonly roles: Role[];
  readonly roleBindings: RoleBinding[];
}

/** The bootstrap policy: fresh objects on every call (callers may mutate them). */
export function bootstrapPolicy(): BootstrapPolicy {
  return {
    clusterRoles: [...upstreamClusterRoles(), ...controllerRoles(), ...componentClusterRoles()],
    clusterRoleBindings: [
      ...upstreamClusterRoleBindings(),
      ...controllerRoleBindings(),
      ...componentClusterRoleBindings(),
    ],
    roles: [...upstreamRoles(), ...componentRoles()],
    roleBindings: [...upstreamRoleBindings(), ...componentRoleBindings()],
  };
}
