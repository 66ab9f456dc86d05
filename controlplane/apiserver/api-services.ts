/**
 * APIServices (apiregistration.k8s.io/v1): stored and validated, and kept with an `Available`
 * condition as kube-aggregator's availability controller keeps it. This API server does not
 * proxy aggregated APIs yet, so a service-backed APIService is never available: the condition
 * says why (`ServiceNotFound` while the Service is missing, `FailedDiscoveryCheck` once it
 * exists, since nothing is proxied to it). A local one (no service) is `Available=True`, reason
 * `Local`. The groups of service-backed APIServices are not served here.
 */

import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { formatTime } from '../../lib/api/time.js';
import type { Store } from '../store/index.js';
import { ObjectCache } from './object-cache.js';
import type { ResourceStorage } from './registry/storage.js';
import type { ResourceRegistry } from './resources.js';
import { ApiError } from './status.js';

/** apiregistration/v1 defaults: a service port of 443. */
export function defaultApiService(o: JsonObject): void {
  const spec = isJsonObject(o.spec) ? o.spec : undefined;
  if (spec && isJsonObject(spec.service) && spec.service.port === undefined) spec.service.port = 443;
}

/** The Available condition an APIService should carry, given whether its Service exists. Pure. */
export function availability(
  apiService: JsonObject,
  serviceExists: (namespace: string, name: string) => boolean,
): { readonly status: 'True' | 'False'; readonly reason: string; readonly message: string } {
  const spec = isJsonObject(apiService.spec) ? apiService.spec : {};
  if (!isJsonObject(spec.service)) {
    return { status: 'True', reason: 'Local', message: 'Local APIServices are always available' };
  }
  const ns = String(spec.service.namespace ?? '');
  const name = String(spec.service.name ?? '');
  if (!serviceExists(ns, name)) {
    return {
      status: 'False',
      reason: 'ServiceNotFound',
      message: `service/${name} in "${ns}" is not present`,
    };
  }
  const gv = `${String(spec.group ?? '')}/${String(spec.version ?? '')}`;
  return {
    status: 'False',
    reason: 'FailedDiscoveryCheck',
    message: `failing or missing response from service/${name} in "${ns}": this API server does not proxy aggregated APIs, so ${gv} is not served`,
  };
}

/** Keeps every APIService's Available condition current as APIServices and Services change. */
export class ApiServiceAvailability {
  readonly #apiServices: ObjectCache;
  readonly #services: ObjectCache;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(
    store: Store,
    private readonly rest: ResourceStorage,
    private readonly resources: ResourceRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#apiServices = new ObjectCache(store, '/registry/apiregistration.k8s.io/apiservices/', () =>
      this.#kick(),
    );
    this.#services = new ObjectCache(store, '/registry/services/specs/', () => this.#kick());
  }

  async start(): Promise<void> {
    await Promise.all([this.#apiServices.start(), this.#services.start()]);
    this.#kick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#apiServices.stop();
    this.#services.stop();
  }

  #kick(): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#sync();
    }, 20);
    this.#timer.unref();
  }

  async #sync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      const info = this.resources.lookup('apiregistration.k8s.io', 'v1', 'apiservices');
      if (!info) return;
      const exists = (ns: string, name: string) =>
        this.#services.get(`/registry/services/specs/${ns}/${name}`) !== undefined;
      for (const svc of [...this.#apiServices.values()]) {
        const want = availability(svc, exists);
        const status = isJsonObject(svc.status) ? svc.status : {};
        const conds = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
        const prev = conds.find((c) => c.type === 'Available');
        if (
          prev &&
          prev.status === want.status &&
          prev.reason === want.reason &&
          prev.message === want.message
        )
          continue;
        const name = String(isJsonObject(svc.metadata) ? svc.metadata.name : '');
        const condition = {
          type: 'Available',
          ...want,
          lastTransitionTime:
            prev?.status === want.status && typeof prev.lastTransitionTime === 'string'
              ? prev.lastTransitionTime
              : formatTime(this.now()),
        };
        await this.rest
          .patch(info, undefined, name, 'merge', { status: { conditions: [condition] } }, 'status')
          .catch((err: unknown) => {
            if (!(err instanceof ApiError)) throw err;
          });
      }
    } catch {
      // The store is closing or gone; the next change retries.
    } finally {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.#kick();
      }
    }
  }
}
