/**
 * The embedded store: SQLite through better-sqlite3, laid out like k3s's kine — an append-only
 * `log` table whose row id is the revision (etcd's mod_revision), plus a `current` table holding
 * the newest live row per key so gets and lists never scan history. Watches are served from the
 * log (history) and an in-process bus (live), so a single writer needs no polling.
 *
 * How a write becomes durable, step by step:
 * 1. `create`/`update`/`delete` queue the write; the first one of an event-loop turn schedules
 *    a flush with setImmediate.
 * 2. The flush applies every queued write in one SQLite transaction (group commit), each a
 *    compare-and-swap against the state left by the writes before it. SQLite runs with
 *    journal_mode=WAL and synchronous=NORMAL, so COMMIT appends the transaction's pages to the
 *    `-wal` file with write(2) and returns without syncing it; locking_mode=EXCLUSIVE keeps a
 *    second process off the file.
 * 3. The store then syncs the WAL itself, off the event loop (`syncFile`, fsync(2) on libuv's
 *    thread pool); the first time also the directory, so the WAL's directory entry is on disk
 *    too. While the sync is in flight, new writes queue for the next flush, so only one batch
 *    is ever committed-but-not-durable.
 * 4. When the sync returns, the durable revision moves to the batch's last revision, the writes
 *    are settled (acknowledged) and their events go to watchers — in that order.
 * SQLite itself syncs only around checkpoints (every 1,000 WAL pages): with synchronous=NORMAL
 * it syncs the WAL before copying its pages into the database file and the database file
 * after, so pages reach the database file only once they are durable in the WAL.
 *
 * Opening syncs the database file, the WAL and their directory (blocking, once), so whatever
 * SQLite recovers — including a batch a crash left committed but unsynced — is durable before
 * it is served.
 *
 * Reads expose only the durable prefix, as etcd's linearizable reads do: `revision`, `get`,
 * `list` and watch history stop at the durable revision, and while a batch waits for its sync
 * `durable-view.ts` answers its keys with their values from before the batch. A read that starts
 * after a write was acknowledged sees it.
 *
 * A failed sync stops the store: the kernel may have dropped the unsynced pages, so what is on
 * disk is unknown (etcd exits in the same case). The batch's writes are rejected — they may or
 * may not be there after a restart — and every later call fails with the same error.
 * Compaction commits without a sync of its own; it becomes durable with the next write's sync
 * (after a power cut before that, the compacted history is simply still there).
 *
 * What is tested: every acknowledged write survives kill -9 of the API server
 * (`controlplane/apiserver/durability.test.ts`) and a simulated power cut
 * (`sqlite-power-loss.test.ts`: ext4 on a loop device whose image is copied at the cut, which holds
 * exactly what reached the device; with the sync switched off the same test loses acknowledged
 * writes). Reads during a held sync see only the durable prefix (`sqlite.test.ts`). Not tested:
 * a real disk that acknowledges a cache flush it has not done — that is the hardware's promise.
 */
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import {
  alreadyExists,
  ErrorCode,
  invalid,
  messageOf,
  notFound,
  SwitchyardError,
} from '../../lib/errors/index.js';
import { durableGet, durableList, fetchCount, type PendingBatch } from './durable-view.js';
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
  /** The newest revision committed in SQLite; ahead of #durable while a sync is in flight. */
  #revision: number;
  /** The newest revision whose WAL sync returned: what reads and watchers may see. */
  #durable: number;
  /** The batch committed in SQLite whose sync is in flight (its keys' values before it). */
  #pending: PendingBatch | undefined;
  #compacted: number;
  #closed = false;
  /** Set when a sync failed: the store refuses every call from then on. */
  #failed: SwitchyardError | undefined;
  /** A sync of the WAL is in flight; writes queue up for the next group commit meanwhile. */
  #syncing = false;
  #walFd: number | undefined;
  readonly #path: string;
  readonly #walPath: string;
  readonly #syncFile: SyncFile;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #stmt: ReturnType<SqliteStore['prepare']>;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.#path = options.path;
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
    // What SQLite recovered may include a last batch that was committed but never synced (a
    // crash between COMMIT and fsync leaves it in the page cache): sync it before serving it.
    this.#syncAtOpen();
    this.#durable = this.#revision;
    const meta = this.#stmt.getMeta.get('compacted') as { v: number } | undefined;
    this.#compacted = meta?.v ?? 0;
    const retain = options.retainRevisions ?? 10_000;
    const every = options.compactIntervalMs ?? 60_000;
    if (every > 0) {
      this.#timer = setInterval(() => {
        const target = this.#durable - retain;
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
      count: db.prepare('SELECT COUNT(*) AS n FROM current WHERE name >= ? AND name < ?'),
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
    if (this.#failed) throw this.#failed;
    return this.#durable;
  }

  async compactedRevision(): Promise<number> {
    return this.#compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#open();
    const row = this.#stmt.getCurrent.get(key) as CurrentRow | undefined;
    const kv = row && { key, value: row.value, modRevision: row.id, createRevision: row.create_revision };
    return durableGet(key, kv, this.#pending);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#open();
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const after = options.after ?? '';
    const fetched = fetchCount(limit, this.#pending);
    const rows = this.#stmt.list.all(prefix, prefixEnd(prefix), after, fetched) as (CurrentRow & {
      name: string;
    })[];
    const kvs = rows.map((r) => ({
      key: r.name,
      value: r.value,
      modRevision: r.id,
      createRevision: r.create_revision,
    }));
    const { items, more } = durableList(kvs, fetched, this.#pending, prefix, after, limit);
    return { items, revision: this.#durable, more };
  }

  async count(prefix: string): Promise<number> {
    this.#open();
    return (this.#stmt.count.get(prefix, prefixEnd(prefix)) as { n: number }).n;
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
    const target = Math.min(revision, this.#durable);
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
    if (this.#failed) throw this.#failed;
    if (this.#closed) throw invalid('store', 'is closed');
  }

  #enqueue(op: WriteOp): Promise<KeyValue> {
    try {
      this.#open();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      if (!this.#scheduled && !this.#syncing) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /**
   * Applies every queued write in one transaction, syncs the WAL, then settles the writes and
   * notifies watchers. Never runs while a sync is in flight.
   */
  #flush(): void {
    this.#scheduled = false;
    if (this.#failed) return;
    const batch = this.#queue;
    this.#queue = [];
    const results: { readonly p: Pending; readonly kv?: KeyValue; readonly err?: unknown }[] = [];
    const events: StoreEvent[] = [];
    const before = new Map<string, KeyValue | undefined>();
    const revisionBefore = this.#revision;
    try {
      this.#db.transaction(() => {
        for (const p of batch) {
          try {
            const { kv, event } = this.#apply(p.op);
            if (!before.has(kv.key)) before.set(kv.key, event.prev);
            results.push({ p, kv });
            events.push(event);
          } catch (err) {
            results.push({ p, err });
          }
        }
      })();
    } catch (err) {
      this.#revision = revisionBefore;
      for (const p of batch) p.reject(err);
      return;
    }
    if (events.length === 0) {
      // Nothing was written (every write lost its compare-and-swap): nothing to sync.
      for (const r of results) r.p.reject(r.err);
      this.#next();
      return;
    }
    // Committed in SQLite, not yet durable: reads answer these keys from `before` meanwhile.
    this.#pending = before;
    this.#syncing = true;
    this.#syncWal().then(
      () => {
        this.#syncing = false;
        this.#durable = this.#revision;
        this.#pending = undefined;
        for (const r of results) {
          if (r.kv) r.p.resolve(r.kv);
          else r.p.reject(r.err);
        }
        for (const e of events) this.#dispatch(e);
        this.#next();
      },
      (err: unknown) => {
        this.#syncing = false;
        this.#fail(err);
        for (const r of results) r.p.reject(this.#failed);
      },
    );
  }

  /** Schedules the next group commit if writes queued up meanwhile. */
  #next(): void {
    if (this.#queue.length > 0 && !this.#scheduled && !this.#closed) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Syncs the database file, the WAL (when there is one) and their directory, blocking. */
  #syncAtOpen(): void {
    const paths = [this.#path, ...(existsSync(this.#walPath) ? [this.#walPath] : []), dirname(this.#path)];
    for (const path of paths) {
      const fd = openSync(path, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  /**
   * Syncs the WAL. The first time also syncs the directory: SQLite creates the WAL with the
   * first write after opening (and deletes it on close), and a file whose directory entry is
   * not synced can vanish in a power cut however often the file itself was synced.
   */
  async #syncWal(): Promise<void> {
    if (this.#walFd !== undefined) {
      await this.#syncFile(this.#walFd);
      return;
    }
    this.#walFd = openSync(this.#walPath, 'r');
    await this.#syncFile(this.#walFd);
    const dirFd = openSync(dirname(this.#path), 'r');
    try {
      await this.#syncFile(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** After a failed sync: refuse every call, fail queued writes and end the watches. */
  #fail(cause: unknown): void {
    const err = new SwitchyardError(
      ErrorCode.System,
      `store ${this.#path}: syncing the write-ahead log failed (${messageOf(cause)}); ` +
        'what is on disk is unknown, so the store refuses every further call until it is reopened',
      { cause, syscall: 'fsync' },
    );
    this.#failed = err;
    for (const p of this.#queue) p.reject(err);
    this.#queue = [];
    for (const w of this.#watchers) {
      w.stopped = true;
      w.callbacks.onError(err);
    }
    this.#watchers.clear();
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
      this.#durable,
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
