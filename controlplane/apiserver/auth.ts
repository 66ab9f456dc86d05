/**
 * Authentication and authorization, the Kubernetes way cut down to what this cluster needs.
 *
 * Authentication (who): a bearer token from the token file (kube-apiserver --token-auth-file
 * CSV: token,user,uid,"groups"), or a client certificate signed by our CA (CN = user,
 * O = groups, as in Kubernetes' x509 authenticator). Nothing → anonymous.
 *
 * Authorization (may they): system:masters may do everything; a node (`system:node:<name>`,
 * group system:nodes) may read what a kubelet reads and write only its own Node, its own Lease
 * and pods bound to it (the Node authorizer's rule); component users get fixed rule lists.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** An authenticated caller. */
export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

/** What a request wants to do (apiserver's authorizer.Attributes). */
export interface RequestAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

/** Parses a token file into token → user. Lines: token,user,uid[,"g1,g2"]. */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^([^,]+),([^,]+),([^,]*)(?:,"?([^"]*)"?)?$/.exec(t);
    if (!m) continue;
    const groups = (m[4] ?? '').split(',').filter((g) => g !== '');
    out.set(m[1] as string, { name: m[2] as string, groups: [...groups, 'system:authenticated'] });
  }
  return out;
}

/** Reads the token file (missing → no tokens). */
export function loadTokens(path: string): Map<string, UserInfo> {
  try {
    return parseTokenFile(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}

/** The caller of a request, or undefined for anonymous. A bad token is also undefined (→ 401). */
export function authenticate(
  req: IncomingMessage,
  tokens: ReadonlyMap<string, UserInfo>,
): UserInfo | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m ? tokens.get(m[1] as string) : undefined;
  }
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate === 'function' && socket.authorized) {
    const cert = socket.getPeerCertificate();
    const subject = cert?.subject as unknown as Record<string, string | string[] | undefined> | undefined;
    const cn = subject?.CN;
    if (typeof cn === 'string' && cn !== '') {
      const o = subject?.O;
      const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
      return { name: cn, groups: [...groups, 'system:authenticated'] };
    }
  }
  return undefined;
}

const READ = ['get', 'list', 'watch'];
const SELF_REVIEWS = ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews'];
const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

interface Rule {
  readonly verbs: readonly string[];
  /** `resource` or `resource/subresource`; `*` for all. */
  readonly resources: readonly string[];
}

/** Rule lists of the control-plane and node components (a fixed RBAC). */
const COMPONENT_RULES: Readonly<Record<string, readonly Rule[]>> = {
  'system:kube-scheduler': [
    { verbs: READ, resources: ['*'] },
    { verbs: ['create'], resources: ['pods/binding', 'events'] },
    { verbs: ['update', 'patch'], resources: ['pods/status'] },
    { verbs: ALL_VERBS, resources: ['leases'] },
  ],
  'system:kube-controller-manager': [{ verbs: ALL_VERBS, resources: ['*'] }],
  'system:kube-proxy': [
    { verbs: READ, resources: ['services', 'endpointslices', 'endpoints', 'nodes'] },
    { verbs: ['create', 'patch'], resources: ['events'] },
  ],
  'system:switchyard:dns': [
    { verbs: READ, resources: ['services', 'endpointslices', 'endpoints', 'pods', 'namespaces'] },
  ],
  'system:switchyard:ingress': [
    { verbs: READ, resources: ['ingresses', 'ingressclasses', 'services', 'endpointslices', 'secrets'] },
    { verbs: ['update', 'patch'], resources: ['ingresses/status'] },
    { verbs: ALL_VERBS, resources: ['leases'] },
    { verbs: ['create', 'patch'], resources: ['events'] },
  ],
  'system:switchyard:lb': [
    { verbs: READ, resources: ['*'] },
    { verbs: ['update', 'patch'], resources: ['services/status'] },
    { verbs: ALL_VERBS, resources: ['leases', 'events'] },
  ],
};

function allowedByRules(rules: readonly Rule[], attrs: RequestAttributes): boolean {
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  return rules.some(
    (r) => r.verbs.includes(attrs.verb) && (r.resources.includes('*') || r.resources.includes(res)),
  );
}

/** The outcome of authorization; `podNode` asks the caller to check that the pod is bound to that node. */
export interface Decision {
  readonly allowed: boolean;
  readonly podNode?: string;
  /** For creates: the object's metadata.name must be this (NodeRestriction admission). */
  readonly createName?: string;
}

const NODE_USER_PREFIX = 'system:node:';

/** The node a kubelet's user (`system:node:NAME` in group system:nodes) stands for, if it is one. */
function nodeNameOf(user: UserInfo): string | undefined {
  return user.groups.includes('system:nodes') && user.name.startsWith(NODE_USER_PREFIX)
    ? user.name.slice(NODE_USER_PREFIX.length)
    : undefined;
}

/** Decides whether `user` may do `attrs`. */
export function authorize(user: UserInfo, attrs: RequestAttributes): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true };
  // system:basic-user: everyone may ask what they themselves may do.
  if (attrs.verb === 'create' && SELF_REVIEWS.includes(attrs.resource) && attrs.subresource === '')
    return { allowed: true };
  const node = nodeNameOf(user);
  if (node !== undefined) return authorizeNode(node, attrs);
  const rules = COMPONENT_RULES[user.name];
  return rules && allowedByRules(rules, attrs) ? { allowed: true } : { allowed: false };
}

/** The Node authorizer plus NodeRestriction, simplified (plugin/pkg/auth/authorizer/node). */
function authorizeNode(node: string, a: RequestAttributes): Decision {
  const read = READ.includes(a.verb);
  switch (a.resource) {
    case 'nodes':
      if (read) return { allowed: true };
      if (a.verb === 'create') return { allowed: true, createName: node };
      return { allowed: a.name === node };
    case 'leases':
      if (a.namespace !== 'kube-node-lease') return { allowed: false };
      if (a.verb === 'create') return { allowed: true, createName: node };
      return { allowed: a.name === node };
    case 'pods':
      if (a.verb === 'list' || a.verb === 'watch') return { allowed: true };
      if (a.verb === 'create' || a.name === '') return { allowed: false };
      // get, status updates and deletes only for pods bound to this node: the caller checks.
      if (
        a.verb === 'get' ||
        a.verb === 'delete' ||
        ((a.verb === 'update' || a.verb === 'patch') && a.subresource === 'status')
      ) {
        return { allowed: true, podNode: node };
      }
      return { allowed: false };
    case 'services':
    case 'endpoints':
    case 'endpointslices':
    case 'namespaces':
    case 'configmaps':
    case 'secrets':
      return { allowed: read };
    case 'events':
      return { allowed: a.verb === 'create' || a.verb === 'patch' || a.verb === 'update' };
    default:
      return { allowed: false };
  }
}

/** One rule as SelfSubjectRulesReview reports it (rbac PolicyRule, API groups left as `*`). */
export interface ListedRule {
  readonly verbs: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
}

/**
 * What `user` may do in `namespace`, as a rule list (`kubectl auth can-i --list`). `incomplete`
 * is true where a decision depends on the object (a node's pods: only those bound to it), as
 * Kubernetes reports for authorizers that cannot list their rules.
 */
export function rulesOf(
  user: UserInfo,
  namespace: string,
): { resourceRules: ListedRule[]; incomplete: boolean } {
  if (user.groups.includes('system:masters')) {
    return { resourceRules: [{ verbs: ['*'], resources: ['*'] }], incomplete: false };
  }
  const basic: ListedRule[] = [{ verbs: ['create'], resources: SELF_REVIEWS }];
  const node = nodeNameOf(user);
  if (node !== undefined) {
    const rules: ListedRule[] = [
      ...basic,
      {
        verbs: READ,
        resources: [
          'services',
          'endpoints',
          'endpointslices',
          'namespaces',
          'configmaps',
          'secrets',
          'nodes',
        ],
      },
      { verbs: ['list', 'watch'], resources: ['pods'] },
      { verbs: ['create', 'patch', 'update'], resources: ['events'] },
      { verbs: ['create'], resources: ['nodes'] },
      { verbs: ['update', 'patch', 'delete'], resources: ['nodes', 'nodes/status'], resourceNames: [node] },
    ];
    if (namespace === 'kube-node-lease') {
      rules.push({ verbs: ['create'], resources: ['leases'] });
      rules.push({
        verbs: ALL_VERBS.filter((v) => v !== 'create'),
        resources: ['leases'],
        resourceNames: [node],
      });
    }
    return { resourceRules: rules, incomplete: true };
  }
  const rules = COMPONENT_RULES[user.name] ?? [];
  return {
    resourceRules: [...basic, ...rules.map((r) => ({ verbs: r.verbs, resources: r.resources }))],
    incomplete: false,
  };
}

/**
 * Impersonation (`kubectl --as USER --as-group G`): the `Impersonate-User` and
 * `Impersonate-Group` headers replace the caller's identity when the caller may impersonate —
 * here only system:masters, who hold every verb including `impersonate`. Returns the caller
 * unchanged without those headers; throws the Forbidden message Kubernetes' impersonation
 * filter writes otherwise (staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go).
 */
export function impersonate(
  user: UserInfo,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): UserInfo | { readonly forbidden: string } {
  const name = headers['impersonate-user'];
  const rawGroups = headers['impersonate-group'];
  const groups = rawGroups === undefined ? [] : Array.isArray(rawGroups) ? rawGroups : [rawGroups];
  if (name === undefined && groups.length === 0) return user;
  const target = Array.isArray(name) ? name[0] : name;
  if (target === undefined || target === '') {
    return { forbidden: 'requested impersonation of groups without impersonating a user' };
  }
  if (!user.groups.includes('system:masters')) {
    return {
      forbidden: `users "${target}" is forbidden: User "${user.name}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    };
  }
  // An impersonated user is authenticated like any other (the filter adds the group).
  return {
    name: target,
    groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'],
  };
}
