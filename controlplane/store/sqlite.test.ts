import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAlreadyExists, isNotFound } from '../../lib/errors/index.js';
import { isConflict, isExpired } from './errors.js';
import { openSqliteStore } from './sqlite.js';
import type { Store, StoreEvent } from './types.js';

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
