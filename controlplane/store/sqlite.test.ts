import { fsync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isAlreadyExists, isNotFound } from '../../lib/errors/index.js';
import { isConflict, isExpired } from './errors.js';
import { openSqliteStore, type SyncFile } from './sqlite.js';
import type { KeyValue, Store, StoreEvent } from './types.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sy-store-'));
  store = openSqliteStore({ path: join(dir, 'state.db'), compactIntervalMs: 0 });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function collect(prefix: string, after: number): { events: StoreEvent[]; errors: Error[]; stop: () => void } {
  const events: StoreEvent[] = [];
  const errors: Error[] = [];
  const h = store.watch(prefix, after, { onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
  return { events, errors, stop: () => h.stop() };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('sqlite store', () => {
  it('creates, reads, updates with compare-and-swap and deletes, one revision per write', async () => {
    const a = await store.create('/registry/pods/default/a', '{"v":1}');
    expect(a.modRevision).toBe(1);
    expect(a.createRevision).toBe(1);
    await expect(store.create('/registry/pods/default/a', '{}')).rejects.toSatisfy(isAlreadyExists);
    const a2 = await store.update('/registry/pods/default/a', '{"v":2}', 1);
    expect(a2).toEqual({
      key: '/registry/pods/default/a',
      value: '{"v":2}',
      modRevision: 2,
      createRevision: 1,
    });
    await expect(store.update('/registry/pods/default/a', '{"v":3}', 1)).rejects.toSatisfy(isConflict);
    await expect(store.update('/registry/pods/default/zz', '{}', 1)).rejects.toSatisfy(isNotFound);
    expect((await store.get('/registry/pods/default/a'))?.value).toBe('{"v":2}');
    await expect(store.delete('/registry/pods/default/a', 1)).rejects.toSatisfy(isConflict);
    const gone = await store.delete('/registry/pods/default/a');
    expect(gone.value).toBe('{"v":2}');
    expect(gone.modRevision).toBe(3);
    expect(await store.get('/registry/pods/default/a')).toBeUndefined();
    expect(await store.revision()).toBe(3);
  });

  it('lists by prefix in key order with limit and continue position', async () => {
    await Promise.all(['c', 'a', 'b', 'd'].map((n) => store.create(`/registry/pods/ns1/${n}`, n)));
    await store.create('/registry/pods/ns10/x', 'x');
    await store.create('/registry/podsx/ns1/y', 'y');
    const all = await store.list('/registry/pods/ns1/');
    expect(all.items.map((i) => i.value)).toEqual(['a', 'b', 'c', 'd']);
    expect(all.revision).toBe(6);
    const page1 = await store.list('/registry/pods/ns1/', { limit: 3 });
    expect(page1.items.map((i) => i.value)).toEqual(['a', 'b', 'c']);
    expect(page1.more).toBe(true);
    const page2 = await store.list('/registry/pods/ns1/', { limit: 3, after: '/registry/pods/ns1/c' });
    expect(page2.items.map((i) => i.value)).toEqual(['d']);
    expect(page2.more).toBe(false);
    expect((await store.list('/registry/pods/')).items).toHaveLength(5);
  });

  it('counts the keys under a prefix without reading them, deletes included', async () => {
    await Promise.all(['a', 'b', 'c'].map((n) => store.create(`/registry/pods/ns1/${n}`, n)));
    await store.create('/registry/pods/ns10/x', 'x');
    await store.create('/registry/podsx/ns1/y', 'y');
    expect(await store.count('/registry/pods/ns1/')).toBe(3);
    expect(await store.count('/registry/pods/')).toBe(4);
    const b = await store.get('/registry/pods/ns1/b');
    await store.delete('/registry/pods/ns1/b', b?.modRevision);
    expect(await store.count('/registry/pods/ns1/')).toBe(2);
    expect(await store.count('/registry/none/')).toBe(0);
  });

  it('group-commits concurrent writes; losers of a race get Conflict, not lost updates', async () => {
    await store.create('/k', '0');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.update('/k', `${i}`, 1)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && isConflict(r.reason))).toHaveLength(9);
  });

  it('watch replays history after a revision, then streams live events in order, filtered by prefix', async () => {
    await store.create('/r/a', '1');
    await store.create('/r/b', '1');
    await store.create('/other/c', '1');
    const w = collect('/r/', 1);
    await store.update('/r/a', '2', 1);
    await tick();
    await store.delete('/r/b');
    await tick();
    expect(w.events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
      ['put', '/r/b', 2],
      ['put', '/r/a', 4],
      ['delete', '/r/b', 5],
    ]);
    expect(w.events[1]?.prev?.value).toBe('1');
    expect(w.events[2]?.kv.value).toBe('1');
    w.stop();
    await store.create('/r/z', '1');
    await tick();
    expect(w.events).toHaveLength(3);
  });

  it('compaction drops history: a watch from before it fails with Expired, a later one works', async () => {
    for (let i = 0; i < 5; i++) await store.create(`/c/${i}`, `${i}`);
    await store.compact(3);
    expect(await store.compactedRevision()).toBe(3);
    const old = collect('/c/', 2);
    const ok = collect('/c/', 3);
    await tick();
    expect(old.errors).toHaveLength(1);
    expect(isExpired(old.errors[0])).toBe(true);
    expect(ok.events.map((e) => e.kv.key)).toEqual(['/c/3', '/c/4']);
    expect((await store.list('/c/')).items).toHaveLength(5);
    ok.stop();
  });

  it('keeps revisions, data and compaction across reopen', async () => {
    await store.create('/p/a', 'a');
    await store.update('/p/a', 'b', 1);
    await store.delete('/p/a');
    await store.create('/p/b', 'b');
    await store.compact(2);
    await store.close();
    store = openSqliteStore({ path: join(dir, 'state.db'), compactIntervalMs: 0 });
    expect(await store.revision()).toBe(4);
    expect(await store.compactedRevision()).toBe(2);
    expect((await store.create('/p/c', 'c')).modRevision).toBe(5);
    expect((await store.list('/p/')).items.map((i) => i.value)).toEqual(['b', 'c']);
  });
});

/**
 * A syncFile that can hold one sync: `hold()` arms it and resolves once the store has called
 * it (its group commit is then committed in SQLite but not durable); `release()` lets the real
 * fsync run.
 */
class SyncGate {
  #armed = false;
  #reached: (() => void) | undefined;
  readonly #held: (() => void)[] = [];
  readonly syncFile: SyncFile = async (fd) => {
    if (this.#armed) {
      this.#armed = false;
      this.#reached?.();
      await new Promise<void>((r) => this.#held.push(r));
    }
    await fsyncFile(fd);
  };
  hold(): Promise<void> {
    this.#armed = true;
    return new Promise((r) => {
      this.#reached = r;
    });
  }
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }
}

const fsyncFile = promisify(fsync);

function settledFlag(p: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  p.then(
    () => {
      flag.settled = true;
    },
    () => {
      flag.settled = true;
    },
  );
  return flag;
}

describe('sqlite store: reads expose only what is durable', () => {
  let gated: Store;
  let gate: SyncGate;

  beforeEach(() => {
    gate = new SyncGate();
    gated = openSqliteStore({ path: join(dir, 'gated.db'), compactIntervalMs: 0, syncFile: gate.syncFile });
  });

  afterEach(async () => {
    gate.release();
    await gated.close();
  });

  it('while a group commit waits for its fsync, get/list/revision/watch show the state before it', async () => {
    await gated.create('/d/a', 'a1');
    await gated.create('/d/b', 'b1');
    await gated.create('/d/c', 'c1');
    const reached = gate.hold();
    const writes = [gated.update('/d/a', 'a2', 1), gated.create('/d/n', 'n1'), gated.delete('/d/c')];
    const flags = writes.map(settledFlag);
    await reached;
    // The batch is committed in SQLite (revisions 4–6) but its fsync has not returned.
    expect(flags.map((f) => f.settled)).toEqual([false, false, false]);
    expect(await gated.get('/d/a')).toEqual({ key: '/d/a', value: 'a1', modRevision: 1, createRevision: 1 });
    expect(await gated.get('/d/n')).toBeUndefined();
    expect((await gated.get('/d/c'))?.value).toBe('c1');
    const all = await gated.list('/d/');
    expect(all.items.map((i) => `${i.key}=${i.value}@${i.modRevision}`)).toEqual([
      '/d/a=a1@1',
      '/d/b=b1@2',
      '/d/c=c1@3',
    ]);
    expect(all.revision).toBe(3);
    expect(await gated.revision()).toBe(3);
    const page1 = await gated.list('/d/', { limit: 2 });
    expect([page1.items.map((i) => i.value), page1.more, page1.revision]).toEqual([['a1', 'b1'], true, 3]);
    const page2 = await gated.list('/d/', { limit: 2, after: '/d/b' });
    expect([page2.items.map((i) => i.value), page2.more]).toEqual([['c1'], false]);
    const events: StoreEvent[] = [];
    const w = gated.watch('/d/', 0, {
      onEvent: (e) => events.push(e),
      onError: (e) => expect.fail(e.message),
    });
    await tick();
    await tick();
    expect(events.map((e) => e.kv.modRevision)).toEqual([1, 2, 3]);

    gate.release();
    const [a2, n1, c] = await Promise.all(writes);
    expect([a2?.modRevision, n1?.modRevision, c?.modRevision]).toEqual([4, 5, 6]);
    // Acknowledged, so every read that starts now sees it.
    expect((await gated.get('/d/a'))?.value).toBe('a2');
    expect((await gated.list('/d/')).items.map((i) => i.value)).toEqual(['a2', 'b1', 'n1']);
    expect((await gated.list('/d/')).revision).toBe(6);
    expect(await gated.revision()).toBe(6);
    await tick();
    expect(events.map((e) => `${e.type}@${e.kv.modRevision}`)).toEqual([
      'put@1',
      'put@2',
      'put@3',
      'put@4',
      'put@5',
      'delete@6',
    ]);
    w.stop();
  });

  it('matches a model of the acknowledged state on every get and list page, over random batches', async () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const keys = Array.from({ length: 24 }, (_, i) => `/m/${String.fromCharCode(97 + (i % 6))}${i}`);
    const model = new Map<string, KeyValue>();
    let durable = 0;
    for (let round = 0; round < 30; round++) {
      const reached = gate.hold();
      const ops = Array.from({ length: 1 + rand(12) }, () => {
        const key = keys[rand(keys.length)] as string;
        const cur = model.get(key);
        const kind = cur ? rand(3) : 0;
        const done =
          kind === 0
            ? gated.create(key, `v${round}`)
            : kind === 1
              ? gated.update(key, `v${round}`, cur?.modRevision ?? 0)
              : gated.delete(key);
        return {
          deletes: kind === 2,
          done: done.then(
            (kv) => kv,
            () => undefined,
          ),
        };
      });
      // One write that cannot lose its compare-and-swap, so every round has a sync to hold.
      const fresh = `/m/z${round}`;
      ops.push({ deletes: false, done: gated.create(fresh, 'z') });
      await reached;
      // The batch is committed in SQLite but not synced: every read answers from the model.
      for (const key of [...keys, fresh]) expect(await gated.get(key)).toEqual(model.get(key));
      const expected = [...model.values()].sort((x, y) => (x.key < y.key ? -1 : 1));
      const limit = 1 + rand(6);
      const seen: KeyValue[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await gated.list('/m/', after === undefined ? { limit } : { limit, after });
        expect(page.revision).toBe(durable);
        seen.push(...page.items);
        if (!page.more) break;
        after = page.items[page.items.length - 1]?.key;
      }
      expect(seen).toEqual(expected);
      expect(await gated.revision()).toBe(durable);
      gate.release();
      const acked: { deletes: boolean; kv: KeyValue }[] = [];
      for (const op of ops) {
        const kv = await op.done;
        if (kv) acked.push({ deletes: op.deletes, kv });
      }
      acked.sort((x, y) => x.kv.modRevision - y.kv.modRevision);
      for (const { deletes, kv } of acked) {
        if (deletes) model.delete(kv.key);
        else model.set(kv.key, kv);
        durable = kv.modRevision;
      }
    }
    expect(durable).toBeGreaterThan(60);
  });
});

describe('sqlite store: a failed sync', () => {
  it('rejects the batch, ends the watches and refuses every later call', async () => {
    let fail = false;
    const failing = openSqliteStore({
      path: join(dir, 'failing.db'),
      compactIntervalMs: 0,
      syncFile: async (fd) => {
        if (fail) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5 });
        await fsyncFile(fd);
      },
    });
    await failing.create('/f/a', '1');
    const errors: Error[] = [];
    failing.watch('/f/', 0, { onEvent: () => {}, onError: (e) => errors.push(e) });
    await tick();
    fail = true;
    const write = failing.update('/f/a', '2', 1);
    await expect(write).rejects.toThrow(/syncing the write-ahead log failed \(EIO/);
    expect(errors).toHaveLength(1);
    await expect(failing.get('/f/a')).rejects.toMatchObject({ code: ErrorCode.System, syscall: 'fsync' });
    await expect(failing.list('/f/')).rejects.toMatchObject({ code: ErrorCode.System, syscall: 'fsync' });
    await expect(failing.revision()).rejects.toMatchObject({ code: ErrorCode.System, syscall: 'fsync' });
    await expect(failing.create('/f/b', '1')).rejects.toMatchObject({
      code: ErrorCode.System,
      syscall: 'fsync',
    });
    await failing.close();
  });
});
