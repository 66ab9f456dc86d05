import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWatchServer, type WatchServer } from '../../test/harness/watch-server.js';
import type { KubeObject } from '../api/index.js';
import { keyOf } from '../api/index.js';
import { Informer, listWatcher } from './informer.js';
import { coreResources } from './resource.js';
import { KubeClient } from './rest.js';
import { namespaceIndex } from './store.js';

type Pod = KubeObject & { spec?: { nodeName?: string } };

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pod = (name: string, nodeName = 'node-1', ns = 'default'): Pod => ({
  metadata: { name, namespace: ns, labels: { app: 'web' } },
  spec: { nodeName },
});

/** A handler that records `TYPE key@rv` lines. */
function recorder() {
  const seen: string[] = [];
  const line = (t: string, o: KubeObject) => `${t} ${keyOf(o)}@${o.metadata.resourceVersion}`;
  return {
    seen,
    handler: {
      onAdd: (o: KubeObject) => {
        seen.push(line('ADDED', o));
      },
      onUpdate: (_old: KubeObject, o: KubeObject) => {
        seen.push(line('MODIFIED', o));
      },
      onDelete: (o: KubeObject) => {
        seen.push(line('DELETED', o));
      },
    },
  };
}

describe('Informer against the watch server', () => {
  let server: WatchServer;
  let client: KubeClient;
  let ac: AbortController;
  let running: Promise<void> | undefined;
  const errors: unknown[] = [];

  beforeEach(async () => {
    server = await startWatchServer({ resources: [coreResources.pods], historyLimit: 1000 });
    client = new KubeClient({
      config: { server: server.url, insecureSkipTlsVerify: false, namespace: 'default', source: 'test' },
    });
    ac = new AbortController();
    errors.length = 0;
  });
  afterEach(async () => {
    ac.abort();
    await running;
    client.close();
    await server.close();
  });

  function start(options: { pageSize?: number } = {}) {
    const informer = new Informer<Pod>({
      name: 'pods',
      listerWatcher: listWatcher(client.resource(coreResources.pods)),
      indexers: { namespace: namespaceIndex, node: (p) => [p.spec?.nodeName ?? ''] },
      backoff: { initialMs: 5, maxMs: 50 },
      pageSize: options.pageSize ?? 2,
      onError: (err) => errors.push(err),
    });
    running = informer.run(ac.signal);
    return informer;
  }

  /** The handler sequence the server's history implies for a watcher synced at `listRv`. */
  function expectedAfter(listRv: number): string[] {
    return server.fullHistory
      .filter((e) => e.rv > listRv)
      .map((e) => `${e.type} ${e.key}@${e.obj.metadata.resourceVersion}`);
  }

  it('lists in pages, then resumes after server-side stream closes with no missed or duplicate events', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) server.create('pods', pod(n));
    const informer = start();
    const rec = recorder();
    informer.addEventHandler(rec.handler);
    await informer.waitForSync();
    const listRv = Number(informer.lastResourceVersion);
    expect(listRv).toBe(5);
    expect(rec.seen.length).toBeLessThanOrEqual(5);

    server.create('pods', pod('f'));
    server.update('pods', { ...server.get<Pod>('pods', 'default', 'a')!, spec: { nodeName: 'node-2' } });
    await until(() => rec.seen.length === 7, 'first live events');
    // Close every stream, then write before the informer can reconnect.
    server.closeAllStreams();
    server.remove('pods', 'default', 'b');
    server.create('pods', pod('g'));
    server.update('pods', { ...server.get<Pod>('pods', 'default', 'c')!, spec: { nodeName: 'node-3' } });
    await until(() => server.activeWatches === 1, 're-watch');
    server.closeAllStreams();
    server.create('pods', pod('h'));
    await until(() => server.activeWatches === 1, 'second re-watch');
    server.remove('pods', 'default', 'f');
    server.create('pods', pod('i'));
    const want = expectedAfter(listRv);
    await until(() => rec.seen.length >= 5 + want.length, 'all events');
    await new Promise((r) => setTimeout(r, 50)); // nothing extra may arrive
    expect(rec.seen.slice(5)).toEqual(want);
    expect(rec.seen.slice(0, 5).sort()).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((n) => `ADDED default/${n}@${n.charCodeAt(0) - 96}`),
    );
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBeGreaterThanOrEqual(3);
    // cache and indexes agree with the server
    expect(informer.cache.keys().sort()).toEqual([
      'default/a',
      'default/c',
      'default/d',
      'default/e',
      'default/g',
      'default/h',
      'default/i',
    ]);
    expect(informer.cache.byIndex('node', 'node-2').map(keyOf)).toEqual(['default/a']);
    expect(informer.cache.byIndex('node', 'node-3').map(keyOf)).toEqual(['default/c']);
    expect(informer.cache.byIndex('namespace', 'default')).toHaveLength(7);
    expect(errors).toEqual([]);
  });

  it('relists after 410 Expired and converges with a minimal diff (delete during the gap included)', async () => {
    for (const n of ['a', 'b', 'c']) server.create('pods', pod(n));
    const informer = start();
    const rec = recorder();
    const deletes: boolean[] = [];
    informer.addEventHandler(rec.handler);
    informer.addEventHandler({ onDelete: (_o, info) => void deletes.push(info.finalStateUnknown) });
    await informer.waitForSync();
    await until(() => rec.seen.length === 3, 'initial adds');
    // Disconnect, change things, and compact in one synchronous turn: the informer can only
    // reconnect from its old version, which is now gone.
    server.closeAllStreams();
    server.update('pods', { ...server.get<Pod>('pods', 'default', 'a')!, spec: { nodeName: 'node-9' } });
    server.remove('pods', 'default', 'b');
    server.create('pods', pod('d'));
    server.compact();
    await until(() => informer.stats.relistsAfterGone === 1 && rec.seen.length === 6, 'relist diff');
    await new Promise((r) => setTimeout(r, 50));
    expect(rec.seen.slice(3).sort()).toEqual([
      'ADDED default/d@6',
      'DELETED default/b@2',
      'MODIFIED default/a@4',
    ]);
    expect(deletes).toEqual([true]); // inferred from the relist: last known state
    expect(informer.stats.lists).toBe(2);
    // the watch continues from the relist's version
    server.create('pods', pod('e'));
    await until(() => rec.seen.length === 7, 'event after relist');
    expect(rec.seen[6]).toBe('ADDED default/e@7');
    expect(informer.cache.keys().sort()).toEqual(['default/a', 'default/c', 'default/d', 'default/e']);
  });

  it('a slow handler does not block the watch, the cache or other handlers', async () => {
    server.create('pods', pod('a'));
    const informer = start();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slowSeen: string[] = [];
    informer.addEventHandler({
      onAdd: async (o) => {
        slowSeen.push(keyOf(o));
        await gate; // stuck on the first event
      },
    });
    const fast = recorder();
    informer.addEventHandler(fast.handler);
    await informer.waitForSync();
    for (let i = 0; i < 50; i++) server.create('pods', pod(`p${i}`));
    await until(() => fast.seen.length === 51, 'fast handler');
    expect(informer.cache.size).toBe(51);
    expect(slowSeen).toEqual(['default/a']);
    release();
    await until(() => slowSeen.length === 51, 'slow handler catches up');
    expect(slowSeen).toEqual(fast.seen.map((l) => l.split(' ')[1]!.split('@')[0]!));
  });

  it('advances its version on bookmarks and replays the cache to a late handler', async () => {
    server.create('pods', pod('a'));
    const informer = start();
    await informer.waitForSync();
    await until(() => server.activeWatches === 1, 'watch');
    server.create('pods', pod('b'));
    server.remove('pods', 'default', 'b');
    await until(() => informer.lastResourceVersion === '3', 'events');
    const late = recorder();
    informer.addEventHandler(late.handler);
    await until(() => late.seen.length === 1, 'replay');
    expect(late.seen).toEqual(['ADDED default/a@1']);
    expect(informer.stats.bookmarks).toBe(0);
    server.sendBookmarks();
    await until(() => informer.stats.bookmarks === 1, 'bookmark');
    expect(informer.lastResourceVersion).toBe('3');
  });

  it('backs off and reports errors while the server is unreachable, then recovers', async () => {
    server.create('pods', pod('a'));
    const url = server.url;
    await server.close();
    const informer = start();
    await until(() => errors.length >= 3, 'errors');
    expect(informer.hasSynced).toBe(false);
    expect(String(errors[0])).toContain(url.replace('http://', '').split(':')[0]!);
    ac.abort();
    await running;
    running = undefined;
    server = await startWatchServer({ resources: [coreResources.pods] });
  });
});
