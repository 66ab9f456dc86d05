/**
 * The informer's indexed cache: objects by key (`namespace/name`) plus named secondary
 * indexes (client-go's ThreadSafeStore + Indexers), e.g. pods by `spec.nodeName`.
 */

/** Maps an object to the index values it is filed under (zero or more). */
export type IndexFunc<S> = (obj: S) => readonly string[];

/** Read access to an informer cache. */
export interface Cache<S> {
  get(key: string): S | undefined;
  list(): S[];
  keys(): string[];
  /** Objects filed under `value` in the index `name`. */
  byIndex(name: string, value: string): S[];
  /** The values present in index `name`. */
  indexValues(name: string): string[];
  readonly size: number;
}

interface Entry<S> {
  readonly obj: S;
  /** resourceVersion of the object this entry came from (objects may be transformed). */
  readonly rv: string;
}

/** An indexed store. Writes are for the informer; readers use the `Cache` view. */
export class IndexedStore<S> implements Cache<S> {
  readonly #items = new Map<string, Entry<S>>();
  readonly #indexers: ReadonlyMap<string, IndexFunc<S>>;
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Readonly<Record<string, IndexFunc<S>>> = {}) {
    this.#indexers = new Map(Object.entries(indexers));
    for (const name of this.#indexers.keys()) this.#indices.set(name, new Map());
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): S | undefined {
    return this.#items.get(key)?.obj;
  }

  /** The resourceVersion stored for `key`. */
  versionOf(key: string): string | undefined {
    return this.#items.get(key)?.rv;
  }

  list(): S[] {
    return [...this.#items.values()].map((e) => e.obj);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  byIndex(name: string, value: string): S[] {
    const index = this.#indices.get(name);
    if (index === undefined) throw new Error(`index "${name}" is not defined`);
    return [...(index.get(value) ?? [])].map((k) => this.#items.get(k)!.obj);
  }

  indexValues(name: string): string[] {
    const index = this.#indices.get(name);
    if (index === undefined) throw new Error(`index "${name}" is not defined`);
    return [...index.keys()];
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(key: string, obj: S, rv: string): S | undefined {
    const prev = this.#items.get(key);
    if (prev) this.#unindex(key, prev.obj);
    this.#items.set(key, { obj, rv });
    this.#index(key, obj);
    return prev?.obj;
  }

  /** Removes; returns the removed object. */
  remove(key: string): S | undefined {
    const prev = this.#items.get(key);
    if (!prev) return undefined;
    this.#unindex(key, prev.obj);
    this.#items.delete(key);
    return prev.obj;
  }

  #index(key: string, obj: S): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name)!;
      for (const value of fn(obj)) {
        let set = index.get(value);
        if (!set) {
          set = new Set();
          index.set(value, set);
        }
        set.add(key);
      }
    }
  }

  #unindex(key: string, obj: S): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name)!;
      for (const value of fn(obj)) {
        const set = index.get(value);
        set?.delete(key);
        if (set?.size === 0) index.delete(value);
      }
    }
  }
}

/** Index by `metadata.namespace` (cluster-scoped objects are filed under `''`). */
export function namespaceIndex(obj: {
  readonly metadata?: { readonly namespace?: string };
}): readonly string[] {
  return [obj.metadata?.namespace ?? ''];
}
