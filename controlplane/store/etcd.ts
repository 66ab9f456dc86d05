/**
 * The distributed store: etcd v3 through the `etcd3` client, laid out as kube-apiserver does
 * (pkg/storage/etcd3/store.go): the key is the object path, resourceVersion is the key's
 * mod_revision, a list's is the response header revision; create is a transaction
 * `If(ModRevision(key)==0) Then Put`, update `If(ModRevision(key)==rev) Then Put Else Get`,
 * delete the same with a delete. Several API servers on one etcd share writes and watch events.
 * etcd revisions are int64 decimal strings; they stay below 2^53 here, so Number() is exact.
 *
 * Durability and read consistency are etcd's own: a write is acknowledged once a quorum has it
 * in its fsynced raft log, and every range here is linearizable (no `serializable`), so reads
 * never show an uncommitted revision. Nothing in this repository tests those guarantees: the
 * tests' etcd runs with `--unsafe-no-fsync` (`test/harness/cluster/etcd.ts`), only the benchmark keeps fsync.
 */
import { Etcd3, type IKeyValue, type Watcher } from 'etcd3';
import { alreadyExists, notFound } from '../../lib/errors/index.js';
import { conflict, expired } from './errors.js';
import { prefixEnd } from './sqlite.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchCallbacks,
  WatchHandle,
} from './types.js';

/** Options of the etcd store. */
export interface EtcdStoreOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
}

/** Connects to etcd (lazily: the first call opens the connection). */
export function openEtcdStore(options: EtcdStoreOptions): Store {
  return new EtcdStore(options);
}

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Keys per range request when listing. */
const PAGE = 500;

function toKv(kv: IKeyValue, value?: Buffer): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: (value ?? kv.value).toString('utf8'),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}

class EtcdStore implements Store {
  readonly #client: Etcd3;
  #compacted = 0;

  constructor(options: EtcdStoreOptions) {
    this.#client = new Etcd3({ hosts: [...options.endpoints] });
  }

  async revision(): Promise<number> {
    const res = await this.#client.kv.range({ key: buf('/'), limit: 1 });
    return Number(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    return this.#compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.#client.kv.range({ key: buf(key) });
    const kv = res.kvs[0];
    return kv && toKv(kv);
  }

  async count(prefix: string): Promise<number> {
    const res = await this.#client.kv.range({
      key: buf(prefix),
      range_end: buf(prefixEnd(prefix)),
      count_only: true,
    });
    return Number(res.count);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    let start = options.after !== undefined && options.after >= prefix ? `${options.after}\0` : prefix;
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    // Read in pages of at most PAGE keys at one revision: a whole large prefix in one response
    // would pass gRPC's 4 MiB message limit (kube-apiserver pages its etcd reads the same way).
    const items: KeyValue[] = [];
    let revision = 0;
    for (;;) {
      const want = limit ? Math.min(PAGE, limit - items.length) : PAGE;
      const res = await this.#client.kv.range({
        key: buf(start),
        range_end: buf(prefixEnd(prefix)),
        limit: want,
        ...(revision ? { revision } : {}),
        sort_order: 'Ascend',
        sort_target: 'Key',
      });
      revision ||= Number(res.header.revision);
      for (const kv of res.kvs) items.push(toKv(kv));
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || !last) return { items, revision, more: false };
      if (limit && items.length >= limit) return { items, revision, more: true };
      start = `${last.key.toString('utf8')}\0`;
    }
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const res = await this.#client.kv.txn({
      compare: [{ key: buf(key), target: 'Mod', result: 'Equal', mod_revision: 0 }],
      success: [{ request_put: { key: buf(key), value: buf(value) } }],
      failure: [],
    });
    if (!res.succeeded) throw alreadyExists('key', key);
    const rev = Number(res.header.revision);
    return { key, value, modRevision: rev, createRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const res = await this.#client.kv.txn({
      compare: [{ key: buf(key), target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
      success: [{ request_put: { key: buf(key), value: buf(value), prev_kv: true } }],
      failure: [{ request_range: { key: buf(key) } }],
    });
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range.kvs[0];
      if (!cur) throw notFound('key', key);
      throw conflict(key, expectedRevision, Number(cur.mod_revision));
    }
    const prev = res.responses[0]?.response_put.prev_kv;
    const rev = Number(res.header.revision);
    return { key, value, modRevision: rev, createRevision: prev ? Number(prev.create_revision) : rev };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    for (;;) {
      const cur = await this.get(key);
      if (!cur) throw notFound('key', key);
      if (expectedRevision !== undefined && expectedRevision !== cur.modRevision) {
        throw conflict(key, expectedRevision, cur.modRevision);
      }
      const res = await this.#client.kv.txn({
        compare: [{ key: buf(key), target: 'Mod', result: 'Equal', mod_revision: cur.modRevision }],
        success: [{ request_delete_range: { key: buf(key), prev_kv: true } }],
        failure: [],
      });
      // Changed between the read and the delete: without a precondition, try again.
      if (!res.succeeded) {
        if (expectedRevision !== undefined) throw conflict(key, expectedRevision, -1);
        continue;
      }
      return { ...cur, modRevision: Number(res.header.revision) };
    }
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    let stopped = false;
    let watcher: Watcher | undefined;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      void watcher?.cancel().catch(() => undefined);
    };
    const fail = (err: Error): void => {
      if (stopped) return;
      stop();
      callbacks.onError(err);
    };
    const deliver = (event: StoreEvent): void => {
      if (!stopped) callbacks.onEvent(event);
    };
    // etcd's start revision is inclusive; the API watches strictly after (etcd3 watcher.go uses rev+1).
    this.#client
      .watch()
      .prefix(prefix)
      .startRevision(String(afterRevision + 1))
      .withPreviousKV()
      .create()
      .then((w) => {
        watcher = w;
        if (stopped) {
          void w.cancel().catch(() => undefined);
          return;
        }
        w.on('put', (kv, prev) =>
          deliver(prev ? { type: 'put', kv: toKv(kv), prev: toKv(prev) } : { type: 'put', kv: toKv(kv) }),
        );
        w.on('delete', (kv, prev) => {
          // A delete event carries no value; the previous one is the object's last state.
          const last = prev ? toKv(prev) : toKv(kv);
          const event: StoreEvent = {
            type: 'delete',
            kv: { ...last, modRevision: Number(kv.mod_revision) },
            ...(prev ? { prev: last } : {}),
          };
          deliver(event);
        });
        // etcd cancels a watch whose start revision is compacted; etcd3 reports it only as an
        // error ("Watcher canceled"), so any error on a watch is treated as "too old" (410).
        w.on('error', () => fail(expired(prefix, afterRevision, this.#compacted)));
      })
      .catch(() => fail(expired(prefix, afterRevision, this.#compacted)));
    return { stop };
  }

  async compact(revision: number): Promise<void> {
    await this.#client.kv.compact({ revision, physical: true });
    this.#compacted = Math.max(this.#compacted, revision);
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}
