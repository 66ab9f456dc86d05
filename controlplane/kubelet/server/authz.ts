/**
 * May the caller do this on the kubelet? Asked of the API server with a SubjectAccessReview
 * (authorization.k8s.io/v1), as upstream's kubelet webhook authorizer does, with the attributes
 * of `attributes.ts`. Answers are cached as there: allowed 5 min, denied 30 s; a failure to ask
 * is not cached and is the caller's 500.
 */
import type { KubeletAttributes, KubeletUser } from './attributes.js';
import { subjectAccessReview } from './attributes.js';
import type { ReviewClient } from './authn.js';
import { TtlCache } from './ttl-cache.js';

/** Options of `Authorizer`. */
export interface AuthorizerOptions {
  readonly client: ReviewClient;
  /** How long an allowed answer is reused (default 5 min). */
  readonly allowedTtlMs?: number;
  /** How long a denial is reused (default 30 s). */
  readonly deniedTtlMs?: number;
  readonly now?: () => number;
}

/** The authorizer's decision. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

/** Authorizes requests through SubjectAccessReview. */
export class Authorizer {
  readonly #client: ReviewClient;
  readonly #allowedTtlMs: number;
  readonly #deniedTtlMs: number;
  readonly #cache: TtlCache<Decision>;

  constructor(o: AuthorizerOptions) {
    this.#client = o.client;
    this.#allowedTtlMs = o.allowedTtlMs ?? 300_000;
    this.#deniedTtlMs = o.deniedTtlMs ?? 30_000;
    this.#cache = new TtlCache(o.now ? { now: o.now } : {});
  }

  /** Decides; throws when the API server cannot be asked. */
  async authorize(user: KubeletUser, a: KubeletAttributes): Promise<Decision> {
    const review = subjectAccessReview(user, a);
    const key = JSON.stringify(review.spec);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const answer = await this.#client.requestJson<{ status?: { allowed?: boolean; reason?: string } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      contentType: 'application/json',
      body: JSON.stringify(review),
    });
    const decision: Decision = {
      allowed: answer?.status?.allowed === true,
      reason: answer?.status?.reason ?? '',
    };
    this.#cache.set(key, decision, decision.allowed ? this.#allowedTtlMs : this.#deniedTtlMs);
    return decision;
  }
}
