import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isExpired } from './errors.js';
import { openSqliteStore } from './sqlite.js';
import type { Store, StoreEvent } from './types.js';
import { withWatchCache } from './watch-cache.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sy-wc-'));
  store = withWatchCache(openSqliteStore({ path: join(dir, 's.db'), compactIntervalMs: 0 }), { capacity: 5 });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('watch cache', () => {
  it('fans one backend watch out to many watchers, replaying recent history from memory in order', async () => {
    await settle();
    const base = await store.revision();
    await store.create('/r/a', '1');
    await store.create('/x/b', '1');
    const seen: StoreEvent[][] = [[], [], []];
    const handles = seen.map((list, i) =>
      store.watch(i === 2 ? '/x/' : '/r/', base, { onEvent: (e) => list.push(e), onError: () => undefined }),
    );
    await store.update('/r/a', '2', base + 1);
    await settle();
    expect(seen[0]?.map((e) => e.kv.value)).toEqual(['1', '2']);
    expect(seen[1]?.map((e) => e.kv.value)).toEqual(['1', '2']);
    expect(seen[2]?.map((e) => e.kv.key)).toEqual(['/x/b']);
    for (const h of handles) h.stop();
  });

  it('falls through to the backend for revisions older than the ring', async () => {
    await settle();
    const base = await store.revision();
    for (let i = 0; i < 8; i++) await store.create(`/r/${i}`, String(i));
    await settle();
    const events: StoreEvent[] = [];
    const h = store.watch('/r/', base, { onEvent: (e) => events.push(e), onError: () => undefined });
    await settle();
    expect(events.map((e) => e.kv.value)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    h.stop();
    await store.compact(await store.revision());
    const errors: Error[] = [];
    store.watch('/r/', base, { onEvent: () => undefined, onError: (e) => errors.push(e) });
    await settle();
    expect(isExpired(errors[0])).toBe(true);
  });
});
