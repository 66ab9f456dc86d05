/**
 * The review APIs, answered by the authorizer chain and never stored: SelfSubjectAccessReview
 * (`kubectl auth can-i VERB RESOURCE`), SelfSubjectRulesReview (`kubectl auth can-i --list`),
 * SubjectAccessReview and LocalSubjectAccessReview (a webhook or controller asking about someone
 * else), all authorization.k8s.io/v1, and SelfSubjectReview (`kubectl auth whoami`,
 * authentication.k8s.io/v1). Who may create which is itself RBAC's call (system:basic-user
 * grants the self reviews to everyone authenticated; system:auth-delegator the others).
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import type { Authorizer, RequestAttributes, UserInfo } from './auth.js';
import type { Attributes } from './rbac/rule-match.js';
import { badRequest, invalidError } from './status.js';

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
  if (!isJsonObject(body)) throw badRequest('the body of the request must be a JSON object');
  return isJsonObject(body.spec) ? body.spec : {};
}

/** The reviewed request's attributes, or undefined for a non-resource request. */
function resourceAttributes(spec: JsonObject): RequestAttributes | undefined {
  const a = spec.resourceAttributes;
  if (!isJsonObject(a)) return undefined;
  return {
    verb: str(a, 'verb'),
    group: str(a, 'group'),
    resource: str(a, 'resource'),
    subresource: str(a, 'subresource'),
    namespace: str(a, 'namespace'),
    name: str(a, 'name'),
  };
}

/** What an access review asks about; the 422 of ValidateSubjectAccessReviewSpec when neither. */
function attributesOf(kind: string, spec: JsonObject): Attributes {
  const attrs = resourceAttributes(spec);
  const nonResource = isJsonObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  // ValidateSubjectAccessReviewSpec, field and wording as there.
  if ((attrs === undefined) === (nonResource === undefined)) {
    const both = attrs !== undefined;
    throw invalidError({ group: 'authorization.k8s.io', kind }, '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        message: both
          ? `Invalid value: ${JSON.stringify(nonResource)}: cannot be specified in combination with resourceAttributes`
          : 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ]);
  }
  if (attrs !== undefined) return { kind: 'resource', ...attrs };
  return { kind: 'nonResource', verb: str(nonResource ?? {}, 'verb'), path: str(nonResource ?? {}, 'path') };
}

/** Decides an access review. */
async function decide(authorizer: Authorizer, user: UserInfo, attrs: Attributes): Promise<JsonObject> {
  const d = await authorizer.authorize(user, attrs);
  return { allowed: d.allowed, ...(d.reason !== '' ? { reason: d.reason } : {}) };
}

/** Options every access review needs. */
export interface ReviewOptions {
  readonly authorizer: Authorizer;
  readonly user: UserInfo;
  readonly body: Json;
}

/** Answers a SelfSubjectAccessReview: may the caller do what the spec describes? */
export async function selfSubjectAccessReview(o: ReviewOptions): Promise<JsonObject> {
  const spec = specOf(o.body);
  const status = await decide(o.authorizer, o.user, attributesOf('SelfSubjectAccessReview', spec));
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}

/**
 * Answers a SubjectAccessReview (cluster-wide) or LocalSubjectAccessReview (`namespace` set:
 * the spec's resourceAttributes.namespace must be that namespace, or empty).
 */
export async function subjectAccessReview(
  o: ReviewOptions & { readonly namespace?: string },
): Promise<JsonObject> {
  const kind = o.namespace === undefined ? 'SubjectAccessReview' : 'LocalSubjectAccessReview';
  const spec = specOf(o.body);
  const name = str(spec, 'user');
  const groups = Array.isArray(spec.groups)
    ? spec.groups.filter((g): g is string => typeof g === 'string')
    : [];
  if (name === '' && groups.length === 0) {
    throw invalidError({ group: 'authorization.k8s.io', kind }, '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.user',
        message: 'Invalid value: "": at least one of user or group must be specified',
      },
    ]);
  }
  let attrs = attributesOf(kind, spec);
  if (o.namespace !== undefined) {
    if (attrs.kind !== 'resource') {
      throw invalidError({ group: 'authorization.k8s.io', kind }, '', [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.nonResourceAttributes',
          message: 'Invalid value: "null": disallowed on this kind of request',
        },
      ]);
    }
    if (attrs.namespace !== '' && attrs.namespace !== o.namespace) {
      throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${o.namespace}`);
    }
    attrs = { ...attrs, namespace: o.namespace };
  }
  const status = await decide(o.authorizer, { name, groups }, attrs);
  return {
    kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}) },
    spec,
    status,
  };
}

/** Answers a SelfSubjectRulesReview: what the caller may do in `spec.namespace`. */
export function selfSubjectRulesReview(options: {
  readonly authorizer: Authorizer;
  readonly user: UserInfo;
  readonly body: Json;
}): JsonObject {
  const spec = specOf(options.body);
  const r = options.authorizer.rulesFor(options.user, str(spec, 'namespace'));
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: {
      resourceRules: r.resourceRules.map((rule) => ({
        verbs: [...rule.verbs],
        ...(rule.apiGroups ? { apiGroups: [...rule.apiGroups] } : {}),
        ...(rule.resources ? { resources: [...rule.resources] } : {}),
        ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
      })),
      nonResourceRules: r.nonResourceRules.map((rule) => ({
        verbs: [...rule.verbs],
        nonResourceURLs: [...(rule.nonResourceURLs ?? [])],
      })),
      incomplete: r.incomplete,
      ...(r.evaluationError !== undefined ? { evaluationError: r.evaluationError } : {}),
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
