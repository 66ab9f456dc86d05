/**
 * Authentication and authorization, the Kubernetes way cut down to what this cluster needs.
 *
 * Authentication (who): a bearer token from the token file (kube-apiserver --token-auth-file
 * CSV: token,user,uid,"groups"), or a client certificate signed by our CA (CN = user,
 * O = groups, as in Kubernetes' x509 authenticator). Nothing → anonymous.
 *
 * Authorization (may they), as kube-apiserver's chain: system:masters may do everything; then the
 * Node authorizer (node-authorizer.ts: a kubelet `system:node:<name>` in group system:nodes gets
 * what pods bound to it use, its own Node and Lease, and the system:node rules); then RBAC
 * (./rbac/authorizer.ts) over the Roles, ClusterRoles and bindings in the store.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { PolicyRule } from '../../lib/api/rbac-v1.js';
import { authorizeNode, nodeRulesOf } from './node-authorizer.js';
import type { NodeGraph } from './node-graph.js';
import { rbacAuthorize, rbacRulesFor } from './rbac/authorizer.js';
import type { PolicyCache, PolicySource } from './rbac/policy-cache.js';
import type { Attributes } from './rbac/rule-match.js';

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
  /** The raw field selector of a list or watch (the Node authorizer reads `spec.nodeName=`). */
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

/** The outcome of authorization. */
export interface Decision {
  readonly allowed: boolean;
  /** Why (an allow's binding, or a denial's resolution errors); '' when there is nothing to say. */
  readonly reason: string;
}

const MASTERS = 'system:masters';

/**
 * The authorizers before RBAC, in kube-apiserver's order: system:masters (the privileged-group
 * authorizer) allows everything, then the Node authorizer. Component users (scheduler,
 * controller manager, proxy, ...) have no rule lists of their own: the bootstrap policy's
 * bindings grant them their roles through RBAC. `allowed` undefined is "no opinion": RBAC
 * decides; `reason` is the Node authorizer's when it had one (a union authorizer reports the
 * reasons of those that passed).
 */
export function authorize(
  user: UserInfo,
  attrs: RequestAttributes,
  nodeGraph: NodeGraph,
): { readonly allowed?: true; readonly reason: string } {
  if (user.groups.includes(MASTERS)) return { allowed: true, reason: '' };
  const node = authorizeNode(user, attrs, nodeGraph);
  if (node.decision === 'Allow') return { allowed: true, reason: node.reason };
  return { reason: node.reason };
}

/** What a user may do in a namespace (SelfSubjectRulesReview's status). */
export interface RulesReview {
  readonly resourceRules: PolicyRule[];
  readonly nonResourceRules: PolicyRule[];
  /** True where an authorizer cannot list its rules (the Node authorizer's object checks). */
  readonly incomplete: boolean;
  readonly evaluationError?: string;
}

/**
 * How long a denial waits for the RBAC cache to see writes acknowledged before the request. The
 * wait ends as soon as the cache has them (milliseconds normally); the bound only matters when the
 * store's watch lags, as an etcd watch did by over 1 s on a loaded 2-core CI machine.
 */
const CATCH_UP_MS = 5000;

/**
 * The whole authorizer chain (kube-apiserver's union authorizer: system:masters → Node → RBAC),
 * for requests, access reviews, rule reviews, impersonation and escalation checks alike.
 */
export class Authorizer {
  readonly #policy: PolicyCache;
  readonly #storeRevision: () => Promise<number>;
  readonly #nodeGraph: NodeGraph;

  constructor(options: {
    readonly policy: PolicyCache;
    readonly storeRevision: () => Promise<number>;
    /** The Node authorizer's graph (kept current by feedNodeGraph). */
    readonly nodeGraph: NodeGraph;
  }) {
    this.#policy = options.policy;
    this.#storeRevision = options.storeRevision;
    this.#nodeGraph = options.nodeGraph;
  }

  /** The RBAC objects the chain reads. */
  get policy(): PolicySource {
    return this.#policy;
  }

  /** Decides a resource or non-resource request. */
  async authorize(user: UserInfo, attrs: Attributes): Promise<Decision> {
    let before = '';
    if (attrs.kind === 'resource') {
      const first = authorize(user, attrs, this.#nodeGraph);
      if (first.allowed) return { allowed: true, reason: first.reason };
      before = first.reason;
    } else if (user.groups.includes(MASTERS)) {
      return { allowed: true, reason: '' };
    }
    const d = await this.#rbac(user, attrs);
    // No one allowed: the reasons of every authorizer that gave one, one per line (union.go).
    return d.allowed || before === ''
      ? d
      : { allowed: false, reason: [before, d.reason].filter((r) => r).join('\n') };
  }

  async #rbac(user: UserInfo, attrs: Attributes): Promise<Decision> {
    const d = rbacAuthorize(this.#policy, user, attrs);
    if (d.allowed) return d;
    // A binding written just before this request may not have reached the cache yet.
    const revision = await this.#storeRevision();
    if (revision <= this.#policy.revision) return d;
    await this.#policy.syncTo(revision, CATCH_UP_MS);
    return rbacAuthorize(this.#policy, user, attrs);
  }

  /** The RBAC rules of `user` in `namespace` ('' = cluster-wide), for escalation checks. */
  rbacRules(user: UserInfo, namespace: string): { readonly rules: PolicyRule[]; readonly errors: string[] } {
    return rbacRulesFor(this.#policy, user, namespace);
  }

  /** Everything `user` may do in `namespace`, as SelfSubjectRulesReview reports it. */
  rulesFor(user: UserInfo, namespace: string): RulesReview {
    if (user.groups.includes(MASTERS)) {
      return {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
    }
    // A node's system:node rules: what its authorizer checks, narrowed per object (incomplete).
    const node = nodeRulesOf(user);
    const { rules, errors } = rbacRulesFor(this.#policy, user, namespace);
    const all = [...(node?.rules ?? []), ...rules];
    return {
      resourceRules: all.filter((r) => (r.nonResourceURLs ?? []).length === 0),
      nonResourceRules: all.filter((r) => (r.nonResourceURLs ?? []).length > 0),
      incomplete: node !== undefined || errors.length > 0,
      ...(errors.length > 0 ? { evaluationError: errors.join(', ') } : {}),
    };
  }

  /**
   * Impersonation (`kubectl --as USER --as-group G`, staging/src/k8s.io/apiserver/pkg/endpoints/
   * filters/impersonation.go): the `Impersonate-User` and `Impersonate-Group` headers replace
   * the caller's identity when the caller may `impersonate` the user (or service account) and
   * each group. Returns the caller unchanged without those headers, else the new identity or
   * the Forbidden message of the first refused check.
   */
  async impersonate(
    user: UserInfo,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<UserInfo | { readonly forbidden: string }> {
    const name = headers['impersonate-user'];
    const rawGroups = headers['impersonate-group'];
    const groups = rawGroups === undefined ? [] : Array.isArray(rawGroups) ? rawGroups : [rawGroups];
    if (name === undefined && groups.length === 0) return user;
    const target = Array.isArray(name) ? name[0] : name;
    if (target === undefined || target === '') {
      return { forbidden: 'requested impersonation of groups without impersonating a user' };
    }
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(target);
    const checks: RequestAttributes[] = [
      sa
        ? { ...IMPERSONATE, resource: 'serviceaccounts', namespace: sa[1] as string, name: sa[2] as string }
        : { ...IMPERSONATE, resource: 'users', name: target },
      ...groups.map((g) => ({ ...IMPERSONATE, resource: 'groups', name: g })),
    ];
    for (const attrs of checks) {
      const d = await this.authorize(user, { kind: 'resource', ...attrs });
      if (!d.allowed) return { forbidden: forbiddenMessage(user, attrs, d.reason) };
    }
    // A service account impersonated without groups gets its own; everyone is authenticated.
    const given =
      groups.length === 0 && sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : groups;
    return {
      name: target,
      groups: [...given.filter((g) => g !== 'system:authenticated'), 'system:authenticated'],
    };
  }
}

const IMPERSONATE = { verb: 'impersonate', group: '', subresource: '', namespace: '', name: '' } as const;

/**
 * kube-apiserver's 403 message (endpoints/handlers/responsewriters ForbiddenStatusError):
 * `pods "p" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "n"`,
 * with `: <reason>` when the authorizer gave one.
 */
export function forbiddenMessage(
  user: UserInfo,
  a: RequestAttributes,
  reason: string,
  qualified = a.group === '' ? a.resource : `${a.resource}.${a.group}`,
): string {
  const what = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  const tail = reason === '' ? '' : `: ${reason}`;
  return `${subject} is forbidden: User "${user.name}" cannot ${a.verb} resource "${what}" in API group "${a.group}"${scope}${tail}`;
}

/** The non-resource form: `forbidden: User "u" cannot get path "/metrics"`. */
export function forbiddenPathMessage(user: UserInfo, verb: string, path: string, reason: string): string {
  return `forbidden: User "${user.name}" cannot ${verb} path "${path}"${reason === '' ? '' : `: ${reason}`}`;
}
