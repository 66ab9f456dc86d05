/**
 * Who is calling the kubelet, as upstream's kubelet authenticates on :10250: a client
 * certificate that chains to the client CA (user = CN, groups = O), else a bearer token the API
 * server vouches for through a TokenReview (authentication.k8s.io/v1; answers cached, 2 min as
 * upstream's webhook cache), else nobody — anonymous requests are refused (401), as kubeadm's
 * kubelets are configured. A certificate that does not verify is ignored, not fatal: the token
 * may still authenticate the request.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KubeClient } from '../../../lib/client/index.js';
import type { KubeletUser } from './attributes.js';
import { TtlCache } from './ttl-cache.js';

/** The API calls authentication and authorization need. */
export type ReviewClient = Pick<KubeClient, 'requestJson'>;

/** Options of `Authenticator`. */
export interface AuthenticatorOptions {
  readonly client: ReviewClient;
  /** How long a TokenReview answer is reused (default 2 min, the kubelet's webhook cacheTTL). */
  readonly tokenTtlMs?: number;
  readonly now?: () => number;
  /** Told why a token could not be checked (the API server failed to answer). */
  readonly onError?: (err: unknown) => void;
}

/** A TokenReview's answer, as far as it matters here. */
interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly user?: {
    readonly username?: string;
    readonly uid?: string;
    readonly groups?: readonly string[];
    readonly extra?: Readonly<Record<string, readonly string[]>>;
  };
}

/** A certificate subject field: Node gives an array when the field repeats. */
function values(field: string | string[] | undefined): string[] {
  if (field === undefined) return [];
  return Array.isArray(field) ? field : [field];
}

/** The user of a verified client certificate, if the connection has one. */
export function certificateUser(req: IncomingMessage): KubeletUser | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const subject = socket.getPeerCertificate().subject as
    | Record<string, string | string[] | undefined>
    | undefined;
  const name = values(subject?.CN)[0];
  if (!name) return undefined;
  return { name, groups: values(subject?.O) };
}

/** The bearer token of a request, if it carries one (`Authorization: Bearer <token>`, any case). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Authenticates requests by client certificate or TokenReview. */
export class Authenticator {
  readonly #client: ReviewClient;
  readonly #ttlMs: number;
  readonly #cache: TtlCache<KubeletUser | null>;
  readonly #onError: (err: unknown) => void;

  constructor(o: AuthenticatorOptions) {
    this.#client = o.client;
    this.#ttlMs = o.tokenTtlMs ?? 120_000;
    this.#cache = new TtlCache(o.now ? { now: o.now } : {});
    this.#onError = o.onError ?? (() => undefined);
  }

  /** The caller, or undefined when the request proves no identity (→ 401). */
  async authenticate(req: IncomingMessage): Promise<KubeletUser | undefined> {
    const fromCert = certificateUser(req);
    if (fromCert) return fromCert;
    const token = bearerToken(req);
    if (!token) return undefined;
    return (await this.#review(token)) ?? undefined;
  }

  async #review(token: string): Promise<KubeletUser | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    let status: TokenReviewStatus | undefined;
    try {
      const review = await this.#client.requestJson<{ status?: TokenReviewStatus }>({
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/tokenreviews',
        contentType: 'application/json',
        body: JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token },
        }),
      });
      status = review?.status;
    } catch (err: unknown) {
      // Not cached: the next request asks again.
      this.#onError(err);
      return null;
    }
    const u = status?.user;
    const user: KubeletUser | null =
      status?.authenticated === true && u?.username
        ? {
            name: u.username,
            groups: [...(u.groups ?? [])],
            ...(u.uid ? { uid: u.uid } : {}),
            ...(u.extra ? { extra: u.extra } : {}),
          }
        : null;
    this.#cache.set(key, user, this.#ttlMs);
    return user;
  }
}
