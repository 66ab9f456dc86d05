/**
 * Authentication and authorization, the Kubernetes way cut down to what this cluster needs.
 *
 * Authentication (who): a bearer token from the token file (kube-apiserver --token-auth-file
 * CSV: token,user,uid,"groups"), or a client certificate signed by our CA (CN = user,
 * O = groups, as in Kubernetes' x509 authenticator). Nothing → anonymous.
 *
 * Authorization (may they): system:masters may do everything; a node (`system:node:<name>`,
 * group system:nodes) what the Node authorizer allows (node-authorizer.ts); component users get
 * fixed rule lists.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { PolicyRule } from '../../lib/api/rbac-v1.js';
import { authorizeNode, nodeRulesOf } from './node-authorizer.js';
import type { NodeGraph } from './node-graph.js';

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
  /** For list/watch: the name a `metadata.name=` field selector asks for. */
  readonly name: string;
  /** The raw field selector of a list or watch. */
  readonly fieldSelector?: string;
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

/** The outcome of authorization, with the deciding authorizer's reason when it gave one. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason?: string;
}

/** State the authorizers decide from. */
export interface AuthorizerContext {
  /** Pods bound to nodes and what they reference (the Node authorizer's graph). */
  readonly nodeGraph: NodeGraph;
}

/**
 * Decides whether `user` may do `attrs`: system:masters, then the Node authorizer (which never
 * denies, so a node falls through to the rest), then the fixed component rules.
 */
export function authorize(user: UserInfo, attrs: RequestAttributes, ctx: AuthorizerContext): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true };
  // system:basic-user: everyone may ask what they themselves may do.
  if (attrs.verb === 'create' && SELF_REVIEWS.includes(attrs.resource) && attrs.subresource === '')
    return { allowed: true };
  const node = authorizeNode(user, attrs, ctx.nodeGraph);
  if (node.decision === 'Allow') return { allowed: true };
  const rules = COMPONENT_RULES[user.name];
  if (rules && allowedByRules(rules, attrs)) return { allowed: true };
  return node.reason === '' ? { allowed: false } : { allowed: false, reason: node.reason };
}

/** One rule as SelfSubjectRulesReview reports it (rbac PolicyRule; no API groups = `*`). */
export interface ListedRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
}

const listed = (r: Readonly<PolicyRule>): ListedRule => ({
  verbs: r.verbs,
  ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}),
  resources: r.resources ?? [],
  ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
});

/**
 * What `user` may do (in any namespace), as a rule list (`kubectl auth can-i --list`). For a node:
 * the `system:node` rules its authorizer checks, `incomplete` because the graph and the node's
 * name narrow several of them per object (as Kubernetes reports for authorizers that cannot
 * list their rules).
 */
export function rulesOf(user: UserInfo): { resourceRules: ListedRule[]; incomplete: boolean } {
  if (user.groups.includes('system:masters')) {
    return { resourceRules: [{ verbs: ['*'], resources: ['*'] }], incomplete: false };
  }
  const basic: ListedRule[] = [{ verbs: ['create'], resources: SELF_REVIEWS }];
  const node = nodeRulesOf(user);
  if (node) return { resourceRules: [...basic, ...node.rules.map(listed)], incomplete: true };
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
