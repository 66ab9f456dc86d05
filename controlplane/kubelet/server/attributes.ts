/**
 * What a request to the kubelet asks for, in the API's terms, as upstream's
 * `pkg/kubelet/server/auth.go` (GetRequestAttributes) names it for the webhook authorizer: the
 * Node object `nodes/<name>`, the verb from the HTTP method, and a subresource by path —
 * `/stats/*` stats, `/metrics/*` metrics, `/logs/*` log, everything else (exec, attach,
 * portForward, containerLogs, pods, healthz) proxy. (KubeletFineGrainedAuthz, alpha and off
 * in 1.32, would add pods/healthz/configz; not followed.)
 */
import { posix } from 'node:path';

/** The attributes a SubjectAccessReview is asked about. */
export interface KubeletAttributes {
  /** get, create, update, patch, delete; empty for other methods. */
  readonly verb: string;
  readonly resource: 'nodes';
  readonly subresource: 'stats' | 'metrics' | 'log' | 'checkpoint' | 'proxy';
  /** The node's name. */
  readonly name: string;
  /** The cleaned path (`..` and doubled slashes resolved), as the authorizer sees it. */
  readonly path: string;
}

const VERBS: Readonly<Record<string, string>> = {
  GET: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Go's path.Clean of a URL path (never empty, always absolute). */
export function cleanPath(path: string): string {
  return posix.normalize(`/${path}`).replace(/(.)\/$/, '$1');
}

/** upstream isSubpath: `sub` is `path` or below it (a trailing slash on `path` ignored). */
function isSubpath(sub: string, path: string): boolean {
  const p = path.replace(/\/$/, '');
  return sub === p || (sub.startsWith(p) && sub[p.length] === '/');
}

/** The attributes of a request (`rawPath` is the URL path, query cut off). */
export function requestAttributes(method: string, rawPath: string, nodeName: string): KubeletAttributes {
  const path = cleanPath(rawPath);
  let subresource: KubeletAttributes['subresource'] = 'proxy';
  if (isSubpath(path, '/stats/')) subresource = 'stats';
  else if (isSubpath(path, '/metrics')) subresource = 'metrics';
  else if (isSubpath(path, '/logs/')) subresource = 'log';
  else if (isSubpath(path, '/checkpoint')) subresource = 'checkpoint';
  return { verb: VERBS[method] ?? '', resource: 'nodes', subresource, name: nodeName, path };
}

/** Who is asking: the authenticated user. */
export interface KubeletUser {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** upstream's 403 text. */
export function forbiddenText(user: KubeletUser, a: KubeletAttributes): string {
  return `Forbidden (user=${user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})`;
}

/** upstream's 500 text when the authorizer could not answer. */
export function authorizationErrorText(user: KubeletUser, a: KubeletAttributes): string {
  return `Authorization error (user=${user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})`;
}

/** The SubjectAccessReview (authorization.k8s.io/v1) the webhook authorizer sends for a request. */
export function subjectAccessReview(user: KubeletUser, a: KubeletAttributes): Record<string, unknown> {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      resourceAttributes: {
        namespace: '',
        verb: a.verb,
        group: '',
        version: 'v1',
        resource: a.resource,
        subresource: a.subresource,
        name: a.name,
      },
      user: user.name,
      groups: [...user.groups],
      ...(user.uid ? { uid: user.uid } : {}),
      ...(user.extra ? { extra: user.extra } : {}),
    },
  };
}
