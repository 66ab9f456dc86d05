/**
 * The ConfigMaps and Secrets a pod refers to (env valueFrom, envFrom, configMap, secret and
 * projected volumes), read by name, and the service-account tokens its projected volumes hold
 * (token-source.ts). As `system:node:<name>` the Node authorizer lets the kubelet only
 * `get` the objects of pods bound to its node — never list or watch them all — so, like
 * upstream's configmap/secret managers in their TTL-cache mode, each object is fetched by name
 * and kept for a short time; a missing object is not cached (it may be created any moment).
 */
import type { ConfigMap, Secret } from '../../lib/api/index.js';
import { coreResources, defineResource, isNotFound, type KubeClient } from '../../lib/client/index.js';
import type { KubeletPod, PodConfigObjects } from './model.js';
import type { TokenSpec } from './projected.js';
import { TokenSource } from './token-source.js';
import { podVolumes } from './volumes.js';

/** The names of the ConfigMaps and Secrets `pod` refers to. */
export function referencedObjects(pod: KubeletPod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const c of [...pod.initContainers, ...pod.containers]) {
    for (const f of c.envFrom) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
    for (const e of c.env) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
  }
  for (const v of podVolumes(pod)) {
    if (v.source.kind === 'configMap') configMaps.add(v.source.name);
    if (v.source.kind === 'secret') secrets.add(v.source.name);
    if (v.source.kind === 'projected')
      for (const s of v.source.sources) {
        if (s.kind === 'configMap') configMaps.add(s.name);
        if (s.kind === 'secret') secrets.add(s.name);
      }
  }
  return { configMaps, secrets };
}

/** The tokens the pod's projected volumes hold. */
export function referencedTokens(pod: KubeletPod): TokenSpec[] {
  const specs: TokenSpec[] = [];
  for (const v of podVolumes(pod))
    if (v.source.kind === 'projected')
      for (const s of v.source.sources) if (s.kind === 'serviceAccountToken') specs.push(s.token);
  return specs;
}

const configMapsResource = defineResource<ConfigMap>({ ...coreResources.configmaps });
const secretsResource = defineResource<Secret>({
  group: '',
  version: 'v1',
  plural: 'secrets',
  kind: 'Secret',
  namespaced: true,
});

interface Cached<T> {
  readonly obj: T;
  readonly at: number;
}

/** Gets a pod's objects through a TTL cache keyed by namespace/name. */
export class PodObjects {
  readonly #client: KubeClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #configMaps = new Map<string, Cached<ConfigMap>>();
  readonly #secrets = new Map<string, Cached<Secret>>();
  readonly #tokens: TokenSource;

  constructor(client: KubeClient, options: { readonly ttlMs?: number; readonly now?: () => number } = {}) {
    this.#client = client;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#tokens = new TokenSource(client, this.#now);
  }

  /** Forgets the tokens held for a pod that is gone. */
  forget(uid: string): void {
    this.#tokens.forget(uid);
  }

  /**
   * The pod's ConfigMaps and Secrets that exist, and its tokens (a failed TokenRequest is in
   * `tokenErrors`); other errors than NotFound throw.
   */
  async forPod(pod: KubeletPod): Promise<PodConfigObjects> {
    const refs = referencedObjects(pod);
    const get = async <T>(
      cache: Map<string, Cached<T>>,
      fetch: (name: string) => Promise<T>,
      name: string,
    ): Promise<[string, T] | undefined> => {
      const key = `${pod.namespace}/${name}`;
      const hit = cache.get(key);
      if (hit && this.#now() - hit.at < this.#ttlMs) return [name, hit.obj];
      try {
        const obj = await fetch(name);
        cache.set(key, { obj, at: this.#now() });
        return [name, obj];
      } catch (err) {
        if (!isNotFound(err)) throw err;
        cache.delete(key);
        return undefined;
      }
    };
    const opts = { namespace: pod.namespace };
    const cms = this.#client.resource(configMapsResource);
    const secrets = this.#client.resource(secretsResource);
    const [c, s, t] = await Promise.all([
      Promise.all([...refs.configMaps].map((n) => get(this.#configMaps, (x) => cms.get(x, opts), n))),
      Promise.all([...refs.secrets].map((n) => get(this.#secrets, (x) => secrets.get(x, opts), n))),
      this.#tokens.forPod(pod, referencedTokens(pod)),
    ]);
    const present = <T>(e: [string, T] | undefined): e is [string, T] => e !== undefined;
    return {
      configMaps: new Map(c.filter(present)),
      secrets: new Map(s.filter(present)),
      tokens: t.tokens,
      tokenErrors: t.errors,
    };
  }
}
