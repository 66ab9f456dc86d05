/**
 * Service-account tokens (TokenRequest, `kubectl create token SA`): JSON Web Tokens (RFC 7519)
 * with the claims kube-apiserver puts in its bound tokens (iss, sub
 * `system:serviceaccount:NS:NAME`, aud, iat/nbf/exp, and the `kubernetes.io` claim naming the
 * namespace and service account), signed with HMAC-SHA256 (RFC 7518 §3.2, `HS256`) under a key
 * only this server holds. A valid, unexpired token authenticates as the service account, in the
 * groups `system:serviceaccounts` and `system:serviceaccounts:NS` (as Kubernetes' authenticator).
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatTime } from '../../lib/api/time.js';
import type { UserInfo } from './auth.js';
import { invalidError } from './status.js';

/** The issuer kube-apiserver uses by default in-cluster (its --service-account-issuer). */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** Token lifetime when the request names none (TokenRequest's default, 1 h). */
const DEFAULT_SECONDS = 3600;
/** The shortest lifetime TokenRequest validation allows (10 min). */
const MIN_SECONDS = 600;

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function sign(key: Buffer, input: string): string {
  return createHmac('sha256', key).update(input).digest('base64url');
}

/** What a token is issued for. */
export interface TokenSubject {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** Issues a token; `expirationSeconds` is checked as TokenRequest validation does. */
export function issueToken(options: {
  readonly key: Buffer;
  readonly subject: TokenSubject;
  readonly audiences: readonly string[];
  readonly expirationSeconds?: number;
  readonly now: Date;
}): { readonly token: string; readonly expirationTimestamp: string; readonly expirationSeconds: number } {
  const seconds = options.expirationSeconds ?? DEFAULT_SECONDS;
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS) {
    throw invalidError({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, options.subject.name, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.expirationSeconds',
        message: `Invalid value: ${JSON.stringify(seconds)}: may not specify a duration less than 10 minutes`,
      },
    ]);
  }
  const iat = Math.floor(options.now.getTime() / 1000);
  const { namespace, name, uid } = options.subject;
  const claims = {
    aud: options.audiences.length > 0 ? [...options.audiences] : [ISSUER],
    exp: iat + seconds,
    iat,
    iss: ISSUER,
    nbf: iat,
    sub: `system:serviceaccount:${namespace}:${name}`,
    'kubernetes.io': { namespace, serviceaccount: { name, uid } },
  };
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return {
    token: `${input}.${sign(options.key, input)}`,
    expirationTimestamp: formatTime((iat + seconds) * 1000),
    expirationSeconds: seconds,
  };
}

/** The service account a token stands for, or undefined when it is not ours, forged or expired. */
export function verifyToken(key: Buffer, token: string, now: Date): UserInfo | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header = '', payload = '', signature = ''] = parts;
  const want = Buffer.from(sign(key, `${header}.${payload}`));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  let claims: { sub?: unknown; exp?: unknown; nbf?: unknown; iss?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  const t = now.getTime() / 1000;
  if (claims.iss !== ISSUER || typeof claims.exp !== 'number' || claims.exp <= t) return undefined;
  if (typeof claims.nbf === 'number' && claims.nbf > t + 60) return undefined;
  const m =
    typeof claims.sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub) : null;
  if (!m) return undefined;
  return {
    name: claims.sub as string,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${m[1]}`, 'system:authenticated'],
  };
}
