/**
 * The Node authorizer (plugin/pkg/auth/authorizer/node/node_authorizer.go, with the
 * AuthorizeNodeWithSelectors behaviour of 1.32): a kubelet (`system:node:<name>` in group
 * `system:nodes`) reads Secrets, ConfigMaps, claims and volumes only through pods bound to it
 * (the graph in node-graph.ts), mints tokens only for those pods' service accounts, reads only
 * its own Node and its own pods, and touches only its own Lease. Everything else is the static
 * `system:node` ClusterRole (`NODE_RULES`). Writes that the authorizer lets through by verb
 * (Node create/update, pod create/delete/status/eviction, Lease create) are narrowed to the
 * node's own objects by the NodeRestriction admission (node-restriction.ts).
 *
 * Decisions are Allow or NoOpinion, never Deny: a later authorizer (RBAC) may still allow.
 */
import type { PolicyRule } from '../../lib/api/rbac-v1.js';
import { parseFieldSelector } from './field-selector.js';
import type { NodeGraph, VertexType } from './node-graph.js';
import { ruleAllows } from './rbac/rule-match.js';

/** The caller, as the authorizer sees it. */
export interface NodeUser {
  readonly name: string;
  readonly groups: readonly string[];
}

/** A resource request (apiserver's authorizer.Attributes). */
export interface NodeRequest {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  /** For list/watch: the name of a `metadata.name=` field selector (as apiserver's RequestInfo sets it). */
  readonly name: string;
  /** The raw `fieldSelector` of a list or watch. */
  readonly fieldSelector?: string;
}

/** Allow or no opinion, and why (upstream's reason strings). */
export interface NodeDecision {
  readonly decision: 'Allow' | 'NoOpinion';
  readonly reason: string;
}

/** The group every kubelet identity is in. */
export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
/** Namespace of the nodes' heartbeat Leases (core NamespaceNodeLease). */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const READ = ['get', 'list', 'watch'];

/**
 * The `system:node` ClusterRole's rules (bootstrappolicy NodeRules() of 1.32, as in its golden
 * testdata/cluster-roles.yaml, feature-gated rules off). The one list: the authorizer decides
 * with it, `auth can-i --list` reports it, and the bootstrap policy installs it as the role.
 */
export const NODE_RULES: readonly Readonly<PolicyRule>[] = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  {
    apiGroups: ['authorization.k8s.io'],
    resources: ['localsubjectaccessreviews', 'subjectaccessreviews'],
    verbs: ['create'],
  },
  { apiGroups: [''], resources: ['services'], verbs: READ },
  { apiGroups: [''], resources: ['nodes'], verbs: ['create', 'get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['patch', 'update'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
  { apiGroups: [''], resources: ['pods'], verbs: READ },
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete'] },
  { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: READ },
  { apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'], verbs: ['get'] },
  { apiGroups: [''], resources: ['endpoints'], verbs: ['get'] },
  {
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests'],
    verbs: ['create', 'get', 'list', 'watch'],
  },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['create', 'delete', 'get', 'patch', 'update'],
  },
  { apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['get'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: ['storage.k8s.io'], resources: ['csidrivers'], verbs: READ },
  {
    apiGroups: ['storage.k8s.io'],
    resources: ['csinodes'],
    verbs: ['create', 'delete', 'get', 'patch', 'update'],
  },
  { apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'], verbs: READ },
];

/** The node a user stands for: `system:node:<name>` in group system:nodes (NodeIdentity). */
export function nodeIdentity(user: NodeUser): { readonly node: string } | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return { node: user.name.slice(NODE_USER_PREFIX.length) };
}

const allow: NodeDecision = { decision: 'Allow', reason: '' };
const noOpinion = (reason: string): NodeDecision => ({ decision: 'NoOpinion', reason });

/** The Node authorizer's decision on `a` for `user`; NoOpinion with no reason for non-nodes. */
export function authorizeNode(user: NodeUser, a: NodeRequest, graph: NodeGraph): NodeDecision {
  const id = nodeIdentity(user);
  if (!id) return noOpinion('');
  const node = id.node;
  if (node === '') return noOpinion(`unknown node for user "${user.name}"`);
  const related = (type: VertexType): NodeDecision => {
    if (a.name === '') return noOpinion('No Object name found');
    return graph.hasPathFrom(node, type, a.namespace, a.name)
      ? allow
      : noOpinion(`no relationship found between node '${node}' and this object`);
  };
  const get = (type: VertexType): NodeDecision => {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource !== '') return noOpinion('cannot get subresource');
    return related(type);
  };
  switch (`${a.group}/${a.resource}`) {
    case '/secrets':
    case '/configmaps':
      if (!READ.includes(a.verb)) return noOpinion('can only read resources of this type');
      if (a.subresource !== '') return noOpinion('cannot read subresource');
      if (a.namespace === '') return noOpinion('can only read namespaced object of this type');
      return related(a.resource === 'secrets' ? 'secret' : 'configmap');
    case '/persistentvolumeclaims':
      if (a.subresource !== 'status') return get('pvc');
      if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
      return related('pvc');
    case '/persistentvolumes':
      return get('pv');
    case 'storage.k8s.io/volumeattachments':
      return get('volumeattachment');
    case '/serviceaccounts':
      if (a.verb !== 'create' || a.name === '')
        return noOpinion('can only create tokens for individual service accounts');
      if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
      return related('serviceaccount');
    case 'coordination.k8s.io/leases':
      if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
        return noOpinion('can only get, create, update, patch, or delete a node lease');
      if (a.namespace !== NODE_LEASE_NAMESPACE)
        return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
      // A create names no object here; NodeRestriction checks the Lease's name.
      if (a.verb !== 'create' && a.name !== node)
        return noOpinion('can only access node lease with the same name as the requesting node');
      return allow;
    case 'storage.k8s.io/csinodes':
      if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
        return noOpinion('can only get, create, update, patch, or delete a CSINode');
      if (a.subresource !== '') return noOpinion('cannot authorize CSINode subresources');
      if (a.verb !== 'create' && a.name !== node)
        return noOpinion('can only access CSINode with the same name as the requesting node');
      return allow;
    case '/nodes':
      return nodeObject(node, a);
    case '/pods':
      return podObject(node, a, related);
  }
  return NODE_RULES.some((r) => ruleAllows(r, { kind: 'resource', ...a })) ? allow : noOpinion('');
}

/** Node objects: write by verb (NodeRestriction narrows), read only its own. */
function nodeObject(node: string, a: NodeRequest): NodeDecision {
  if (a.subresource === '') {
    if (['create', 'update', 'patch'].includes(a.verb)) return allow;
    if (READ.includes(a.verb)) {
      // By name, not the graph, so a kubelet can look for its Node before registering it.
      if (a.name === node) return allow;
      return noOpinion(
        a.name === ''
          ? `node '${node}' cannot read all nodes, only its own Node object`
          : `node '${node}' cannot read '${a.name}', only its own Node object`,
      );
    }
  } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
    return allow;
  }
  return noOpinion('');
}

/** Pods: get through the graph, list/watch only with `spec.nodeName=<self>`, writes by verb. */
function podObject(node: string, a: NodeRequest, related: (type: VertexType) => NodeDecision): NodeDecision {
  switch (a.subresource) {
    case '':
      if (a.verb === 'get') return related('pod');
      if (a.verb === 'list' || a.verb === 'watch') {
        if (selectsNode(a.fieldSelector, node)) return allow;
        if (a.name !== '') return related('pod');
        return noOpinion('can only list/watch pods with spec.nodeName field selector');
      }
      // Mirror pods; NodeRestriction limits both to pods bound to this node.
      if (a.verb === 'create' || a.verb === 'delete') return allow;
      break;
    case 'status':
      if (a.verb === 'update' || a.verb === 'patch') return allow;
      break;
    case 'eviction':
      if (a.verb === 'create') return allow;
      break;
  }
  return noOpinion('');
}

/** True when the field selector requires `spec.nodeName` to equal `node`. */
function selectsNode(selector: string | undefined, node: string): boolean {
  if (!selector) return false;
  try {
    return parseFieldSelector(selector, 'pods').some(
      (r) => r.field === 'spec.nodeName' && !r.negate && r.value === node,
    );
  } catch {
    return false;
  }
}

/**
 * What `kubectl auth can-i --list` shows a node: the `system:node` rules, marked incomplete
 * because the graph and the node's name narrow several of them per object.
 */
export function nodeRulesOf(user: NodeUser): { readonly rules: readonly Readonly<PolicyRule>[] } | undefined {
  return nodeIdentity(user) ? { rules: NODE_RULES } : undefined;
}
