/**
 * The storage contract the API server is written against. It is etcd's model cut down to what
 * kube-apiserver uses (pkg/storage/etcd3/store.go): one global, monotonic revision; every write
 * is a compare-and-swap on the key's modRevision; watches replay history from a revision until it
 * is compacted, then answer "too old" (which the API maps to 410 Expired).
 */

/** One stored key at one revision. `value` is the serialized object (JSON text). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** The revision of the write that produced this value (etcd `mod_revision`). */
  readonly modRevision: number;
  /** The revision of the write that created the key (etcd `create_revision`). */
  readonly createRevision: number;
}

/** A change, as delivered to watchers. For `delete`, `kv.value` is the last value before deletion. */
export interface StoreEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  /** The previous value for updates and deletes; absent for creates. */
  readonly prev?: KeyValue;
}

/** Options for a list. */
export interface ListOptions {
  /** Return at most this many keys (0 or absent: no limit). */
  readonly limit?: number;
  /** Return only keys strictly after this one (the continue token's position). */
  readonly after?: string;
}

/** A list answer: the items, the revision they were read at, and whether more keys follow. */
export interface ListResult {
  readonly items: readonly KeyValue[];
  readonly revision: number;
  readonly more: boolean;
}

/** A live watch; `stop` is idempotent. */
export interface WatchHandle {
  stop(): void;
}

/** Callbacks of a watch. `onError` ends the watch (the store has already stopped it). */
export interface WatchCallbacks {
  readonly onEvent: (event: StoreEvent) => void;
  readonly onError: (err: Error) => void;
}

/** One store interface, two backends (embedded SQLite, etcd). All keys are absolute paths. */
export interface Store {
  /** The newest revision written (0 when empty). */
  revision(): Promise<number>;
  /** The current value of one key, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Current values of every key under `prefix`, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /**
   * How many keys are under `prefix`, counted without reading their values (for the storage
   * gauges; it may include a write whose commit is still being made durable).
   */
  count(prefix: string): Promise<number>;
  /** Creates `key`; throws AlreadyExists if it exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces `key` if its modRevision is still `expectedRevision`; throws a Conflict StoreError
   * if it changed and NotFound if it is gone.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /** Deletes `key` (if `expectedRevision` is given, only at that revision); returns the last value. */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Watches keys under `prefix` for changes with revision > `afterRevision`. Throws (or reports
   * through onError) an Expired StoreError when that history is compacted.
   */
  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle;
  /** Forgets history up to and including `revision`; watches from before it become Expired. */
  compact(revision: number): Promise<void>;
  /** The oldest revision a watch may still start after. */
  compactedRevision(): Promise<number>;
  /** Releases files and connections; pending watches end. */
  close(): Promise<void>;
}
