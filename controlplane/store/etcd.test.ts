import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlreadyExists, isNotFound } from '../../lib/errors/index.js';
import { startTestEtcd, type TestEtcd } from '../../test/harness/cluster/etcd.js';
import { isConflict, isExpired } from './errors.js';
import { openEtcdStore } from './etcd.js';
import type { Store, StoreEvent } from './types.js';

let etcd: TestEtcd;
let store: Store;

beforeAll(async () => {
  etcd = await startTestEtcd();
  store = openEtcdStore({ endpoints: [etcd.endpoint] });
});

afterAll(async () => {
  await store?.close();
  await etcd?.stop();
});

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('etcd store (Debian etcd-server)', () => {
  it('creates, updates with compare-and-swap on mod_revision, deletes; revisions are etcd revisions', async () => {
    const a = await store.create('/registry/pods/default/a', '{"v":1}');
    expect(a.modRevision).toBe(await store.revision());
    await expect(store.create('/registry/pods/default/a', '{}')).rejects.toSatisfy(isAlreadyExists);
    const a2 = await store.update('/registry/pods/default/a', '{"v":2}', a.modRevision);
    expect(a2.modRevision).toBe(a.modRevision + 1);
    expect(a2.createRevision).toBe(a.modRevision);
    await expect(store.update('/registry/pods/default/a', '{}', a.modRevision)).rejects.toSatisfy(isConflict);
    await expect(store.update('/registry/pods/default/none', '{}', 1)).rejects.toSatisfy(isNotFound);
    expect((await store.get('/registry/pods/default/a'))?.value).toBe('{"v":2}');
    await expect(store.delete('/registry/pods/default/a', a.modRevision)).rejects.toSatisfy(isConflict);
    const gone = await store.delete('/registry/pods/default/a');
    expect(gone.value).toBe('{"v":2}');
    expect(await store.get('/registry/pods/default/a')).toBeUndefined();
  });

  it('lists a prefix in key order with limit and a continue position', async () => {
    for (const n of ['c', 'a', 'b', 'd']) await store.create(`/registry/cms/ns1/${n}`, n);
    await store.create('/registry/cms/ns10/x', 'x');
    const page1 = await store.list('/registry/cms/ns1/', { limit: 3 });
    expect(page1.items.map((i) => i.value)).toEqual(['a', 'b', 'c']);
    expect(page1.more).toBe(true);
    const page2 = await store.list('/registry/cms/ns1/', { limit: 3, after: '/registry/cms/ns1/c' });
    expect(page2.items.map((i) => i.value)).toEqual(['d']);
    expect(page2.more).toBe(false);
    expect(await store.count('/registry/cms/ns1/')).toBe(4);
    expect(await store.count('/registry/cms/')).toBe(5);
    expect(await store.count('/registry/none/')).toBe(0);
  });

  it('lists more keys than one range page, at one revision', async () => {
    for (let i = 0; i < 1200; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          store.create(`/registry/big/k${String(i + j).padStart(5, '0')}`, 'v'),
        ),
      );
    }
    const all = await store.list('/registry/big/');
    expect(all.items).toHaveLength(1200);
    expect(all.items[1199]?.key).toBe('/registry/big/k01199');
    const limited = await store.list('/registry/big/', { limit: 700 });
    expect(limited.items).toHaveLength(700);
    expect(limited.more).toBe(true);
  });

  it('watches after a revision (history then live), and reports compacted history as Expired', async () => {
    const base = await store.revision();
    await store.create('/registry/w/a', '1');
    const events: StoreEvent[] = [];
    const errors: Error[] = [];
    const h = store.watch('/registry/w/', base, {
      onEvent: (e) => events.push(e),
      onError: (e) => errors.push(e),
    });
    await store.update('/registry/w/a', '2', base + 1);
    await store.delete('/registry/w/a');
    await until(() => events.length === 3);
    expect(events.map((e) => [e.type, e.kv.value, e.kv.modRevision - base])).toEqual([
      ['put', '1', 1],
      ['put', '2', 2],
      ['delete', '2', 3],
    ]);
    h.stop();
    await store.compact(await store.revision());
    const old = store.watch('/registry/w/', base, {
      onEvent: () => undefined,
      onError: (e) => errors.push(e),
    });
    await until(() => errors.length === 1);
    expect(isExpired(errors[0])).toBe(true);
    old.stop();
  });
});
