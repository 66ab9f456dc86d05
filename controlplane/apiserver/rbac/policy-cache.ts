/**
 * The RBAC objects in memory, kept current by one store watch, so authorization never waits on
 * the store (kube-apiserver's RBAC authorizer reads shared informers the same way).
 *
 * The watch covers all of `/registry/`: events of other keys only advance `revision`, which
 * lets a caller that was just denied wait until the cache has seen every write acknowledged
 * before its request (a binding created a moment ago then counts; see `syncTo`).
 */
import { splitObjectKey } from '../../../lib/api/meta.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../lib/api/rbac-v1.js';
import type { Store, StoreEvent, WatchHandle } from '../../store/index.js';

const PREFIX = {
  roles: '/registry/roles/',
  clusterroles: '/registry/clusterroles/',
  rolebindings: '/registry/rolebindings/',
  clusterrolebindings: '/registry/clusterrolebindings/',
} as const;

type Kind = keyof typeof PREFIX;

interface Entry<T> {
  readonly object: T;
  readonly revision: number;
}

/** What the authorizer reads; every getter is synchronous. */
export interface PolicySource {
  clusterRole(name: string): ClusterRole | undefined;
  role(namespace: string, name: string): Role | undefined;
  clusterRoleBindings(): Iterable<ClusterRoleBinding>;
  roleBindings(namespace: string): Iterable<RoleBinding>;
}

/** An in-memory, watch-fed copy of the four RBAC kinds. */
export class PolicyCache implements PolicySource {
  readonly #store: Store;
  /** Replaced whole on a relist, so readers never see a half-filled cache. */
  #c: Contents = emptyContents();
  #revision = 0;
  #watch: WatchHandle | undefined;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  readonly #waiters = new Set<{ readonly revision: number; readonly done: () => void }>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Lists the four kinds and starts watching; resolves once the cache is filled. */
  async start(): Promise<void> {
    this.#stopped = false;
    let from = Number.POSITIVE_INFINITY;
    const fresh = emptyContents();
    for (const kind of Object.keys(PREFIX) as Kind[]) {
      const page = await this.#store.list(PREFIX[kind]);
      from = Math.min(from, page.revision);
      for (const kv of page.items) put(fresh, kind, kv.key, kv.value, kv.modRevision);
    }
    this.#c = fresh;
    // Watch from the oldest list: events the later lists already saw are skipped by revision.
    this.#revision = Math.max(this.#revision, from);
    this.#watch = this.#store.watch('/registry/', from, {
      onEvent: (e) => this.#apply(e),
      onError: () => this.#restart(),
    });
  }

  /** Stops the watch and any pending retry. */
  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
    this.#watch = undefined;
    if (this.#retry) clearTimeout(this.#retry);
    for (const w of this.#waiters) w.done();
    this.#waiters.clear();
  }

  /** The newest store revision this cache has seen. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Resolves once the cache has seen `revision` (or after `timeoutMs`). The authorizer calls it
   * before a denial, with the store's current revision: writes acknowledged before the request
   * then count, as they would against kube-apiserver once its informers catch up.
   */
  syncTo(revision: number, timeoutMs = 1000): Promise<void> {
    if (this.#revision >= revision || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        revision,
        done: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, timeoutMs);
      timer.unref();
      this.#waiters.add(waiter);
    });
  }

  clusterRole(name: string): ClusterRole | undefined {
    return this.#c.maps.clusterroles.get(name)?.object as ClusterRole | undefined;
  }

  role(namespace: string, name: string): Role | undefined {
    return this.#c.maps.roles.get(`${namespace}/${name}`)?.object as Role | undefined;
  }

  *clusterRoleBindings(): Iterable<ClusterRoleBinding> {
    for (const e of this.#c.maps.clusterrolebindings.values()) yield e.object as ClusterRoleBinding;
  }

  *roleBindings(namespace: string): Iterable<RoleBinding> {
    for (const name of this.#c.bindingsByNs.get(namespace) ?? []) {
      const e = this.#c.maps.rolebindings.get(`${namespace}/${name}`);
      if (e) yield e.object as RoleBinding;
    }
  }

  #restart(): void {
    this.#watch = undefined;
    if (this.#stopped) return;
    // History compacted or the store hiccupped: relist, as an informer does after a 410.
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#stopped) void this.start().catch(() => this.#restart());
    }, 200);
    this.#retry.unref();
  }

  #apply(e: StoreEvent): void {
    const key = e.kv.key;
    const kind = kindOf(key);
    if (kind !== undefined) {
      const id = key.slice(PREFIX[kind].length);
      const have = this.#c.maps[kind].get(id);
      if (have === undefined || have.revision < e.kv.modRevision) {
        if (e.type === 'delete') remove(this.#c, kind, id);
        else put(this.#c, kind, key, e.kv.value, e.kv.modRevision);
      }
    }
    if (e.kv.modRevision > this.#revision) {
      this.#revision = e.kv.modRevision;
      for (const w of [...this.#waiters]) if (w.revision <= this.#revision) w.done();
    }
  }
}

/** The four kinds by key, and each namespace's RoleBinding names. */
interface Contents {
  readonly maps: Record<Kind, Map<string, Entry<unknown>>>;
  /** Namespace → names of its RoleBindings, so a request reads only its namespace's. */
  readonly bindingsByNs: Map<string, Set<string>>;
}

function emptyContents(): Contents {
  return {
    maps: {
      roles: new Map(),
      clusterroles: new Map(),
      rolebindings: new Map(),
      clusterrolebindings: new Map(),
    },
    bindingsByNs: new Map(),
  };
}

function put(c: Contents, kind: Kind, key: string, value: string, revision: number): void {
  let object: unknown;
  try {
    object = JSON.parse(value);
  } catch {
    return;
  }
  const id = key.slice(PREFIX[kind].length);
  c.maps[kind].set(id, { object, revision });
  if (kind === 'rolebindings') {
    const { namespace: ns, name } = splitObjectKey(id);
    let names = c.bindingsByNs.get(ns);
    if (!names) {
      names = new Set();
      c.bindingsByNs.set(ns, names);
    }
    names.add(name);
  }
}

function remove(c: Contents, kind: Kind, id: string): void {
  c.maps[kind].delete(id);
  if (kind === 'rolebindings') {
    const { namespace: ns, name } = splitObjectKey(id);
    c.bindingsByNs.get(ns)?.delete(name);
  }
}

function kindOf(key: string): Kind | undefined {
  for (const kind of Object.keys(PREFIX) as Kind[]) if (key.startsWith(PREFIX[kind])) return kind;
  return undefined;
}
