/**
 * The "self" review APIs, answered from the caller's own identity and never stored:
 * SelfSubjectAccessReview (`kubectl auth can-i VERB RESOURCE`), SelfSubjectRulesReview
 * (`kubectl auth can-i --list`), both authorization.k8s.io/v1, and SelfSubjectReview
 * (`kubectl auth whoami`, authentication.k8s.io/v1, GA in 1.28). Every authenticated user may
 * create them (the system:basic-user ClusterRole grants exactly that).
 */
import { type Decision, type RequestAttributes, rulesOf, type UserInfo } from './auth.js';
import { isObject, type Json, type JsonObject } from './patch.js';
import { badRequest } from './status.js';

/** Paths anyone authenticated may GET (system:discovery, system:public-info-viewer). */
const DISCOVERY_PATHS = [
  /^\/version$/,
  /^\/(healthz|livez|readyz)(\/[^/]+)?$/,
  /^\/apis?(\/.*)?$/,
  /^\/openapi(\/.*)?$/,
];

/** The groups a request carries in Kubernetes: every authenticated user is in system:authenticated. */
function groupsOf(user: UserInfo): string[] {
  return user.groups.includes('system:authenticated')
    ? [...user.groups]
    : [...user.groups, 'system:authenticated'];
}

function str(o: JsonObject, field: string): string {
  const v = o[field];
  return typeof v === 'string' ? v : '';
}

function specOf(body: Json): JsonObject {
  if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
  return isObject(body.spec) ? body.spec : {};
}

/** The reviewed request's attributes, or undefined for a non-resource request. */
function resourceAttributes(spec: JsonObject): RequestAttributes | undefined {
  const a = spec.resourceAttributes;
  if (!isObject(a)) return undefined;
  return {
    verb: str(a, 'verb'),
    group: str(a, 'group'),
    resource: str(a, 'resource'),
    subresource: str(a, 'subresource'),
    namespace: str(a, 'namespace'),
    name: str(a, 'name'),
  };
}

/** Answers a SelfSubjectAccessReview; `authorize` decides for the caller. */
export function selfSubjectAccessReview(options: {
  readonly user: UserInfo;
  readonly body: Json;
  readonly authorize: (attrs: RequestAttributes) => Decision;
}): JsonObject {
  const spec = specOf(options.body);
  const attrs = resourceAttributes(spec);
  const nonResource = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (attrs === undefined && nonResource === undefined) {
    // authorization/validation ValidateSelfSubjectAccessReviewSpec.
    throw badRequest(
      'spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  }
  let allowed: boolean;
  let reason: string | undefined;
  if (attrs !== undefined) {
    ({ allowed, reason } = options.authorize(attrs));
  } else {
    const path = str(nonResource ?? {}, 'path');
    const verb = str(nonResource ?? {}, 'verb');
    allowed =
      options.user.groups.includes('system:masters') ||
      (verb === 'get' && DISCOVERY_PATHS.some((re) => re.test(path)));
  }
  const status: JsonObject = { allowed };
  if (allowed && options.user.groups.includes('system:masters')) status.reason = 'system:masters';
  else if (reason !== undefined) status.reason = reason;
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}

/** Answers a SelfSubjectRulesReview: what the caller may do (the same in every `spec.namespace`). */
export function selfSubjectRulesReview(options: {
  readonly user: UserInfo;
  readonly body: Json;
}): JsonObject {
  const spec = specOf(options.body);
  const { resourceRules, incomplete } = rulesOf(options.user);
  const master = options.user.groups.includes('system:masters');
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: {
      resourceRules: resourceRules.map((r) => ({
        verbs: [...r.verbs],
        apiGroups: [...(r.apiGroups ?? ['*'])],
        resources: [...r.resources],
        ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
      })),
      nonResourceRules: master
        ? [{ verbs: ['*'], nonResourceURLs: ['*'] }]
        : [
            {
              verbs: ['get'],
              nonResourceURLs: [
                '/api',
                '/api/*',
                '/apis',
                '/apis/*',
                '/healthz',
                '/livez',
                '/openapi',
                '/openapi/*',
                '/readyz',
                '/version',
              ],
            },
          ],
      incomplete,
    },
  };
}

/** Answers a SelfSubjectReview: who the server thinks the caller is. */
export function selfSubjectReview(user: UserInfo): JsonObject {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.name, groups: groupsOf(user) } },
  };
}
