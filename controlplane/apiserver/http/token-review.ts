/**
 * TokenReview (authentication.k8s.io/v1): who a bearer token belongs to, answered by the same
 * authenticators that check requests (the static token file, then signed service-account
 * tokens). Webhook token authenticators — the kubelet's on :10250 — ask this. A token that
 * authenticates nobody gets `authenticated` omitted and an empty user, as upstream answers.
 */
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import { verifyToken } from '../sa-tokens.js';
import { invalidError } from '../status.js';
import type { HandlerOptions } from './context.js';

/** The answered TokenReview for a posted one (spec.token required). */
export function tokenReview(o: HandlerOptions, input: Json, now: Date): JsonObject {
  const spec = isJsonObject(input) && isJsonObject(input.spec) ? input.spec : undefined;
  const token = spec?.token;
  if (typeof token !== 'string' || token === '') {
    throw invalidError({ group: 'authentication.k8s.io', kind: 'TokenReview' }, '', [
      { reason: 'FieldValueRequired', field: 'spec.token', message: 'Required value' },
    ]);
  }
  const audiences = Array.isArray(spec?.audiences)
    ? spec.audiences.filter((a): a is string => typeof a === 'string')
    : [];
  const user =
    o.tokens().get(token) ?? (o.serviceAccountKey ? verifyToken(o.serviceAccountKey, token, now) : undefined);
  const status: JsonObject = user
    ? {
        authenticated: true,
        user: { username: user.name, groups: [...user.groups] },
        ...(audiences.length > 0 ? { audiences } : {}),
      }
    : { user: {} };
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token, ...(audiences.length > 0 ? { audiences } : {}) },
    status,
  };
}
