/**
 * What one caller may do: the authorization of a non-resource path and of a resource request
 * (with the attributes and the 403 Kubernetes answers), and the admission of the caller's
 * writes (NodeRestriction, then RBAC's escalation checks).
 */
import type { IncomingMessage } from 'node:http';
import { isNotFound } from '../../../lib/api/errors.js';
import type { Admit } from '../admission.js';
import { forbiddenMessage, forbiddenPathMessage, type RequestAttributes, type UserInfo } from '../auth.js';
import { admitNodeRestriction } from '../node-restriction.js';
import { rbacAdmission } from '../rbac/admission.js';
import type { RequestInfo } from '../request-info.js';
import type { ResourceInfo } from '../resources.js';
import { ApiError } from '../status.js';
import type { HandlerOptions } from './context.js';

/**
 * Authorizes a non-resource path (RBAC's too: system:discovery, system:public-info-viewer, ...);
 * a refusal drains the request's body first.
 */
export async function authorizePath(
  o: HandlerOptions,
  user: UserInfo,
  req: IncomingMessage,
  path: string,
): Promise<void> {
  const verb = (req.method ?? 'GET').toLowerCase();
  const d = await o.authorizer.authorize(user, { kind: 'nonResource', verb, path });
  if (!d.allowed) {
    req.resume();
    throw new ApiError(403, 'Forbidden', forbiddenPathMessage(user, verb, path, d.reason));
  }
}

/** Authorizes a resource request, or throws the 403 Kubernetes answers. */
export async function authorizeRequest(
  o: HandlerOptions,
  user: UserInfo,
  info: RequestInfo,
  query: URLSearchParams,
): Promise<void> {
  const fieldSelector = query.get('fieldSelector');
  const attrs: RequestAttributes = {
    ...attrsOf(info),
    name: authorizationName(info, query),
    ...(fieldSelector !== null ? { fieldSelector } : {}),
  };
  const decision = await o.authorizer.authorize(user, { kind: 'resource', ...attrs });
  if (!decision.allowed) throw forbidden(user, attrs, decision.reason);
}

function forbidden(user: UserInfo, attrs: RequestAttributes, reason: string): ApiError {
  return new ApiError(403, 'Forbidden', forbiddenMessage(user, attrs, reason), {
    name: attrs.name,
    group: attrs.group,
    kind: attrs.resource,
  });
}

/**
 * The request's attributes. A request for a Namespace itself (`/api/v1/namespaces/NAME[/status]`)
 * is in that namespace, as apiserver's RequestInfoFactory has it: a Role in `NAME` granting
 * `get namespaces` lets its subjects read their own namespace.
 */
function attrsOf(info: RequestInfo): RequestAttributes {
  const own = info.group === '' && info.resource === 'namespaces' ? info.name : '';
  return {
    verb: info.verb,
    group: info.group,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace ?? own,
    name: info.name,
  };
}

/**
 * The name authorization sees: the URL's, or for a list or watch the one an exact
 * `metadata.name=` field selector asks for (apiserver RequestInfoFactory does the same, so
 * `resourceNames` rules cover `kubectl get pod/x -w` and the informers of one object).
 */
function authorizationName(info: RequestInfo, query: URLSearchParams): string {
  if (info.name !== '' || (info.verb !== 'list' && info.verb !== 'watch')) return info.name;
  for (const term of (query.get('fieldSelector') ?? '').split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m && m[1] !== '' && m[1] !== '.' && m[1] !== '..' && !/[/%]/.test(m[1] as string))
      return m[1] as string;
  }
  return '';
}

/**
 * The admission of `user`'s writes, in kube-apiserver's order: NodeRestriction (with the reads it
 * needs), then RBAC's escalation checks for the RBAC kinds.
 */
export function admissionOf(o: HandlerOptions, user: UserInfo, info: RequestInfo, res: ResourceInfo): Admit {
  const lookup = async (plural: string, namespace: string | undefined, name: string) => {
    const found = o.resources.lookup('', 'v1', plural);
    if (!found) return undefined;
    return o.rest.get(found, namespace, name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  };
  const rbac =
    res.group === 'rbac.authorization.k8s.io'
      ? rbacAdmission({
          authorizer: o.authorizer,
          user,
          kind: res.kind,
          requestName: info.name,
          namespace: res.namespaced ? (info.namespace ?? '') : '',
        })
      : undefined;
  return async (a) => {
    await admitNodeRestriction(user, a, {
      getPod: (namespace, name) => lookup('pods', namespace, name),
      getNode: (name) => lookup('nodes', undefined, name),
    });
    if (rbac && a.object && a.operation !== 'DELETE') await rbac(a.object, a.oldObject);
  };
}
