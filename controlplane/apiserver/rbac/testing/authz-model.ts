/**
 * The EXPECTED column of the authorization matrix (authz-matrix.test.ts), computed
 * independently of the server's code: the representative requests, the bootstrap identities,
 * a small RBAC evaluator over the upstream bootstrap-policy objects kept in ../testdata (written
 * from plugin/pkg/auth/authorizer/rbac/rbac.go and pkg/apis/rbac/v1/evaluation_helpers.go), and
 * a model of the Node authorizer over the pods the test creates (GRAPH), falling back to the
 * upstream `system:node` rules and then to RBAC as `--authorization-mode=Node,RBAC` does.
 */
import type { PolicyRule, RoleRef, Subject } from '../../../../lib/api/rbac-v1.js';
import { loadUpstreamPolicy } from '../testdata/upstream.js';

// ---- requests -----------------------------------------------------------------------------------

interface ResourceRequest {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}
interface UrlRequest {
  readonly verb: string;
  readonly path: string;
}
export type Req = ResourceRequest | UrlRequest;

export const isUrl = (r: Req): r is UrlRequest => 'path' in r;

/** `res('get', 'apps', 'deployments/scale', 'ns', 'name')`; namespace '' = cluster scope / all namespaces. */
export function res(
  verb: string,
  group: string,
  resource: string,
  namespace = '',
  name = '',
): ResourceRequest {
  const [plural = '', sub = ''] = resource.split('/');
  return { verb, group, resource: plural, subresource: sub, namespace, name };
}
const url = (verb: string, path: string): UrlRequest => ({ verb, path });

export const label = (r: Req): string =>
  isUrl(r)
    ? `${r.verb} ${r.path}`
    : `${r.verb} ${r.group ? `${r.group}/` : ''}${r.resource}${r.subresource ? `/${r.subresource}` : ''}` +
      `${r.namespace ? ` -n ${r.namespace}` : ''}${r.name ? ` ${r.name}` : ''}`;

export const RBAC = 'rbac.authorization.k8s.io';
const COORD = 'coordination.k8s.io';
const DISC = 'discovery.k8s.io';

export const REQUESTS: readonly Req[] = [
  res('get', '', 'pods', 'default', 'pod-a'),
  res('list', '', 'pods'),
  res('watch', '', 'pods', 'default'),
  res('create', '', 'pods', 'default'),
  res('delete', '', 'pods', 'default', 'pod-a'),
  res('update', '', 'pods', 'default', 'pod-a'),
  res('get', '', 'pods/log', 'default', 'pod-a'),
  res('create', '', 'pods/exec', 'default', 'pod-a'),
  res('create', '', 'pods/binding', 'default', 'pod-a'),
  res('update', '', 'pods/status', 'default', 'pod-a'),
  res('patch', '', 'pods/status', 'default', 'pod-b'),
  res('create', '', 'pods/eviction', 'default', 'pod-a'),
  res('get', '', 'secrets', 'default', 's1'),
  res('get', '', 'secrets', 'default', 's2'),
  res('list', '', 'secrets', 'kube-system'),
  res('create', '', 'secrets', 'kube-system'),
  res('delete', '', 'secrets', 'kube-system', 'old-token'),
  res('get', '', 'configmaps', 'default', 'c1'),
  res('get', '', 'configmaps', 'default', 'c2'),
  res('get', '', 'configmaps', 'kube-system', 'extension-apiserver-authentication'),
  res('list', '', 'configmaps', 'kube-system'),
  res('get', '', 'services', 'default', 'web'),
  res('watch', '', 'services'),
  res('update', '', 'services/status', 'default', 'web'),
  res('update', '', 'services/finalizers', 'default', 'web'),
  res('list', '', 'endpoints'),
  res('list', DISC, 'endpointslices'),
  res('create', DISC, 'endpointslices', 'default'),
  res('update', DISC, 'endpointslices', 'default', 'web-abc'),
  res('patch', DISC, 'endpointslices', 'default', 'web-abc'),
  res('get', '', 'nodes', '', 'node-1'),
  res('get', '', 'nodes', '', 'node-2'),
  res('list', '', 'nodes'),
  res('create', '', 'nodes'),
  res('patch', '', 'nodes', '', 'node-1'),
  res('patch', '', 'nodes/status', '', 'node-1'),
  res('update', '', 'nodes/status', '', 'node-2'),
  res('delete', '', 'nodes', '', 'node-2'),
  res('create', 'apps', 'deployments', 'default'),
  res('update', 'apps', 'deployments', 'default', 'web'),
  res('patch', 'apps', 'deployments', 'default', 'web'),
  res('update', 'apps', 'deployments/status', 'default', 'web'),
  res('get', 'apps', 'deployments/scale', 'default', 'web'),
  res('create', 'apps', 'replicasets', 'default'),
  res('update', 'apps', 'replicasets/status', 'default', 'web-1'),
  res('update', 'apps', 'daemonsets/status', 'kube-system', 'proxy'),
  res('create', 'apps', 'controllerrevisions', 'kube-system'),
  res('get', COORD, 'leases', 'kube-system', 'kube-scheduler'),
  res('update', COORD, 'leases', 'kube-system', 'kube-scheduler'),
  res('update', COORD, 'leases', 'kube-system', 'kube-controller-manager'),
  res('create', COORD, 'leases', 'kube-system'),
  res('create', COORD, 'leases', 'kube-node-lease'),
  res('update', COORD, 'leases', 'kube-node-lease', 'node-1'),
  res('get', COORD, 'leases', 'kube-node-lease', 'node-2'),
  res('list', COORD, 'leases', 'kube-node-lease'),
  res('create', '', 'serviceaccounts/token', 'default', 'sa-a'),
  res('create', '', 'serviceaccounts/token', 'default', 'sa-b'),
  res('create', '', 'serviceaccounts/token', 'kube-system', 'generic-garbage-collector'),
  res('create', '', 'serviceaccounts', 'kube-system'),
  res('get', '', 'serviceaccounts', 'kube-system', 'deployment-controller'),
  res('get', '', 'namespaces', '', 'demo'),
  res('delete', '', 'namespaces', '', 'demo'),
  res('update', '', 'namespaces/finalize', '', 'demo'),
  res('update', '', 'namespaces/status', '', 'demo'),
  res('deletecollection', '', 'configmaps', 'demo'),
  res('get', RBAC, 'clusterroles', '', 'admin'),
  res('escalate', RBAC, 'clusterroles', '', 'admin'),
  res('update', RBAC, 'clusterroles', '', 'admin'),
  res('bind', RBAC, 'clusterroles', '', 'cluster-admin'),
  res('create', RBAC, 'clusterrolebindings'),
  res('create', RBAC, 'roles', 'demo'),
  res('impersonate', '', 'users', '', 'alice'),
  res('impersonate', '', 'serviceaccounts', 'default', 'sa-a'),
  res('create', 'authentication.k8s.io', 'tokenreviews'),
  res('create', 'authorization.k8s.io', 'subjectaccessreviews'),
  res('create', 'authorization.k8s.io', 'localsubjectaccessreviews', 'demo'),
  res('create', 'authorization.k8s.io', 'selfsubjectaccessreviews'),
  res('create', 'authorization.k8s.io', 'selfsubjectrulesreviews'),
  res('create', 'authentication.k8s.io', 'selfsubjectreviews'),
  res('list', 'apiextensions.k8s.io', 'customresourcedefinitions'),
  res('watch', 'example.com', 'widgets'),
  res('delete', 'example.com', 'widgets', 'demo', 'w1'),
  res('create', '', 'events', 'default'),
  res('patch', 'events.k8s.io', 'events', 'default', 'e1'),
  url('get', '/healthz'),
  url('get', '/healthz/etcd'),
  url('get', '/livez'),
  url('get', '/readyz'),
  url('get', '/version'),
  url('get', '/api'),
  url('get', '/api/v1'),
  url('get', '/apis/apps/v1'),
  url('get', '/openapi/v3'),
  url('get', '/metrics'),
  url('post', '/api'),
  url('get', '/.well-known/openid-configuration'),
  url('get', '/logs'),
];

// ---- identities ---------------------------------------------------------------------------------

export interface Identity {
  readonly user: string;
  readonly groups: readonly string[];
}

const AUTHENTICATED = 'system:authenticated';
export const sa = (namespace: string, name: string): Identity => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED],
});

/** The controllers whose roles upstream ships and our manager runs as service accounts. */
const CONTROLLER_SAS = [
  'clusterrole-aggregation-controller',
  'daemon-set-controller',
  'deployment-controller',
  'endpointslice-controller',
  'generic-garbage-collector',
  'namespace-controller',
  'node-controller',
  'replicaset-controller',
  'service-account-controller',
];

export const NODE: Identity = { user: 'system:node:node-1', groups: ['system:nodes', AUTHENTICATED] };

export const IDENTITIES: readonly Identity[] = [
  { user: 'admin', groups: ['system:masters', AUTHENTICATED] },
  { user: 'system:kube-scheduler', groups: [AUTHENTICATED] },
  { user: 'system:kube-controller-manager', groups: [AUTHENTICATED] },
  ...CONTROLLER_SAS.map((n) => sa('kube-system', n)),
  NODE,
  { user: 'system:kube-proxy', groups: [AUTHENTICATED] },
  { user: 'system:anonymous', groups: ['system:unauthenticated'] },
  { user: 'alice', groups: [AUTHENTICATED] },
  sa('default', 'nobody'),
  sa('kube-system', 'kube-dns'),
  // Cluster DNS as kubeadm deploys CoreDNS (its ClusterRole system:coredns).
  sa('kube-system', 'coredns'),
];

// ---- the independent evaluator (expected column) ------------------------------------------------

export const upstream = loadUpstreamPolicy({ addons: true });

function ruleAllows(rule: PolicyRule, r: Req): boolean {
  const verbOk = rule.verbs.includes('*') || rule.verbs.includes(r.verb);
  if (!verbOk) return false;
  if (isUrl(r)) {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === r.path || (u.endsWith('*') && r.path.startsWith(u.slice(0, -1))),
    );
  }
  if ((rule.resources ?? []).length === 0) return false;
  const groupOk = (rule.apiGroups ?? []).some((g) => g === '*' || g === r.group);
  const combined = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const resourceOk = (rule.resources ?? []).some(
    (x) => x === '*' || x === combined || (r.subresource !== '' && x === `*/${r.subresource}`),
  );
  const names = rule.resourceNames ?? [];
  const nameOk = names.length === 0 || (r.name !== '' && names.includes(r.name));
  return groupOk && resourceOk && nameOk;
}

function subjectMatches(s: Subject, who: Identity, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === who.user;
    case 'Group':
      return who.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && who.user === `system:serviceaccount:${ns}:${s.name}`;
    }
  }
}

function rulesOf(ref: RoleRef, namespace: string): readonly PolicyRule[] {
  const role =
    ref.kind === 'ClusterRole'
      ? upstream.clusterRoles.find((x) => x.metadata.name === ref.name)
      : upstream.roles.find((x) => x.metadata.name === ref.name && x.metadata.namespace === namespace);
  return role?.rules ?? [];
}

/** What upstream's RBAC authorizer answers, over the upstream objects. */
function rbacAllows(who: Identity, r: Req): boolean {
  for (const b of upstream.clusterRoleBindings) {
    if (
      (b.subjects ?? []).some((s) => subjectMatches(s, who, '')) &&
      rulesOf(b.roleRef, '').some((x) => ruleAllows(x, r))
    )
      return true;
  }
  if (isUrl(r) || r.namespace === '') return false;
  for (const b of upstream.roleBindings) {
    const ns = b.metadata.namespace ?? '';
    if (ns !== r.namespace) continue;
    // A RoleBinding's rules never grant non-resource URLs (they have no namespace).
    if (
      (b.subjects ?? []).some((s) => subjectMatches(s, who, ns)) &&
      rulesOf(b.roleRef, ns).some((x) => ruleAllows(x, r))
    )
      return true;
  }
  return false;
}

/** The pods created below, bound to nodes, and what they reference: the Node authorizer's graph. */
const GRAPH = {
  'node-1': {
    pods: ['default/pod-a'],
    secrets: ['default/s1'],
    configmaps: ['default/c1'],
    serviceaccounts: ['default/sa-a'],
  },
  'node-2': {
    pods: ['default/pod-b'],
    secrets: ['default/s2'],
    configmaps: ['default/c2'],
    serviceaccounts: ['default/sa-b'],
  },
} as const;

const nodeRules = upstream.clusterRoles.find((r) => r.metadata.name === 'system:node')?.rules ?? [];

/** The Node authorizer (1.32, AuthorizeNodeWithSelectors on): true = allow, false = no opinion. */
function nodeAuthorizerAllows(node: 'node-1', r: Req): boolean {
  if (!isUrl(r)) {
    const related = (kind: 'pods' | 'secrets' | 'configmaps' | 'serviceaccounts'): boolean =>
      r.name !== '' && (GRAPH[node][kind] as readonly string[]).includes(`${r.namespace}/${r.name}`);
    const gr = `${r.group}/${r.resource}`;
    switch (gr) {
      // authorizeReadNamespacedObject: get/list/watch of a named, related object.
      case '/secrets':
      case '/configmaps':
        return (
          ['get', 'list', 'watch'].includes(r.verb) &&
          r.subresource === '' &&
          r.namespace !== '' &&
          related(r.resource as 'secrets' | 'configmaps')
        );
      // authorizeCreateToken: only tokens of service accounts of its pods.
      case '/serviceaccounts':
        return r.verb === 'create' && r.subresource === 'token' && related('serviceaccounts');
      // authorizeLease: its own Lease in kube-node-lease (create: any name, NodeRestriction checks).
      case `${COORD}/leases`:
        return (
          ['get', 'create', 'update', 'patch', 'delete'].includes(r.verb) &&
          r.namespace === 'kube-node-lease' &&
          (r.verb === 'create' || r.name === node)
        );
      // authorizeNode: its own Node object read by name; writes left to NodeRestriction.
      case '/nodes':
        if (r.subresource === '') {
          if (['create', 'update', 'patch'].includes(r.verb)) return true;
          if (['get', 'list', 'watch'].includes(r.verb)) return r.name === node;
          return false;
        }
        return r.subresource === 'status' && ['update', 'patch'].includes(r.verb);
      // authorizePod: get of its pods; list/watch only with a spec.nodeName selector (none here);
      // create/delete (mirror pods), status and eviction left to NodeRestriction.
      case '/pods':
        if (r.subresource === '') {
          if (r.verb === 'get' || r.verb === 'list' || r.verb === 'watch') return related('pods');
          return r.verb === 'create' || r.verb === 'delete';
        }
        if (r.subresource === 'status') return ['update', 'patch'].includes(r.verb);
        return r.subresource === 'eviction' && r.verb === 'create';
    }
  }
  return nodeRules.some((x) => ruleAllows(x, r));
}

export function expected(who: Identity, r: Req): boolean {
  if (who === NODE && nodeAuthorizerAllows('node-1', r)) return true;
  return rbacAllows(who, r);
}
