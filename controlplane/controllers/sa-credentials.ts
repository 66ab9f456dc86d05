/**
 * One identity per controller, as kube-controller-manager's `--use-service-account-credentials`
 * (k8s.io/controller-manager/pkg/clientbuilder, the dynamic client builder): for each controller
 * the manager makes sure the service account `kube-system/<name>` exists, asks the API server
 * for a token of it (TokenRequest, POST …/serviceaccounts/<name>/token) and gives the
 * controller a client that sends that token. The controller then holds exactly what the
 * bootstrap policy's `system:controller:<name>` role grants, not the manager's own rights.
 *
 * Tokens live `expirationSeconds` (default 3600 s, as upstream) and are renewed in the
 * background once 80 % of their life has passed (upstream renews with 20 % leeway); a failed
 * renewal is retried every `retryMs` while the old token still works.
 */
import type { TokenRequest } from '../../lib/api/index.js';
import {
  isAlreadyExists,
  isNotFound,
  KubeClient,
  type RestConfig,
  serviceAccountsResource,
} from '../../lib/client/index.js';
import { messageOf } from '../../lib/errors/index.js';
import type { Logger } from '../../lib/obs/index.js';
import { type Clock, realClock, type TimerHandle } from '../../lib/reconcile/index.js';

/** The namespace controller service accounts live in. */
export const CONTROLLER_SA_NAMESPACE = 'kube-system';

/** Options of `ServiceAccountClients`. */
export interface ServiceAccountClientsOptions {
  /** The manager's own client: creates the service accounts and requests their tokens. */
  readonly root: KubeClient;
  /** Requested token lifetime (default 3600 s; the API server's minimum is 600 s). */
  readonly expirationSeconds?: number;
  /** Wait between failed attempts (default 1 s). */
  readonly retryMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface Credential {
  token: string;
  /** When the token stops working, ms since the epoch. */
  expiresAt: number;
  client: KubeClient;
  timer?: TimerHandle;
}

/** The clients of one manager's controllers, one service account each. */
export class ServiceAccountClients {
  readonly #root: KubeClient;
  readonly #seconds: number;
  readonly #retryMs: number;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #byName = new Map<string, Promise<Credential>>();
  /** Credentials handed out, for close(). */
  readonly #made = new Set<Credential>();
  #closed = false;

  constructor(options: ServiceAccountClientsOptions) {
    this.#root = options.root;
    this.#seconds = options.expirationSeconds ?? 3600;
    this.#retryMs = options.retryMs ?? 1000;
    this.#clock = options.clock ?? realClock;
    this.#log = options.logger;
  }

  /**
   * A client that authenticates as `system:serviceaccount:kube-system:<name>`; the same client
   * for the same name. Retries until the API server answers or `signal` aborts.
   */
  async clientFor(name: string, signal: AbortSignal): Promise<KubeClient> {
    let pending = this.#byName.get(name);
    if (!pending) {
      pending = this.#first(name, signal);
      this.#byName.set(name, pending);
      // A failed first attempt (aborted) must not poison later calls.
      pending.catch(() => this.#byName.delete(name));
    }
    return (await pending).client;
  }

  /**
   * Stops renewals and closes every client made; a credential still being fetched is closed
   * as soon as it arrives (its `clientFor` rejects).
   */
  close(): void {
    this.#closed = true;
    for (const c of this.#made) this.#dispose(c);
    this.#made.clear();
    this.#byName.clear();
  }

  #dispose(c: Credential): void {
    if (c.timer !== undefined) this.#clock.clearTimeout(c.timer);
    c.client.close();
  }

  async #first(name: string, signal: AbortSignal): Promise<Credential> {
    for (;;) {
      signal.throwIfAborted();
      if (this.#closed)
        throw new Error(`controller credentials for ${CONTROLLER_SA_NAMESPACE}/${name}: closed`);
      try {
        await this.#ensureServiceAccount(name, signal);
        const { token, expiresAt } = await this.#requestToken(name, signal);
        const credential: Credential = { token, expiresAt, client: this.#clientWith(() => credential.token) };
        if (this.#closed) {
          this.#dispose(credential);
          throw new Error(`controller credentials for ${CONTROLLER_SA_NAMESPACE}/${name}: closed`);
        }
        this.#made.add(credential);
        this.#scheduleRenewal(name, credential);
        return credential;
      } catch (err: unknown) {
        if (signal.aborted || this.#closed) throw err;
        this.#log?.warn('controller credentials: retrying', {
          serviceAccount: `${CONTROLLER_SA_NAMESPACE}/${name}`,
          error: messageOf(err),
        });
        await this.#sleep(this.#retryMs, signal);
      }
    }
  }

  /** A client to the same server and CA as the root client, with no credential but the token. */
  #clientWith(token: () => string): KubeClient {
    const root: RestConfig = this.#root.transport.config;
    const config: RestConfig = {
      server: root.server,
      insecureSkipTlsVerify: root.insecureSkipTlsVerify,
      namespace: root.namespace,
      source: `${root.source} (service account token)`,
      ...(root.ca ? { ca: root.ca } : {}),
      ...(root.tlsServerName ? { tlsServerName: root.tlsServerName } : {}),
    };
    return new KubeClient({ config, bearerToken: token, clock: this.#clock });
  }

  async #ensureServiceAccount(name: string, signal: AbortSignal): Promise<void> {
    const sas = this.#root.resource(serviceAccountsResource);
    try {
      await sas.get(name, { namespace: CONTROLLER_SA_NAMESPACE, signal });
      return;
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
    }
    await sas
      .create(
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: CONTROLLER_SA_NAMESPACE } },
        { namespace: CONTROLLER_SA_NAMESPACE, signal },
      )
      .catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
  }

  async #requestToken(name: string, signal: AbortSignal): Promise<{ token: string; expiresAt: number }> {
    const answer = await this.#root.resource(serviceAccountsResource).createSubresource<TokenRequest>(
      name,
      'token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { name, namespace: CONTROLLER_SA_NAMESPACE },
        spec: { expirationSeconds: this.#seconds },
      },
      { namespace: CONTROLLER_SA_NAMESPACE, signal },
    );
    const token = answer.status?.token;
    if (!token) throw new Error(`TokenRequest for ${CONTROLLER_SA_NAMESPACE}/${name}: status.token is empty`);
    const stamp = Date.parse(answer.status?.expirationTimestamp ?? '');
    const expiresAt = Number.isFinite(stamp) ? stamp : this.#clock.now() + this.#seconds * 1000;
    return { token, expiresAt };
  }

  /** Renews at 80 % of the remaining life; on failure, again after `retryMs`. */
  #scheduleRenewal(name: string, c: Credential, delayMs?: number): void {
    if (this.#closed) return;
    const wait = delayMs ?? Math.max(0, Math.floor((c.expiresAt - this.#clock.now()) * 0.8));
    c.timer = this.#clock.setTimeout(() => {
      const ac = new AbortController();
      this.#requestToken(name, ac.signal).then(
        (fresh) => {
          c.token = fresh.token;
          c.expiresAt = fresh.expiresAt;
          this.#scheduleRenewal(name, c);
        },
        (err: unknown) => {
          this.#log?.warn('controller credentials: renewal failed', {
            serviceAccount: `${CONTROLLER_SA_NAMESPACE}/${name}`,
            error: messageOf(err),
          });
          this.#scheduleRenewal(name, c, this.#retryMs);
        },
      );
    }, wait);
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.#clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
