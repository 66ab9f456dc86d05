/**
 * The API server's own admission of every stored write, in kube-apiserver's order: mutating
 * plugins (ServiceAccount when enabled, Priority) before the object's validation, then the webhook gate (admission webhooks
 * are not called yet, so a matching webhook whose failurePolicy is Fail refuses the write).
 * Each plugin is a pure function of the request and cached objects (webhook configurations,
 * PriorityClasses, namespaces) that informers in this process keep current.
 */

import type { JsonObject } from '../../lib/api/json.js';
import type { Store } from '../store/index.js';
import { ObjectCache } from './object-cache.js';
import { admitPriority } from './priority.js';
import type { ServerAdmission } from './registry/types.js';
import { admitServiceAccount } from './sa-admission.js';
import { checkWebhooks, failingWebhooks } from './webhook-gate.js';

export type { AdmissionRequest, ServerAdmission } from './registry/types.js';

/** The admission chain with the informers it reads. */
export interface AdmissionPlugins {
  readonly admit: ServerAdmission;
  start(): Promise<void>;
  stop(): void;
}

/** Which optional plugins run. */
export interface AdmissionPluginOptions {
  /**
   * The ServiceAccount plugin (sa-admission.ts): pods get `default` and the API access volume.
   * It needs every namespace's service accounts and `kube-root-ca.crt` in place, which the
   * controller manager makes; off by default until it does.
   */
  readonly serviceAccount?: boolean;
}

/** Builds the chain over `store` (kube-apiserver's key layout). */
export function admissionPlugins(store: Store, options: AdmissionPluginOptions = {}): AdmissionPlugins {
  const priorityClasses = new ObjectCache(store, '/registry/priorityclasses/');
  const validating = new ObjectCache(store, '/registry/validatingwebhookconfigurations/');
  const mutating = new ObjectCache(store, '/registry/mutatingwebhookconfigurations/');
  const namespaces = new ObjectCache(store, '/registry/namespaces/');
  const serviceAccounts = new ObjectCache(store, '/registry/serviceaccounts/');
  const caches = [priorityClasses, validating, mutating, namespaces, serviceAccounts];
  let failing: { key: string; hooks: JsonObject[] } = { key: '', hooks: [] };
  const failingNow = (): JsonObject[] => {
    const key = `${mutating.version}/${validating.version}`;
    if (failing.key !== key)
      failing = { key, hooks: failingWebhooks(mutating.values(), validating.values()) };
    return failing.hooks;
  };
  return {
    async start() {
      await Promise.all(caches.map((c) => c.start()));
    },
    stop() {
      for (const c of caches) c.stop();
    },
    async admit(request) {
      if (options.serviceAccount)
        await admitServiceAccount(request, async (ns, name) => {
          const key = `/registry/serviceaccounts/${ns}/${name}`;
          const cached = serviceAccounts.get(key);
          if (cached) return cached;
          // A service account created a moment ago may not be in the cache yet (upstream retries live).
          const kv = await store.get(key);
          return kv ? (JSON.parse(kv.value) as JsonObject) : undefined;
        });
      await admitPriority(request, {
        cached: (name) => priorityClasses.get(`/registry/priorityclasses/${name}`),
        all: () => priorityClasses.values(),
        fetch: async (name) => {
          const kv = await store.get(`/registry/priorityclasses/${name}`);
          return kv ? (JSON.parse(kv.value) as JsonObject) : undefined;
        },
      });
      checkWebhooks(request, {
        failing: failingNow(),
        namespaceLabels: (name) => {
          const ns = namespaces.get(`/registry/namespaces/${name}`);
          const meta = ns?.metadata;
          const labels = meta && typeof meta === 'object' && !Array.isArray(meta) ? meta.labels : undefined;
          return labels && typeof labels === 'object' && !Array.isArray(labels)
            ? (labels as Record<string, string>)
            : {};
        },
      });
    },
  };
}
