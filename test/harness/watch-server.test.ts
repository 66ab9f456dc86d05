import { request } from 'node:http';
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWatchServer, type WatchServer } from './watch-server.js';

const pods = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true } as const;
const nodes = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false } as const;

interface RawStream {
  status: number;
  headersAt: number;
  lines: () => Record<string, unknown>[];
  ended: Promise<void>;
  close: () => void;
}

/** Opens a raw GET and collects newline-delimited JSON, independent of lib/client. */
function openRaw(url: string): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let buf = '';
    const req = request(url, (res) => {
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
      });
      resolve({
        status: res.statusCode ?? 0,
        headersAt: Date.now() - started,
        lines: () =>
          buf
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pod = (name: string, labels: Record<string, string> = {}, ns = 'default') => ({
  metadata: { name, namespace: ns, labels },
  spec: { nodeName: 'node-1' },
});

describe('watch-server', () => {
  let s: WatchServer;
  beforeEach(async () => {
    s = await startWatchServer({ resources: [pods, nodes], historyLimit: 5 });
  });
  afterEach(async () => {
    await s.close();
  });

  it('assigns increasing resourceVersions and lists at the current one', async () => {
    s.create('pods', pod('a'));
    s.create('pods', pod('b', {}, 'other'));
    s.create('nodes', { metadata: { name: 'node-1' } });
    const res = await fetch(`${s.url}/api/v1/pods`);
    const list = (await res.json()) as {
      kind: string;
      metadata: { resourceVersion: string };
      items: unknown[];
    };
    expect(list.kind).toBe('PodList');
    expect(list.metadata.resourceVersion).toBe('3');
    expect(list.items).toHaveLength(2);
    const ns = (await (await fetch(`${s.url}/api/v1/namespaces/other/pods`)).json()) as { items: unknown[] };
    expect(ns.items).toHaveLength(1);
    const node = (await (await fetch(`${s.url}/api/v1/nodes/node-1`)).json()) as { kind: string };
    expect(node.kind).toBe('Node');
  });

  it('sends watch headers before any event exists', async () => {
    const t0 = Date.now();
    const w = await openRaw(`${s.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=0`);
    expect(w.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(w.lines()).toEqual([]);
    w.close();
  });

  it('flushes watch headers at once and replays history after the given version', async () => {
    s.create('pods', pod('a'));
    const rv = s.resourceVersion;
    s.create('pods', pod('b'));
    s.remove('pods', 'default', 'a');
    const w = await openRaw(`${s.url}/api/v1/pods?watch=true&resourceVersion=${rv}`);
    expect(w.status).toBe(200);
    await until(() => w.lines().length === 2);
    expect(w.lines().map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    s.create('pods', pod('c'));
    await until(() => w.lines().length === 3);
    w.close();
  });

  it('answers a compacted version with an in-stream ERROR 410 Expired on HTTP 200', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) s.create('pods', pod(n)); // history limit 5
    const w = await openRaw(`${s.url}/api/v1/pods?watch=true&resourceVersion=1`);
    await w.ended;
    expect(w.status).toBe(200);
    const [ev] = w.lines();
    expect(ev?.type).toBe('ERROR');
    expect(ev?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('sends bookmarks only when allowed, and ends the stream at timeoutSeconds', async () => {
    const a = await openRaw(
      `${s.url}/api/v1/pods?watch=true&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=1`,
    );
    const b = await openRaw(`${s.url}/api/v1/pods?watch=true&resourceVersion=0`);
    s.create('pods', pod('a'));
    s.sendBookmarks();
    await until(() => a.lines().length === 2);
    expect(a.lines()[1]).toMatchObject({
      type: 'BOOKMARK',
      object: { kind: 'Pod', metadata: { resourceVersion: '1' } },
    });
    const t0 = Date.now();
    await a.ended;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(b.lines().map((e) => e.type)).toEqual(['ADDED']);
    s.closeAllStreams();
    await b.ended;
    expect(s.activeWatches).toBe(0);
  });

  it('applies label selector transitions on watch (leaving → DELETED, entering → ADDED)', async () => {
    const created = s.create('pods', pod('a', { app: 'web' }));
    const w = await openRaw(
      `${s.url}/api/v1/pods?watch=true&resourceVersion=${s.resourceVersion}&labelSelector=app%3Dweb`,
    );
    s.update('pods', {
      ...created,
      metadata: { ...created.metadata, labels: { app: 'db' }, resourceVersion: '' },
    });
    const again = s.get('pods', 'default', 'a')!;
    s.update('pods', { ...again, metadata: { ...again.metadata, labels: { app: 'web' } } });
    await until(() => w.lines().length === 2);
    expect(w.lines().map((e) => e.type)).toEqual(['DELETED', 'ADDED']);
    w.close();
  });

  it('pages lists over a fixed snapshot and expires continue tokens after compaction', async () => {
    for (const n of ['a', 'b', 'c']) s.create('pods', pod(n));
    const p1 = (await (await fetch(`${s.url}/api/v1/pods?limit=2`)).json()) as {
      metadata: { continue: string; remainingItemCount: number; resourceVersion: string };
      items: { metadata: { name: string } }[];
    };
    expect(p1.items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
    expect(p1.metadata.remainingItemCount).toBe(1);
    s.create('pods', pod('bb')); // after the snapshot: not in page 2
    const p2 = (await (
      await fetch(`${s.url}/api/v1/pods?limit=2&continue=${p1.metadata.continue}`)
    ).json()) as {
      metadata: { resourceVersion: string; continue?: string };
      items: { metadata: { name: string } }[];
    };
    expect(p2.items.map((i) => i.metadata.name)).toEqual(['c']);
    expect(p2.metadata.resourceVersion).toBe(p1.metadata.resourceVersion);
    s.compact();
    const p3 = await fetch(`${s.url}/api/v1/pods?limit=2&continue=${p1.metadata.continue}`);
    expect(p3.status).toBe(410);
    expect(await p3.json()).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('returns JSON Status errors with the apiserver reasons', async () => {
    const nf = await fetch(`${s.url}/api/v1/namespaces/default/pods/missing`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ reason: 'NotFound', message: 'pods "missing" not found' });
    const bad = await fetch(`${s.url}/api/v1/pods?labelSelector=a%20in`);
    expect(bad.status).toBe(400);
    const nope = await fetch(`${s.url}/apis/apps/v1/deployments`);
    expect(nope.status).toBe(404);
  });

  it('serves @kubernetes/client-node: typed list, informer events, and its relist after 410', async () => {
    s.create('pods', pod('a'));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      // client-node refuses plain http unless TLS verification is (vacuously) skipped
      clusters: [{ name: 'c', server: s.url, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const api = kc.makeApiClient(CoreV1Api);
    const list = await api.listNamespacedPod({ namespace: 'default' });
    expect(list.metadata?.resourceVersion).toBe('1');
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['a']);
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/default/pods', () =>
      api.listNamespacedPod({ namespace: 'default' }),
    );
    const seen: string[] = [];
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('update', (p) => seen.push(`update ${p.metadata?.name}`));
    informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    informer.on('error', () => {
      // client-node reports the 410 here before it restarts
    });
    await informer.start();
    try {
      s.create('pods', pod('b'));
      const b = s.get('pods', 'default', 'b')!;
      s.update('pods', { ...b, metadata: { ...b.metadata, labels: { v: '2' } } });
      s.remove('pods', 'default', 'a');
      await until(() => seen.length === 4);
      expect(seen).toEqual(['add a', 'add b', 'update b', 'delete a']);
      expect(
        s.requests.some((r) => r.url === '/api/v1/namespaces/default/pods?watch=true&resourceVersion=1'),
      ).toBe(true);
      // Expire its version while it is disconnected: it must relist and converge.
      s.closeAllStreams();
      s.create('pods', pod('c'));
      s.compact();
      await until(() => informer.list().length === 2, 5000);
      expect(
        informer
          .list()
          .map((p) => p.metadata?.name)
          .sort(),
      ).toEqual(['b', 'c']);
    } finally {
      await informer.stop();
    }
  });
});
