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

  it('resumes without loss after the connection is cut mid-stream', async () => {
    server.create('pods', pod('a'));
    const informer = start();
    const rec = recorder();
    informer.addEventHandler(rec.handler);
    await informer.waitForSync();
    await until(() => server.activeWatches === 1, 'watch');
    server.create('pods', pod('b'));
    server.destroyAllStreams();
    server.create('pods', pod('c'));
    server.remove('pods', 'default', 'a');
    const want = ['ADDED default/a@1', ...expectedAfter(1)];
    await until(() => rec.seen.length === want.length, 'events after the cut');
    await new Promise((r) => setTimeout(r, 50));
    expect(rec.seen).toEqual(want);
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBeGreaterThanOrEqual(2);
  });

  it('converges under a random mix of writes, stream closes, cuts and compactions (seeded)', async () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 16) % n; // the low bits of this LCG cycle quickly
    };
    const informer = start({ pageSize: 3 });
    const model = new Map<string, string>(); // key → rv, rebuilt from handler events only
    const last = new Map<string, string>();
    const dupes: string[] = [];
    const note = (key: string, rv: string) => {
      if (last.get(key) === rv) dupes.push(`${key}@${rv}`);
      last.set(key, rv);
    };
    informer.addEventHandler({
      onAdd: (o) => {
        model.set(keyOf(o), o.metadata.resourceVersion!);
        note(keyOf(o), o.metadata.resourceVersion!);
      },
      onUpdate: (_old, o) => {
        model.set(keyOf(o), o.metadata.resourceVersion!);
        note(keyOf(o), o.metadata.resourceVersion!);
      },
      onDelete: (o) => {
        model.delete(keyOf(o));
      },
    });
    await informer.waitForSync();
    let interrupted = 0; // stream closes and cuts that hit an open watch
    for (let step = 0; step < 300; step++) {
      const name = `p${rand(12)}`;
      const existing = server.get<Pod>('pods', 'default', name);
      const op = rand(20);
      if (op < 8) {
        if (existing) server.update('pods', { ...existing, spec: { nodeName: `node-${rand(3)}` } });
        else server.create('pods', pod(name));
      } else if (op < 12) {
        if (existing) server.remove('pods', 'default', name);
      } else if (op === 12) interrupted += server.closeAllStreams();
      else if (op === 13) interrupted += server.destroyAllStreams();
      else if (op === 14) server.compact();
      else if (op === 15) server.sendBookmarks();
      else await new Promise((r) => setTimeout(r, rand(3)));
    }
    const serverState = () => {
      const state = new Map<string, string>();
      for (const e of server.fullHistory) {
        if (e.type === 'DELETED') state.delete(e.key);
        else state.set(e.key, e.obj.metadata.resourceVersion!);
      }
      return state;
    };
    const same = (a: Map<string, string>) => {
      const b = serverState();
      return a.size === b.size && [...b].every(([k, v]) => a.get(k) === v);
    };
    await until(() => same(model), 'handlers converge', 10_000);
    const cached = new Map(informer.cache.list().map((p) => [keyOf(p), p.metadata.resourceVersion!]));
    expect(same(cached)).toBe(true);
    expect(dupes).toEqual([]);
    expect(informer.stats.relistsAfterGone).toBeGreaterThan(0);
    // How many interruptions found a watch open depends on timing (under load the informer is
    // often between watches); at least one did, and the informer watched again after it.
    expect(interrupted).toBeGreaterThan(0);
    expect(informer.stats.watches).toBeGreaterThan(1);
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

describe('Informer failure handling (injected clock)', () => {
  const cfg = (url: string) => ({
    server: url,
    insecureSkipTlsVerify: false,
    namespace: 'default',
    source: 'test',
  });

  it('relists when the watch answers HTTP 410 instead of an in-stream error', async () => {
    const server = await startWatchServer({ resources: [coreResources.pods], expiredWatch: 'http' });
    const client = new KubeClient({ config: cfg(server.url) });
    const ac = new AbortController();
    const informer = new Informer<Pod>({
      listerWatcher: listWatcher(client.resource(coreResources.pods), { namespace: 'default' }),
      backoff: { initialMs: 5 },
    });
    const rec = recorder();
    informer.addEventHandler(rec.handler);
    server.create('pods', pod('a'));
    const running = informer.run(ac.signal);
    try {
      await informer.waitForSync();
      await until(() => server.activeWatches === 1, 'watch');
      server.closeAllStreams();
      server.remove('pods', 'default', 'a');
      server.create('pods', pod('b'));
      server.compact();
      await until(() => rec.seen.length === 3, 'relist diff');
      expect(rec.seen[0]).toBe('ADDED default/a@1');
      expect(rec.seen.slice(1).sort()).toEqual(['ADDED default/b@3', 'DELETED default/a@1']);
      expect(informer.stats.relistsAfterGone).toBe(1);
      expect(server.requests.some((r) => r.url.includes('watch=true&resourceVersion=1&'))).toBe(true);
    } finally {
      ac.abort();
      await running;
      client.close();
      await server.close();
    }
  });

  it('backs off exponentially on the injected clock while the API is unreachable', async () => {
    const { FakeClock } = await import('../reconcile/index.js');
    const probe = await startWatchServer({ resources: [coreResources.pods] });
    const deadUrl = probe.url;
    await probe.close(); // nothing listens there now: connections are refused
    const clock = new FakeClock();
    const errors: { phase: string; at: number }[] = [];
    const client = new KubeClient({ config: cfg(deadUrl) });
    const informer = new Informer<Pod>({
      listerWatcher: listWatcher(client.resource(coreResources.pods)),
      backoff: { initialMs: 100, maxMs: 400, jitter: 0.5 },
      random: () => 0,
      clock,
      onError: (_err, phase) => errors.push({ phase, at: clock.now() }),
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
      await until(() => errors.length === 1, 'first error');
      for (const wait of [100, 200, 400, 400]) {
        const n = errors.length;
        await clock.advance(wait - 1);
        await new Promise((r) => setTimeout(r, 20));
        expect(errors.length).toBe(n); // still sleeping
        await clock.advance(1);
        await until(() => errors.length === n + 1, `retry after ${wait}ms`);
      }
      expect(errors.map((e) => e.at)).toEqual([0, 100, 300, 700, 1100]);
      expect(errors.every((e) => e.phase === 'list')).toBe(true);
      expect(informer.hasSynced).toBe(false);
    } finally {
      ac.abort();
      await running;
      client.close();
    }
  });

  it('a watchdog ends a stream the server never closes, then re-watches', async () => {
    const { createServer } = await import('node:http');
    const { FakeClock } = await import('../reconcile/index.js');
    let watches = 0;
    const srv = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('watch=true')) {
        watches += 1;
        res.flushHeaders(); // ... and never a byte more, ignoring timeoutSeconds
        return;
      }
      res.end(
        JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '5' }, items: [] }),
      );
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const clock = new FakeClock();
    const client = new KubeClient({
      config: cfg(`http://127.0.0.1:${(srv.address() as { port: number }).port}`),
    });
    const informer = new Informer<Pod>({
      listerWatcher: listWatcher(client.resource(coreResources.pods)),
      watchTimeoutSeconds: 10,
      clock,
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
      await until(() => watches === 1, 'first watch');
      await clock.advance(39_999);
      await new Promise((r) => setTimeout(r, 20));
      expect(watches).toBe(1);
      await clock.advance(1);
      await until(() => watches === 2, 'watchdog re-watch');
      expect(informer.stats.lists).toBe(1);
    } finally {
      ac.abort();
      await running;
      client.close();
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('transforms objects into slim types at the boundary and reports handler failures', async () => {
    const server = await startWatchServer({ resources: [coreResources.pods] });
    const client = new KubeClient({ config: cfg(server.url) });
    const failures: string[] = [];
    const informer = new Informer<Pod, { key: string; node: string }>({
      listerWatcher: listWatcher(client.resource(coreResources.pods)),
      transform: (p) => ({ key: keyOf(p), node: p.spec?.nodeName ?? '' }),
      indexers: { node: (s) => [s.node] },
      onError: (err, phase) => failures.push(`${phase}: ${(err as Error).message}`),
    });
    const got: string[] = [];
    informer.addEventHandler({
      onAdd: (s) => {
        if (s.key === 'default/bad') throw new Error('boom');
        got.push(`${s.key} on ${s.node}`);
      },
    });
    server.create('pods', pod('a', 'node-7'));
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
      await informer.waitForSync();
      server.create('pods', pod('bad'));
      server.create('pods', pod('c', 'node-7'));
      await until(() => got.length === 2, 'events');
      expect(got).toEqual(['default/a on node-7', 'default/c on node-7']);
      expect(failures).toEqual(['handler: informer handler failed on add: boom']);
      expect(informer.cache.byIndex('node', 'node-7')).toEqual([
        { key: 'default/a', node: 'node-7' },
        { key: 'default/c', node: 'node-7' },
      ]);
    } finally {
      ac.abort();
      await running;
      client.close();
      await server.close();
    }
  });
});
