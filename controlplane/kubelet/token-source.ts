/**
 * Service-account tokens for projected volumes (upstream pkg/kubelet/token.Manager): the
 * kubelet asks `POST namespaces/NS/serviceaccounts/SA/token` for a token bound to the pod
 * (boundObjectRef; the Node authorizer lets a node do so only for pods bound to it), keeps it
 * per pod, audience and lifetime, and asks again once 80 % of its life has passed — checked on
 * every pod sync, so the volume's file is rewritten with the fresh token well before expiry.
 */
import type { TokenRequest } from '../../lib/api/index.js';
import { type KubeClient, serviceAccountsResource } from '../../lib/client/index.js';
import { messageOf } from '../../lib/errors/index.js';
import type { KubeletPod } from './model.js';
import { type TokenSpec, tokenKey } from './projected.js';

/** A pod's tokens and why any are missing, both by tokenKey. */
export interface PodTokens {
  readonly tokens: Map<string, string>;
  readonly errors: Map<string, string>;
}

/** A token held for a pod. */
interface Held {
  readonly token: string;
  /** When it was issued and when it expires, ms since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** True when a token issued at `issuedAt` and expiring at `expiresAt` should be renewed at `now`. */
export function needsRefresh(held: { issuedAt: number; expiresAt: number }, now: number): boolean {
  return now >= held.issuedAt + (held.expiresAt - held.issuedAt) * 0.8;
}

/** The tokens of the pods on this node. */
export class TokenSource {
  readonly #client: KubeClient;
  readonly #now: () => number;
  /** By pod uid, then tokenKey. */
  readonly #held = new Map<string, Map<string, Held>>();

  constructor(client: KubeClient, now: () => number = Date.now) {
    this.#client = client;
    this.#now = now;
  }

  /**
   * The pod's tokens for `specs`, by tokenKey, fetched when missing or due for renewal; a
   * failed renewal keeps the token while it has not expired (as upstream). What could not be
   * had is in `errors`, by tokenKey.
   */
  async forPod(pod: KubeletPod, specs: readonly TokenSpec[]): Promise<PodTokens> {
    const mine = this.#held.get(pod.uid) ?? new Map<string, Held>();
    if (specs.length > 0) this.#held.set(pod.uid, mine);
    const tokens = new Map<string, string>();
    const errors = new Map<string, string>();
    for (const spec of specs) {
      const key = tokenKey(spec);
      let held = mine.get(key);
      if (!held || needsRefresh(held, this.#now())) {
        try {
          held = await this.#request(pod, spec);
          mine.set(key, held);
        } catch (err) {
          if (!held || held.expiresAt <= this.#now()) {
            errors.set(key, `TokenRequest for ${pod.namespace}/${pod.serviceAccountName}: ${messageOf(err)}`);
            continue;
          }
        }
      }
      tokens.set(key, held.token);
    }
    return { tokens, errors };
  }

  /** Drops what is held for a pod that is gone. */
  forget(uid: string): void {
    this.#held.delete(uid);
  }

  async #request(pod: KubeletPod, spec: TokenSpec): Promise<Held> {
    const issuedAt = this.#now();
    const answer = await this.#client.resource(serviceAccountsResource).createSubresource<TokenRequest>(
      pod.serviceAccountName,
      'token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { name: pod.serviceAccountName, namespace: pod.namespace },
        spec: {
          audiences: spec.audience === '' ? [] : [spec.audience],
          expirationSeconds: spec.expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid },
        },
      },
      { namespace: pod.namespace },
    );
    const token = answer.status?.token;
    if (!token)
      throw new Error(`TokenRequest for ${pod.namespace}/${pod.serviceAccountName}: status.token is empty`);
    const stamp = Date.parse(answer.status?.expirationTimestamp ?? '');
    const expiresAt = Number.isFinite(stamp) ? stamp : issuedAt + spec.expirationSeconds * 1000;
    return { token, issuedAt, expiresAt };
  }
}
