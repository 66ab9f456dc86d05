/**
 * Service-account tokens on the wire: the caller a bearer token this server issued stands for,
 * and `POST serviceaccounts/NAME/token` (TokenRequest), answered with a signed token and never
 * stored.
 */
import type { IncomingMessage } from 'node:http';
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import type { UserInfo } from '../auth.js';
import { ISSUER, issueToken, verifyToken } from '../sa-tokens.js';
import { type HandlerOptions, notFound, type ResourceRequest } from './context.js';

/** A bearer token this server issued for a service account (TokenRequest). */
export function serviceAccountCaller(
  o: HandlerOptions,
  req: IncomingMessage,
  now: Date,
): UserInfo | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m && o.serviceAccountKey ? verifyToken(o.serviceAccountKey, m[1] as string, now) : undefined;
}

/** POST serviceaccounts/NAME/token: a TokenRequest answered with a signed token, never stored. */
export async function tokenRequest(c: ResourceRequest, namespace: string, input: Json): Promise<JsonObject> {
  const key = c.o.serviceAccountKey;
  if (!key) throw notFound();
  const sa = await c.o.rest.get(c.res_, namespace, c.info.name);
  const spec = isJsonObject(input) && isJsonObject(input.spec) ? input.spec : {};
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const asked = spec.expirationSeconds;
  const issued = issueToken({
    key,
    subject: {
      namespace,
      name: c.info.name,
      uid: isJsonObject(sa.metadata) && typeof sa.metadata.uid === 'string' ? sa.metadata.uid : '',
    },
    audiences,
    ...(typeof asked === 'number' ? { expirationSeconds: asked } : {}),
    now: c.now(),
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: c.info.name, namespace, creationTimestamp: null },
    spec: {
      audiences: audiences.length > 0 ? audiences : [ISSUER],
      expirationSeconds: issued.expirationSeconds,
      boundObjectRef: isJsonObject(spec.boundObjectRef) ? spec.boundObjectRef : null,
    },
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
  };
}
