/**
 * The embedded store: SQLite through better-sqlite3, laid out like k3s's kine — an append-only
 * `log` table whose row id is the revision (etcd's mod_revision), plus a `current` table holding
 * the newest live row per key so gets and lists never scan history. Watches are served from the
 * log (history) and an in-process bus (live), so a single writer needs no polling.
 *
 * Durability: WAL with synchronous=NORMAL makes COMMIT write the WAL without waiting for the
 * disk; the store then fsyncs the WAL file on libuv's thread pool and settles the writes of that
 * commit only afterwards (https://www.sqlite.org/wal.html, "synchronous=NORMAL … durable after
 * the WAL is synced"). So every acknowledged write survives kill -9 and power loss, while the
 * event loop keeps accepting requests during the fsync: all writes that arrive meanwhile share
 * the next transaction and the next fsync (group commit), which is what makes thousands of
 * durable writes per second possible on one disk.
 */
import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { alreadyExists, invalid, notFound } from '../../lib/errors/index.js';
import { conflict, expired } from './errors.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchCallbacks,
  WatchHandle,
} from './types.js';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** Database file; created with its directory when missing. */
  readonly path: string;
  /** Revisions of history kept by automatic compaction (default 10,000; kine keeps 1,000). */
  readonly retainRevisions?: number;
  /** How often automatic compaction runs, in ms (default 60 s; 0 disables it). */
  readonly compactIntervalMs?: number;
  /**
   * Makes what was written to a file descriptor durable; fsync(2) on libuv's thread pool by
   * default. Tests inject one that holds a sync (to watch readers meanwhile) or drops it.
   */
  readonly syncFile?: SyncFile;
}

/** Makes the data written to `fd` durable; resolves once it is on stable storage. */
export type SyncFile = (fd: number) => Promise<void>;

const fsyncFile: SyncFile = promisify(fsync);

type WriteOp =
  | { readonly kind: 'create'; readonly key: string; readonly value: string }
  | { readonly kind: 'update'; readonly key: string; readonly value: string; readonly expected: number }
  | { readonly kind: 'delete'; readonly key: string; readonly expected: number | undefined };

interface Pending {
  readonly op: WriteOp;
  readonly resolve: (kv: KeyValue) => void;
  readonly reject: (err: unknown) => void;
}

interface CurrentRow {
  readonly id: number;
  readonly create_revision: number;
  readonly value: string;
}

interface LogRow {
  readonly id: number;
  readonly name: string;
  readonly deleted: number;
  readonly create_revision: number;
  readonly prev_revision: number;
  readonly value: string;
  readonly prev_value: string | null;
}

interface Watcher {
  readonly prefix: string;
  readonly callbacks: WatchCallbacks;
  lastRevision: number;
  ready: boolean;
  stopped: boolean;
  readonly buffer: StoreEvent[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
CREATE TABLE IF NOT EXISTS current (
  name TEXT PRIMARY KEY,
  id INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
`;

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  if (prefix === '') return '\u{10FFFF}';
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** Opens (or creates) the embedded store. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  return new SqliteStore(options);
}

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #watchers = new Set<Watcher>();
  #queue: Pending[] = [];
  #scheduled = false;
  #revision: number;
  #compacted: number;
  #closed = false;
  /** An fsync of the WAL is in flight; writes queue up for the next group commit meanwhile. */
  #syncing = false;
  #walFd: number | undefined;
  readonly #walPath: string;
  readonly #syncFile: SyncFile;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #stmt: ReturnType<SqliteStore['prepare']>;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.#walPath = `${options.path}-wal`;
    this.#syncFile = options.syncFile ?? fsyncFile;
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    // One process owns the file: a second API server on the same data dir fails at once.
    this.#db.pragma('locking_mode = EXCLUSIVE');
    this.#db.exec(SCHEMA);
    this.#stmt = this.prepare();
    const seq = this.#db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'log'").get() as
      | { seq: number }
      | undefined;
    this.#revision = seq?.seq ?? 0;
    const meta = this.#stmt.getMeta.get('compacted') as { v: number } | undefined;
    this.#compacted = meta?.v ?? 0;
    const retain = options.retainRevisions ?? 10_000;
    const every = options.compactIntervalMs ?? 60_000;
    if (every > 0) {
      this.#timer = setInterval(() => {
        const target = this.#revision - retain;
        if (target > this.#compacted) void this.compact(target);
      }, every);
      this.#timer.unref();
    }
  }

  private prepare() {
    const db = this.#db;
    return {
      getCurrent: db.prepare('SELECT id, create_revision, value FROM current WHERE name = ?'),
      insertLog: db.prepare(
        'INSERT INTO log (id, name, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      upsertCurrent: db.prepare(
        'INSERT INTO current (name, id, create_revision, value) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(name) DO UPDATE SET id = excluded.id, value = excluded.value',
      ),
      deleteCurrent: db.prepare('DELETE FROM current WHERE name = ?'),
      list: db.prepare(
        'SELECT name, id, create_revision, value FROM current ' +
          'WHERE name >= ? AND name < ? AND name > ? ORDER BY name LIMIT ?',
      ),
      history: db.prepare(
        'SELECT l.id, l.name, l.deleted, l.create_revision, l.prev_revision, l.value, p.value AS prev_value ' +
          'FROM log l LEFT JOIN log p ON p.id = l.prev_revision ' +
          'WHERE l.id > ? AND l.id <= ? AND l.name >= ? AND l.name < ? ORDER BY l.id',
      ),
      compact: db.prepare('DELETE FROM log WHERE id <= ?'),
      getMeta: db.prepare('SELECT v FROM meta WHERE k = ?'),
      setMeta: db.prepare(
        'INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v',
      ),
    };
  }

  async revision(): Promise<number> {
    return this.#revision;
  }

  async compactedRevision(): Promise<number> {
    return this.#compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#open();
    const row = this.#stmt.getCurrent.get(key) as CurrentRow | undefined;
    return row && { key, value: row.value, modRevision: row.id, createRevision: row.create_revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#open();
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const after = options.after ?? '';
    const rows = this.#stmt.list.all(
      prefix,
      prefixEnd(prefix),
      after,
      limit === -1 ? -1 : limit + 1,
    ) as (CurrentRow & {
      name: string;
    })[];
    const more = limit !== -1 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map((r) => ({
      key: r.name,
      value: r.value,
      modRevision: r.id,
      createRevision: r.create_revision,
    }));
    return { items, revision: this.#revision, more };
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.#enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.#enqueue({ kind: 'update', key, value, expected: expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.#enqueue({ kind: 'delete', key, expected: expectedRevision });
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    this.#open();
    const watcher: Watcher = {
      prefix,
      callbacks,
      lastRevision: afterRevision,
      ready: false,
      stopped: false,
      buffer: [],
    };
    this.#watchers.add(watcher);
    const stop = (): void => {
      watcher.stopped = true;
      this.#watchers.delete(watcher);
    };
    // History is replayed on the next turn so callers hold the handle before the first event;
    // live events arriving meanwhile are buffered and de-duplicated by revision.
    setImmediate(() => this.#replay(watcher, stop));
    return { stop };
  }

  async compact(revision: number): Promise<void> {
    this.#open();
    const target = Math.min(revision, this.#revision);
    if (target <= this.#compacted) return;
    this.#db.transaction(() => {
      this.#stmt.compact.run(target);
      this.#stmt.setMeta.run('compacted', target);
    })();
    this.#compacted = target;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer) clearInterval(this.#timer);
    while (this.#syncing) await new Promise((r) => setImmediate(r));
    if (this.#queue.length > 0) {
      this.#flush();
      while (this.#syncing) await new Promise((r) => setImmediate(r));
    }
    this.#closed = true;
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    for (const w of this.#watchers) w.stopped = true;
    this.#watchers.clear();
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw invalid('store', 'is closed');
  }

  #enqueue(op: WriteOp): Promise<KeyValue> {
    this.#open();
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      if (!this.#scheduled && !this.#syncing) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Applies every queued write in one transaction, then settles them and notifies watchers. */
  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    const results: { readonly p: Pending; readonly kv?: KeyValue; readonly err?: unknown }[] = [];
    const events: StoreEvent[] = [];
    const before = this.#revision;
    try {
      this.#db.transaction(() => {
        for (const p of batch) {
          try {
            const { kv, event } = this.#apply(p.op);
            results.push({ p, kv });
            events.push(event);
          } catch (err) {
            results.push({ p, err });
          }
        }
      })();
    } catch (err) {
      this.#revision = before;
      for (const p of batch) p.reject(err);
      return;
    }
    // Durable first, then acknowledged and visible to watchers.
    this.#syncing = true;
    const sync =
      events.length > 0
        ? (cb: (err: Error | null) => void) => this.#syncWal(cb)
        : (cb: (err: null) => void) => cb(null);
    sync((err) => {
      this.#syncing = false;
      for (const r of results) {
        if (err) r.p.reject(err);
        else if (r.kv) r.p.resolve(r.kv);
        else r.p.reject(r.err);
      }
      if (!err) for (const e of events) this.#dispatch(e);
      if (this.#queue.length > 0 && !this.#scheduled && !this.#closed) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #syncWal(done: (err: Error | null) => void): void {
    try {
      this.#walFd ??= openSync(this.#walPath, 'r');
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.#syncFile(this.#walFd).then(
      () => done(null),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  }

  #apply(op: WriteOp): { kv: KeyValue; event: StoreEvent } {
    const cur = this.#stmt.getCurrent.get(op.key) as CurrentRow | undefined;
    const prev: KeyValue | undefined = cur && {
      key: op.key,
      value: cur.value,
      modRevision: cur.id,
      createRevision: cur.create_revision,
    };
    if (op.kind === 'create') {
      if (prev) throw alreadyExists('key', op.key);
      const id = this.#append(op.key, 0, 0, 0, op.value);
      this.#stmt.upsertCurrent.run(op.key, id, id, op.value);
      const kv = { key: op.key, value: op.value, modRevision: id, createRevision: id };
      return { kv, event: { type: 'put', kv } };
    }
    if (!prev) throw notFound('key', op.key);
    if (op.expected !== undefined && op.expected !== prev.modRevision) {
      throw conflict(op.key, op.expected, prev.modRevision);
    }
    if (op.kind === 'update') {
      const id = this.#append(op.key, 0, prev.createRevision, prev.modRevision, op.value);
      this.#stmt.upsertCurrent.run(op.key, id, prev.createRevision, op.value);
      const kv = { key: op.key, value: op.value, modRevision: id, createRevision: prev.createRevision };
      return { kv, event: { type: 'put', kv, prev } };
    }
    const id = this.#append(op.key, 1, prev.createRevision, prev.modRevision, prev.value);
    this.#stmt.deleteCurrent.run(op.key);
    const kv = { key: op.key, value: prev.value, modRevision: id, createRevision: prev.createRevision };
    return { kv, event: { type: 'delete', kv, prev } };
  }

  #append(key: string, deleted: number, createRev: number, prevRev: number, value: string): number {
    // This process is the only writer (EXCLUSIVE lock), so the next revision is known up front;
    // a create's create_revision is its own revision.
    const id = this.#revision + 1;
    this.#stmt.insertLog.run(id, key, deleted, createRev === 0 ? id : createRev, prevRev, value);
    this.#revision = id;
    return id;
  }

  #dispatch(event: StoreEvent): void {
    for (const w of this.#watchers) {
      if (w.stopped || !event.kv.key.startsWith(w.prefix)) continue;
      if (!w.ready) {
        w.buffer.push(event);
        continue;
      }
      if (event.kv.modRevision <= w.lastRevision) continue;
      w.lastRevision = event.kv.modRevision;
      w.callbacks.onEvent(event);
    }
  }

  #replay(w: Watcher, stop: () => void): void {
    if (w.stopped || this.#closed) return;
    if (w.lastRevision < this.#compacted) {
      stop();
      w.callbacks.onError(expired(w.prefix, w.lastRevision, this.#compacted));
      return;
    }
    const rows = this.#stmt.history.all(
      w.lastRevision,
      this.#revision,
      w.prefix,
      prefixEnd(w.prefix),
    ) as LogRow[];
    for (const row of rows) {
      if (w.stopped) return;
      w.lastRevision = row.id;
      w.callbacks.onEvent(toEvent(row));
    }
    for (const e of w.buffer) {
      if (w.stopped) return;
      if (e.kv.modRevision <= w.lastRevision) continue;
      w.lastRevision = e.kv.modRevision;
      w.callbacks.onEvent(e);
    }
    w.buffer.length = 0;
    w.ready = true;
  }
}

function toEvent(row: LogRow): StoreEvent {
  const kv = { key: row.name, value: row.value, modRevision: row.id, createRevision: row.create_revision };
  const prev =
    row.prev_value === null
      ? undefined
      : {
          key: row.name,
          value: row.prev_value,
          modRevision: row.prev_revision,
          createRevision: row.create_revision,
        };
  return prev
    ? { type: row.deleted ? 'delete' : 'put', kv, prev }
    : { type: row.deleted ? 'delete' : 'put', kv };
}
