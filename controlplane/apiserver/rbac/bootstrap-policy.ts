/**
 * The RBAC objects the API server installs at start, as kube-apiserver's `rbac/bootstrap-roles`
 * post-start hook does (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go,
 * controller_policy.go, namespace_policy.go; their golden files testdata/*.yaml are the facts
 * used here). Every object carries the label `kubernetes.io/bootstrapping: rbac-defaults` and
 * the annotation `rbac.authorization.kubernetes.io/autoupdate: "true"`, so an installer may
 * reconcile it on each start and an operator may opt out by setting the annotation to "false".
 *
 * What is here, by upstream file:
 * - policy.go: every ClusterRole upstream ships with its feature gates at their defaults
 *   (cluster-admin, the aggregated admin/edit/view and the `system:aggregate-to-*` roles that
 *   feed them, discovery, basic-user, public-info-viewer, monitoring, auth-delegator, the
 *   scheduler's, the controller manager's, node, node-proxier, kube-dns, issuer discovery, and
 *   the rest), and its ClusterRoleBindings — `system:node` bound to nobody, as upstream (the
 *   Node authorizer answers for kubelets).
 * - controller_policy.go: `system:controller:<name>` ClusterRoles for the controllers the
 *   controller manager runs (or will run soon: namespace, clusterrole aggregation, service
 *   accounts), each bound by a same-name ClusterRoleBinding to the service account
 *   `kube-system/<name>` the manager's controller runs as.
 * - namespace_policy.go: the kube-system and kube-public Roles and RoleBindings (leader locking,
 *   extension-apiserver-authentication-reader, bootstrap signer, cloud provider, token cleaner).
 *
 * Roles for the components of the data plane, named as their upstream counterparts where those
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
import type { ObjectMeta } from '../../../lib/api/meta.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from '../../../lib/api/rbac-v1.js';
import { RBAC_GROUP } from '../../../lib/api/rbac-v1.js';
import { NODE_RULES } from '../node-authorizer.js';

/** The whole bootstrap set. */
export interface BootstrapPolicy {
  readonly clusterRoles: ClusterRole[];
  readonly clusterRoleBindings: ClusterRoleBinding[];
  readonly roles: Role[];
  readonly roleBindings: RoleBinding[];
}

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
  'service-account-controller',
  'ttl-after-finished-controller',
] as const;

/** Our own controller loops without an upstream controller role (`switchyard:controller:<name>`). */
export const SWITCHYARD_CONTROLLER_SERVICE_ACCOUNTS = ['service-repair'] as const;

// ---- rule builders ---------------------------------------------------------------------------

const CORE = '';
const APPS = 'apps';
const EXTENSIONS = 'extensions';
const BATCH = 'batch';
const AUTOSCALING = 'autoscaling';
const POLICY = 'policy';
const NETWORKING = 'networking.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const STORAGE = 'storage.k8s.io';
const CERTIFICATES = 'certificates.k8s.io';
const AUTHENTICATION = 'authentication.k8s.io';
const AUTHORIZATION = 'authorization.k8s.io';
const EVENTS = 'events.k8s.io';

const READ = ['get', 'list', 'watch'];
const LIST_WATCH = ['list', 'watch'];
/** policy.go `Write`: the mutating verbs edit grants. */
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const READ_UPDATE = ['get', 'list', 'patch', 'update', 'watch'];

/** A resource rule; verbs, groups and resources sorted as upstream's rule builder emits them. */
function rule(
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
function urls(verbs: readonly string[], paths: readonly string[]): PolicyRule {
  return { nonResourceURLs: [...paths].sort(), verbs: [...verbs].sort() };
}

/** policy.go `eventsRule()`: write Events through either API group. */
const eventsRule = (): PolicyRule => rule(['create', 'patch', 'update'], [CORE, EVENTS], ['events']);

// ---- object builders -------------------------------------------------------------------------

function meta(name: string, labels: Record<string, string> = {}, namespace?: string): ObjectMeta {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE, ...labels },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: meta(name, labels),
    rules,
  };
}

/** A ClusterRole whose rules the aggregation controller fills from roles labelled `selector`. */
function aggregatedRole(name: string, selector: string, labels?: Record<string, string>): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: meta(name, labels),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [selector]: 'true' } }] },
    rules: [],
  };
}

function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: meta(name, {}, namespace), rules };
}

const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const serviceAccount = (namespace: string, name: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  namespace,
});

const roleRef = (kind: RoleRef['kind'], name: string): RoleRef => ({ apiGroup: RBAC_GROUP, kind, name });

/** A ClusterRoleBinding; no subjects gives a binding without `subjects`, as upstream's system:node. */
function clusterBinding(name: string, subjects: Subject[], roleName = name): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: roleRef('ClusterRole', roleName),
    ...(subjects.length > 0 ? { subjects } : {}),
  };
}

function roleBinding(namespace: string, name: string, ref: RoleRef, subjects: Subject[]): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: meta(name, {}, namespace),
    roleRef: ref,
    subjects,
  };
}

// ---- policy.go: cluster roles ----------------------------------------------------------------

/** NodeRules(): the Node authorizer's own list (node-authorizer.ts), installed as the unbound role. */
function nodeRules(): PolicyRule[] {
  return NODE_RULES.map((r) => structuredClone(r) as PolicyRule);
}

function aggregateToAdmin(): PolicyRule[] {
  return [
    rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews']),
    rule(READ_WRITE, [RBAC_GROUP], ['roles', 'rolebindings']),
  ];
}

function aggregateToEdit(): PolicyRule[] {
  return [
    rule(
      READ,
      [CORE],
      ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'],
    ),
    rule(['impersonate'], [CORE], ['serviceaccounts']),
    rule(WRITE, [CORE], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
    rule(['create'], [CORE], ['pods/eviction']),
    rule(
      WRITE,
      [CORE],
      [
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'serviceaccounts',
        'services',
        'services/proxy',
        'persistentvolumeclaims',
        'configmaps',
        'secrets',
        'events',
      ],
    ),
    rule(['create'], [CORE], ['serviceaccounts/token']),
    rule(
      WRITE,
      [APPS],
      [
        'statefulsets',
        'statefulsets/scale',
        'daemonsets',
        'deployments',
        'deployments/scale',
        'deployments/rollback',
        'replicasets',
        'replicasets/scale',
      ],
    ),
    rule(WRITE, [AUTOSCALING], ['horizontalpodautoscalers']),
    rule(WRITE, [BATCH], ['jobs', 'cronjobs']),
    rule(
      WRITE,
      [EXTENSIONS],
      [
        'daemonsets',
        'deployments',
        'deployments/scale',
        'deployments/rollback',
        'ingresses',
        'replicasets',
        'replicasets/scale',
        'replicationcontrollers/scale',
        'networkpolicies',
      ],
    ),
    rule(WRITE, [POLICY], ['poddisruptionbudgets']),
    rule(WRITE, [NETWORKING], ['networkpolicies', 'ingresses']),
    rule(READ_WRITE, [COORDINATION], ['leases']),
  ];
}

function aggregateToView(): PolicyRule[] {
  return [
    rule(
      READ,
      [CORE],
      [
        'pods',
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'serviceaccounts',
        'services',
        'services/status',
        'endpoints',
        'persistentvolumeclaims',
        'persistentvolumeclaims/status',
        'configmaps',
      ],
    ),
    rule(
      READ,
      [CORE],
      [
        'limitranges',
        'resourcequotas',
        'bindings',
        'events',
        'pods/status',
        'resourcequotas/status',
        'namespaces/status',
        'replicationcontrollers/status',
        'pods/log',
      ],
    ),
    // Read access to namespaces at namespace scope: reading *this* namespace.
    rule(READ, [CORE], ['namespaces']),
    rule(READ, [DISCOVERY], ['endpointslices']),
    rule(
      READ,
      [APPS],
      [
        'controllerrevisions',
        'statefulsets',
        'statefulsets/status',
        'statefulsets/scale',
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/status',
        'deployments/scale',
        'replicasets',
        'replicasets/status',
        'replicasets/scale',
      ],
    ),
    rule(READ, [AUTOSCALING], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, [BATCH], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
    rule(
      READ,
      [EXTENSIONS],
      [
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/scale',
        'deployments/status',
        'ingresses',
        'ingresses/status',
        'replicasets',
        'replicasets/scale',
        'replicasets/status',
        'replicationcontrollers/scale',
        'networkpolicies',
      ],
    ),
    rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, [NETWORKING], ['networkpolicies', 'ingresses', 'ingresses/status']),
  ];
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

function upstreamClusterRoles(): ClusterRole[] {
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

function upstreamClusterRoleBindings(): ClusterRoleBinding[] {
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

// ---- controller_policy.go ---------------------------------------------------------------------

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
    'service-account-controller': [rule(['create'], [CORE], ['serviceaccounts']), eventsRule()],
    'ttl-after-finished-controller': [
      rule(['get', 'list', 'watch', 'delete'], [BATCH], ['jobs']),
      eventsRule(),
    ],
  };
}

function controllerRoles(): ClusterRole[] {
  const rules = controllerRoleRules();
  return CONTROLLER_SERVICE_ACCOUNTS.map((name) => clusterRole(`system:controller:${name}`, rules[name]));
}

function controllerRoleBindings(): ClusterRoleBinding[] {
  return CONTROLLER_SERVICE_ACCOUNTS.map((name) =>
    clusterBinding(`system:controller:${name}`, [serviceAccount('kube-system', name)]),
  );
}

// ---- namespace_policy.go ----------------------------------------------------------------------

/** Rules of upstream's leader-locking Roles: their Lease, and LeaseCandidates (coordinated election). */
function leaderLockingRules(): PolicyRule[] {
  return [
    rule(['watch', 'list', 'get', 'create', 'update'], [COORDINATION], ['leases']),
    rule(['watch', 'list', 'get', 'create', 'update'], [COORDINATION], ['leasecandidates']),
  ];
}

function upstreamRoles(): Role[] {
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

function upstreamRoleBindings(): RoleBinding[] {
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

// ---- our components ---------------------------------------------------------------------------

/** Reads and writes a component does in its own namespace: its configuration and its leader Lease. */
function ownNamespaceRules(extra: PolicyRule[]): PolicyRule[] {
  return [
    rule(READ, [CORE], ['configmaps']),
    rule(['create', 'get', 'list', 'watch', 'update', 'patch'], [COORDINATION], ['leases']),
    ...extra,
  ];
}

function componentClusterRoles(): ClusterRole[] {
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

function componentClusterRoleBindings(): ClusterRoleBinding[] {
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

function componentRoles(): Role[] {
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

function componentRoleBindings(): RoleBinding[] {
  const sys = SWITCHYARD_SYSTEM_NAMESPACE;
  return ['lb-controller', 'lb-speaker', 'ingress-controller'].map((name) =>
    roleBinding(sys, `switchyard:${name}`, roleRef('Role', `switchyard:${name}`), [
      serviceAccount(sys, name),
    ]),
  );
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
