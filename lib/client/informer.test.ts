/**
 * The informer against the real API server (one per file), through the fault relay of
 * test/harness/faults.ts: streams the relay ends or cuts, watches it holds while the test
 * writes, 410s from the store's real compaction or injected by the relay, a stream that never
 * ends. Each test works in its own namespace; a direct watch on it (not through the relay) is
 * the witness of what the server committed, in order.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import {
  compactHistory,
  type FaultRelay,
  goneReply,
  isWatch,
  startFaultRelay,
} from '../../test/harness/faults.js';
import type { KubeObject } from '../api/index.js';
import { keyOf } from '../api/index.js';
import { Informer, listWatcher } from './informer.js';
import type { RestConfig } from './kubeconfig.js';
import { coreResources, defineResource } from './resource.js';
import { KubeClient } from './rest.js';
import { namespaceIndex } from './store.js';

/** A ConfigMap that names a node: the index tests index by it. */
type Cm = KubeObject & { data?: { node?: string } };
const configmaps = defineResource<Cm>({ ...coreResources.configmaps });

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const line = (t: string, o: KubeObject) => `${t} ${keyOf(o)}@${o.metadata.resourceVersion}`;

/** A handler that records `TYPE key@rv` lines. */
function recorder() {
  const seen: string[] = [];
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

/** A URL where nothing listens: a port just freed. */
async function deadUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

let t: TestServer;
let direct: KubeClient;
let nsCount = 0;

beforeAll(async () => {
  t = await startTestServer({ bookmarkIntervalMs: 200 });
  direct = new KubeClient({ config: config(t.server.url, 'default') });
});
afterAll(async () => {
  direct.close();
  await t.stop();
});

function config(server: string, namespace: string): RestConfig {
  return {
    server,
    token: t.server.adminToken,
    ...(server.startsWith('https:') ? { ca: readFileSync(t.server.caCertPath) } : {}),
    insecureSkipTlsVerify: false,
    namespace,
    source: 'test',
  };
}

/** A fresh namespace, a relay, a client through it, and writes that go straight to the server. */
async function setup() {
  const ns = `inf-${++nsCount}`;
  await direct.resource(coreResources.namespaces).create({ metadata: { name: ns } });
  const relay = await startFaultRelay({ upstream: t.server.url, ca: readFileSync(t.server.caCertPath) });
  const client = new KubeClient({ config: config(relay.url, ns) });
  const cms = direct.resource(configmaps);
  const w = {
    create: (name: string, node = 'node-1') =>
      cms.create({ metadata: { name, namespace: ns, labels: { app: 'web' } }, data: { node } }),
    update: (name: string, node: string) =>
      cms.patch(name, { data: { node } }, { type: 'merge', namespace: ns }),
    /** Deletes `name`; the answer is the object as deleted (a ConfigMap has no graceful deletion). */
    remove: async (name: string): Promise<Cm> => {
      const gone = await cms.delete(name, { namespace: ns });
      if (gone.kind === 'Status') throw new Error(`delete ${name}: answered with a Status`);
      return gone as Cm;
    },
    get: (name: string) => cms.get(name, { namespace: ns }),
    /** `name@rv` of each object now on the server. */
    state: async () =>
      new Map((await cms.list({ namespace: ns })).items.map((o) => [keyOf(o), o.metadata.resourceVersion!])),
  };
  /** The server's own event sequence from `rv` on, read over a direct watch. */
  const witness = async (rv: string) => {
    const ac = new AbortController();
    const stream = await cms.watch({ namespace: ns, resourceVersion: rv, signal: ac.signal });
    const seen: string[] = [];
    void (async () => {
      for await (const ev of stream) {
        if (ev.type === 'ERROR') seen.push(`ERROR ${ev.object.message}`);
        else if (ev.type !== 'BOOKMARK') seen.push(line(ev.type, ev.object));
      }
    })().catch(() => undefined);
    return { seen, stop: () => ac.abort() };
  };
  return { ns, relay, client, w, witness, key: (name: string) => `${ns}/${name}` };
}

describe('Informer against the real API server', () => {
  let env: Awaited<ReturnType<typeof setup>>;
  let relay: FaultRelay;
  let ac: AbortController;
  let running: Promise<void> | undefined;
  let stopWitness: (() => void) | undefined;
  const errors: unknown[] = [];

  beforeEach(async () => {
    env = await setup();
    relay = env.relay;
    ac = new AbortController();
    running = undefined;
    stopWitness = undefined;
    errors.length = 0;
  });
  afterEach(async () => {
    ac.abort();
    await running;
    stopWitness?.();
    env.client.close();
    await relay.close();
  });

  function start(options: { pageSize?: number } = {}) {
    const informer = new Informer<Cm>({
      name: 'configmaps',
      listerWatcher: listWatcher(env.client.resource(configmaps), { namespace: env.ns }),
      indexers: { namespace: namespaceIndex, node: (p) => [p.data?.node ?? ''] },
      backoff: { initialMs: 5, maxMs: 50 },
      pageSize: options.pageSize ?? 2,
      onError: (err) => errors.push(err),
    });
    running = informer.run(ac.signal);
    return informer;
  }

  async function witnessFrom(rv: string) {
    const wit = await env.witness(rv);
    stopWitness = wit.stop;
    return wit.seen;
  }

  it('lists in pages, then resumes after server-side stream closes with no missed or duplicate events', async () => {
    const { w, key } = env;
    const created: string[] = [];
    for (const n of ['a', 'b', 'c', 'd', 'e']) created.push(line('ADDED', await w.create(n)));
    const informer = start();
    const rec = recorder();
    informer.addEventHandler(rec.handler);
    await informer.waitForSync();
    const listRv = informer.lastResourceVersion;
    expect(Number(listRv)).toBeGreaterThanOrEqual(Number(created.at(-1)!.split('@')[1]));
    expect(rec.seen.length).toBeLessThanOrEqual(5);
    expect(relay.requests.filter((r) => !r.watch && r.url.includes('limit=2')).length).toBe(3); // 2+2+1
    const want = await witnessFrom(listRv);

    await w.create('f');
    await w.update('a', 'node-2');
    await until(() => rec.seen.length === 7, 'first live events');
    // End every stream, then write before the informer can reconnect.
    relay.holdWatches();
    relay.closeWatches();
    await w.remove('b');
    await w.create('g');
    await w.update('c', 'node-3');
    relay.releaseWatches();
    await until(() => relay.activeWatches === 1, 're-watch');
    relay.holdWatches();
    relay.closeWatches();
    await w.create('h');
    relay.releaseWatches();
    await until(() => relay.activeWatches === 1, 'second re-watch');
    await w.remove('f');
    await w.create('i');
    await until(() => want.length === 8 && rec.seen.length >= 5 + want.length, 'all events');
    await new Promise((r) => setTimeout(r, 50)); // nothing extra may arrive
    expect(rec.seen.slice(5)).toEqual(want);
    expect(rec.seen.slice(0, 5).sort()).toEqual(created.sort());
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBeGreaterThanOrEqual(3);
    // cache and indexes agree with the server
    expect(informer.cache.keys().sort()).toEqual(['a', 'c', 'd', 'e', 'g', 'h', 'i'].map(key));
    expect(informer.cache.byIndex('node', 'node-2').map(keyOf)).toEqual([key('a')]);
    expect(informer.cache.byIndex('node', 'node-3').map(keyOf)).toEqual([key('c')]);
    expect(informer.cache.byIndex('namespace', env.ns)).toHaveLength(7);
    expect(errors).toEqual([]);
  });

  it('relists after 410 Expired (the store compacted) and converges with a minimal diff', async () => {
    const { w, key } = env;
    const b = await w.create('b');
    await w.create('a');
    await w.create('c');
    const informer = start();
    const rec = recorder();
    const deletes: boolean[] = [];
    informer.addEventHandler(rec.handler);
    informer.addEventHandler({ onDelete: (_o, info) => void deletes.push(info.finalStateUnknown) });
    await informer.waitForSync();
    await until(() => rec.seen.length === 3 && relay.activeWatches === 1, 'initial adds');
    // Disconnect, change things and compact while the informer waits to reconnect: it can only
    // reconnect from its old version, which the server no longer has.
    relay.holdWatches();
    relay.closeWatches();
    const a2 = await w.update('a', 'node-9');
    await w.remove('b');
    const d = await w.create('d');
    await compactHistory(t.server.store);
    relay.releaseWatches();
    await until(() => informer.stats.relistsAfterGone === 1 && rec.seen.length === 6, 'relist diff');
    await new Promise((r) => setTimeout(r, 50));
    expect(rec.seen.slice(3).sort()).toEqual(
      [line('ADDED', d), line('DELETED', b), line('MODIFIED', a2)].sort(),
    );
    expect(deletes).toEqual([true]); // inferred from the relist: last known state
    expect(informer.stats.lists).toBe(2);
    // the watch continues from the relist's version
    const e = await w.create('e');
    await until(() => rec.seen.length === 7, 'event after relist');
    expect(rec.seen[6]).toBe(line('ADDED', e));
    expect(informer.cache.keys().sort()).toEqual(['a', 'c', 'd', 'e'].map(key));
  });

  it('resumes without loss after the connection is cut mid-stream', async () => {
    const { w } = env;
    const a = await w.create('a');
    const informer = start();
    const rec = recorder();
    informer.addEventHandler(rec.handler);
    await informer.waitForSync();
    await until(() => relay.activeWatches === 1, 'watch');
    const after = await witnessFrom(informer.lastResourceVersion);
    await w.create('b');
    expect(relay.cutWatches()).toBe(1);
    await w.create('c');
    await w.remove('a');
    await until(() => after.length === 3 && rec.seen.length === 4, 'events after the cut');
    await new Promise((r) => setTimeout(r, 50));
    expect(rec.seen).toEqual([line('ADDED', a), ...after]);
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBeGreaterThanOrEqual(2);
  });

  it('converges under a random mix of writes, stream ends, cuts and compactions (seeded)', async () => {
    const { w } = env;
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
    const live = new Set<string>();
    const write = async () => {
      const name = `p${rand(12)}`;
      const op = rand(12);
      if (op < 8) {
        if (live.has(name)) await w.update(name, `node-${rand(3)}`);
        else await w.create(name);
        live.add(name);
      } else if (live.has(name)) {
        await w.remove(name);
        live.delete(name);
      }
    };
    let interrupted = 0; // stream ends and cuts that hit an open watch
    for (let step = 0; step < 300; step++) {
      const op = rand(20);
      if (op < 12) await write();
      else if (op === 12) interrupted += relay.closeWatches();
      else if (op === 13) interrupted += relay.cutWatches();
      else if (op === 14) {
        // a gap the informer cannot bridge: end its stream, write, compact, let it reconnect
        relay.holdWatches();
        interrupted += relay.closeWatches();
        await write();
        await compactHistory(t.server.store);
        relay.releaseWatches();
      } else await new Promise((r) => setTimeout(r, rand(3)));
    }
    const same = (a: Map<string, string>, b: Map<string, string>) =>
      a.size === b.size && [...b].every(([k, v]) => a.get(k) === v);
    const truth = await w.state();
    await until(() => same(model, truth), 'handlers converge', 10_000);
    const cached = new Map(informer.cache.list().map((p) => [keyOf(p), p.metadata.resourceVersion!]));
    expect(same(cached, truth)).toBe(true);
    expect(dupes).toEqual([]);
    expect(informer.stats.relistsAfterGone).toBeGreaterThan(0);
    // How many interruptions found a watch open depends on timing (under load the informer is
    // often between watches); at least one did, and the informer watched again after it.
    expect(interrupted).toBeGreaterThan(0);
    expect(informer.stats.watches).toBeGreaterThan(1);
  });

  it('a slow handler does not block the watch, the cache or other handlers', async () => {
    const { w, key } = env;
    await w.create('a');
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
    await Promise.all(Array.from({ length: 50 }, (_, i) => w.create(`p${i}`)));
    await until(() => fast.seen.length === 51, 'fast handler');
    expect(informer.cache.size).toBe(51);
    expect(slowSeen).toEqual([key('a')]);
    release();
    await until(() => slowSeen.length === 51, 'slow handler catches up');
    expect(slowSeen).toEqual(fast.seen.map((l) => l.split(' ')[1]!.split('@')[0]!));
  });

  it('advances its version on bookmarks and replays the cache to a late handler', async () => {
    const { w } = env;
    const a = await w.create('a');
    const informer = start();
    await informer.waitForSync();
    await until(() => relay.activeWatches === 1, 'watch');
    await w.create('b');
    const gone = await w.remove('b');
    const lastEvent = gone.metadata.resourceVersion!;
    await until(() => informer.lastResourceVersion === lastEvent, 'events');
    const late = recorder();
    informer.addEventHandler(late.handler);
    await until(() => late.seen.length === 1, 'replay');
    expect(late.seen).toEqual([line('ADDED', a)]);
    const events = informer.stats.events;
    // The server sends a bookmark every 200 ms on a stream that asked for them.
    expect(relay.requests.filter((r) => r.watch).at(-1)!.url).toContain('allowWatchBookmarks=true');
    await until(() => informer.stats.bookmarks >= 1, 'bookmark');
    expect(informer.stats.events).toBe(events);
    expect(informer.lastResourceVersion).toBe(lastEvent);
  });

  it('backs off and reports errors while the server is unreachable', async () => {
    const url = await deadUrl();
    const client = new KubeClient({ config: config(url, env.ns) });
    const informer = new Informer<Cm>({
      listerWatcher: listWatcher(client.resource(configmaps)),
      backoff: { initialMs: 5, maxMs: 50 },
      onError: (err) => errors.push(err),
    });
    running = informer.run(ac.signal);
    try {
      await until(() => errors.length >= 3, 'errors');
      expect(informer.hasSynced).toBe(false);
      expect(String(errors[0])).toContain('127.0.0.1');
    } finally {
      ac.abort();
      await running;
      client.close();
    }
  });
});

describe('Informer failure handling (injected faults and clock)', () => {
  it('relists when the watch answers HTTP 410 instead of an in-stream error', async () => {
    const { relay, client, w, ns } = await setup();
    const ac = new AbortController();
    const informer = new Informer<Cm>({
      listerWatcher: listWatcher(client.resource(configmaps), { namespace: ns }),
      backoff: { initialMs: 5 },
    });
    const rec = recorder();
    informer.addEventHandler(rec.handler);
    const a = await w.create('a');
    const running = informer.run(ac.signal);
    try {
      await informer.waitForSync();
      const listRv = informer.lastResourceVersion;
      await until(() => relay.activeWatches === 1, 'watch');
      relay.holdWatches();
      relay.closeWatches();
      await w.remove('a');
      const b = await w.create('b');
      const compacted = await compactHistory(t.server.store);
      // A proxy in between (or an etcd-direct watch) answers with an HTTP 410 Status.
      relay.inject({ match: isWatch, reply: goneReply(listRv, String(compacted)) });
      relay.releaseWatches();
      await until(() => rec.seen.length === 3, 'relist diff');
      expect(rec.seen[0]).toBe(line('ADDED', a));
      expect(rec.seen.slice(1).sort()).toEqual([line('ADDED', b), line('DELETED', a)]);
      expect(informer.stats.relistsAfterGone).toBe(1);
      expect(relay.requests.some((r) => r.url.includes(`watch=true&resourceVersion=${listRv}&`))).toBe(true);
    } finally {
      ac.abort();
      await running;
      client.close();
      await relay.close();
    }
  });

  it('backs off exponentially on the injected clock while the API is unreachable', async () => {
    const { FakeClock } = await import('../reconcile/index.js');
    const clock = new FakeClock();
    const errors: { phase: string; at: number }[] = [];
    const client = new KubeClient({ config: config(await deadUrl(), 'default') });
    const informer = new Informer<Cm>({
      listerWatcher: listWatcher(client.resource(configmaps)),
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
    const { FakeClock } = await import('../reconcile/index.js');
    const { relay, client, ns } = await setup();
    // Every watch gets its 200 and then nothing, whatever its timeoutSeconds.
    relay.inject({ match: isWatch, reply: 'stall', times: 1000 });
    const watches = () => relay.requests.filter((r) => r.watch).length;
    const clock = new FakeClock();
    const informer = new Informer<Cm>({
      listerWatcher: listWatcher(client.resource(configmaps), { namespace: ns }),
      watchTimeoutSeconds: 10,
      clock,
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
      await until(() => watches() === 1, 'first watch');
      await clock.advance(39_999);
      await new Promise((r) => setTimeout(r, 20));
      expect(watches()).toBe(1);
      await clock.advance(1);
      await until(() => watches() === 2, 'watchdog re-watch');
      expect(informer.stats.lists).toBe(1);
    } finally {
      ac.abort();
      await running;
      client.close();
      await relay.close();
    }
  });

  it('transforms objects into slim types at the boundary and reports handler failures', async () => {
    const { relay, client, w, ns, key } = await setup();
    const failures: string[] = [];
    const informer = new Informer<Cm, { key: string; node: string }>({
      listerWatcher: listWatcher(client.resource(configmaps), { namespace: ns }),
      transform: (p) => ({ key: keyOf(p), node: p.data?.node ?? '' }),
      indexers: { node: (s) => [s.node] },
      onError: (err, phase) => failures.push(`${phase}: ${(err as Error).message}`),
    });
    const got: string[] = [];
    informer.addEventHandler({
      onAdd: (s) => {
        if (s.key === key('bad')) throw new Error('boom');
        got.push(`${s.key} on ${s.node}`);
      },
    });
    await w.create('a', 'node-7');
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
      await informer.waitForSync();
      await w.create('bad');
      await w.create('c', 'node-7');
      await until(() => got.length === 2, 'events');
      expect(got).toEqual([`${key('a')} on node-7`, `${key('c')} on node-7`]);
      expect(failures).toEqual(['handler: informer handler failed on add: boom']);
      expect(informer.cache.byIndex('node', 'node-7')).toEqual([
        { key: key('a'), node: 'node-7' },
        { key: key('c'), node: 'node-7' },
      ]);
    } finally {
      ac.abort();
      await running;
      client.close();
      await relay.close();
    }
  });
});
