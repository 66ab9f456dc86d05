/**
 * Shared informers (client-go's SharedInformerFactory): one informer per resource and scope for
 * a whole component, created lazily on first use with the named indexers and the optional
 * slim converter (client-go's SetTransform) given at creation; `run`/`waitForSync` cover every
 * informer created so far, and one created while running starts at once. Also the generic
 * index functions components look objects up by (owner uid, pod node; `namespaceIndex` is in
 * store.ts).
 */
import type { KubeObject, Pod } from '../api/index.js';
import { invalid } from '../errors/index.js';
import type { Clock } from '../reconcile/index.js';
import { Informer, type InformerErrorPhase, listWatcher } from './informer.js';
import type { ResourceDescriptor } from './resource.js';
import type { KubeClient } from './rest.js';
import type { IndexFunc } from './store.js';

/** Index name: objects by the uid of each owner in `ownerReferences`. */
export const BY_OWNER = 'owner';
/** Index name: pods by `spec.nodeName`. */
export const BY_NODE = 'node';
/** Index name: objects by namespace (cluster-scoped objects under `''`). */
export const BY_NAMESPACE = 'namespace';

/** Index function for `BY_OWNER`. */
export function ownerIndex(o: KubeObject): readonly string[] {
  return (o.metadata.ownerReferences ?? []).map((r) => r.uid);
}

/** Index function for `BY_NODE` (unbound pods are in no bucket). */
export function podNodeIndex(p: Pod): readonly string[] {
  return p.spec.nodeName ? [p.spec.nodeName] : [];
}

/** What to watch, how to index it and what to keep of each object. */
export interface InformerSpec<T extends KubeObject, S> {
  readonly resource: ResourceDescriptor<T>;
  /** Watch one namespace only (default: all namespaces, or the cluster for cluster-scoped). */
  readonly namespace?: string;
  /** Informer name in logs (default the plural, with the namespace when scoped). */
  readonly name?: string;
  /** Index functions by name, over the cached (converted) objects. */
  readonly indexers?: Readonly<Record<string, IndexFunc<NoInfer<S>>>>;
  /** Converts each object before it enters the cache (default: kept as is). */
  readonly transform?: (obj: T) => S;
}

/** Options of `SharedInformerFactory`. */
export interface SharedInformerFactoryOptions {
  readonly clock?: Clock;
  /** Errors an informer recovered from (it keeps running). */
  readonly onError?: (informer: string, err: unknown, phase: InformerErrorPhase) => void;
}

/** The part of an informer the factory drives, whatever its object types. */
interface Driven {
  run(signal: AbortSignal): Promise<void>;
  waitForSync(signal?: AbortSignal): Promise<void>;
  whenHandlersIdle(): Promise<void>;
  readonly hasSynced: boolean;
}

interface Entry {
  readonly informer: Driven;
  readonly indexNames: ReadonlySet<string>;
  readonly transform: unknown;
}

/** One informer per resource and scope, shared by every part of a component. */
export class SharedInformerFactory {
  readonly #client: KubeClient;
  readonly #o: SharedInformerFactoryOptions;
  readonly #entries = new Map<string, Entry>();
  #signal: AbortSignal | undefined;
  readonly #running: Promise<void>[] = [];

  constructor(client: KubeClient, options: SharedInformerFactoryOptions = {}) {
    this.#client = client;
    this.#o = options;
  }

  /**
   * The informer for `spec.resource` in `spec.namespace`, made on the first call. A later call
   * for the same resource and scope gets the same informer; it must not ask for an index or a
   * converter the first call did not register (a programming error, thrown).
   */
  informerFor<T extends KubeObject, S = T>(spec: InformerSpec<T, S>): Informer<T, S> {
    const r = spec.resource;
    const key = `${r.group}/${r.version}/${r.plural}|${spec.namespace ?? ''}`;
    const name = spec.name ?? (spec.namespace ? `${r.plural}@${spec.namespace}` : r.plural);
    const found = this.#entries.get(key);
    if (found) {
      for (const index of Object.keys(spec.indexers ?? {}))
        if (!found.indexNames.has(index))
          throw invalid('indexers', `informer ${name} was created without index "${index}"`);
      if ((spec.transform ?? undefined) !== found.transform)
        throw invalid('transform', `informer ${name} was created with another converter`);
      return found.informer as Informer<T, S>;
    }
    const informer = new Informer<T, S>({
      name,
      listerWatcher: listWatcher(
        this.#client.resource(r),
        spec.namespace !== undefined ? { namespace: spec.namespace } : {},
      ),
      ...(spec.indexers ? { indexers: spec.indexers } : {}),
      ...(spec.transform ? { transform: spec.transform } : {}),
      ...(this.#o.clock ? { clock: this.#o.clock } : {}),
      onError: (err, phase) => this.#o.onError?.(name, err, phase),
    });
    this.#entries.set(key, {
      informer,
      indexNames: new Set(Object.keys(spec.indexers ?? {})),
      transform: spec.transform,
    });
    if (this.#signal && !this.#signal.aborted) this.#running.push(informer.run(this.#signal));
    return informer;
  }

  /** Runs every informer made so far, and any made later, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#signal) throw new Error('shared informers: already running');
    this.#signal = signal;
    for (const e of this.#entries.values()) this.#running.push(e.informer.run(signal));
    // Informers made while running add to the list: wait until it stops growing.
    for (let done = 0; done < this.#running.length; done = this.#running.length)
      await Promise.all(this.#running.slice(done));
  }

  /** Resolves once every informer made so far has listed and its handlers drained. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    const all = [...this.#entries.values()].map((e) => e.informer);
    await Promise.all(all.map((i) => i.waitForSync(signal)));
    for (const i of all) await i.whenHandlersIdle();
  }

  /** True once every informer made so far has listed. */
  get synced(): boolean {
    return [...this.#entries.values()].every((e) => e.informer.hasSynced);
  }
}
