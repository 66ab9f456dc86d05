/**
 * The fault relay in front of the real API server, checked with raw HTTP (independent of
 * lib/client): it forwards and records, ends or cuts watch streams, holds watches, answers with
 * injected Status replies; `compactHistory` makes the server itself answer a watch from an
 * older version with an in-stream ERROR 410 Expired (HTTP 200). Last, an official client (@kubernetes/client-node) relists through it after a
 * compaction, as it must against any kube-apiserver.
 */
import { readFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './cluster/apiserver.js';
import {
  compactHistory,
  type FaultRelay,
  goneReply,
  isWatch,
  startFaultRelay,
  statusReply,
} from './faults.js';

interface RawStream {
  readonly res: IncomingMessage;
  lines(): Record<string, unknown>[];
  /** 'end' for a clean end of the response, 'aborted' for a cut connection. */
  readonly ended: Promise<'end' | 'aborted'>;
  close(): void;
}

let t: TestServer;
let relay: FaultRelay;

/** Opens a raw request through the relay and collects newline-delimited JSON. */
function openRaw(path: string, method = 'GET', body?: unknown): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const req = request(
      `${relay.url}${path}`,
      {
        method,
        headers: {
          Authorization: `Bearer ${t.server.adminToken}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        agent: false,
      },
      (res) => {
        const ended = new Promise<'end' | 'aborted'>((done) => {
          res.on('end', () => done('end'));
          res.on('aborted', () => done('aborted'));
          res.on('error', () => done('aborted'));
        });
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
        });
        resolve({
          res,
          lines: () =>
            buf
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => JSON.parse(l) as Record<string, unknown>),
          ended,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function json(path: string, method = 'GET', body?: unknown): Promise<Record<string, unknown>> {
  const s = await openRaw(path, method, body);
  await s.ended;
  return { ...(s.lines()[0] ?? {}), http: s.res.statusCode };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const CMS = '/api/v1/namespaces/default/configmaps';
const create = async (name: string) =>
  (await json(CMS, 'POST', { metadata: { name } })) as { metadata: { resourceVersion: string } };

beforeAll(async () => {
  t = await startTestServer();
  relay = await startFaultRelay({ upstream: t.server.url, ca: readFileSync(t.server.caCertPath) });
});
afterAll(async () => {
  await relay.close();
  await t.stop();
});

describe('fault relay', () => {
  it('forwards and records requests with their credentials', async () => {
    const before = relay.requests.length;
    const created = await create('fwd');
    expect(created).toMatchObject({ http: 201, kind: 'ConfigMap', metadata: { name: 'fwd' } });
    const rec = relay.requests.slice(before);
    expect(rec.map((r) => `${r.method} ${r.url} ${r.watch}`)).toEqual([`POST ${CMS} false`]);
    expect(rec[0]?.headers.authorization).toBe(`Bearer ${t.server.adminToken}`);
    expect(JSON.parse(rec[0]!.body)).toEqual({ metadata: { name: 'fwd' } });
  });

  it('ends watch streams cleanly or cuts them, and holds new watches until released', async () => {
    const a = await openRaw(`${CMS}?watch=true&resourceVersion=0`);
    const b = await openRaw(`${CMS}?watch=1&resourceVersion=0`);
    expect(a.res.statusCode).toBe(200);
    await until(() => relay.activeWatches === 2);
    await create('w1');
    await until(() => a.lines().some((e) => e.type === 'ADDED' && JSON.stringify(e).includes('"w1"')));
    relay.holdWatches();
    expect(relay.closeWatches()).toBe(2);
    expect(await a.ended).toBe('end');
    expect(await b.ended).toBe('end');
    const held = openRaw(`${CMS}?watch=true&resourceVersion=0`);
    await until(() => relay.heldWatches === 1);
    let answered = false;
    void held.then(() => {
      answered = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    expect(relay.activeWatches).toBe(0);
    relay.releaseWatches();
    const c = await held;
    expect(c.res.statusCode).toBe(200);
    await until(() => relay.activeWatches === 1);
    expect(relay.cutWatches()).toBe(1);
    expect(await c.ended).toBe('aborted');
    expect(relay.activeWatches).toBe(0);
  });

  it('answers matching requests with injected Status replies, as many times as asked', async () => {
    relay.inject({
      match: (r) => r.url === `${CMS}/busy`,
      reply: statusReply(429, 'too many requests', { retryAfterSeconds: 3 }),
      times: 2,
    });
    const busy = await openRaw(`${CMS}/busy`);
    await busy.ended;
    expect(busy.res.statusCode).toBe(429);
    expect(busy.res.headers['retry-after']).toBe('3');
    expect(busy.lines()[0]).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'too many requests',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 3 },
      code: 429,
    });
    expect((await json(`${CMS}/busy`)).http).toBe(429);
    expect(await json(`${CMS}/busy`)).toMatchObject({ http: 404, reason: 'NotFound' }); // the server's own
    relay.inject({ match: isWatch, reply: goneReply('5', '9') });
    expect(await json(`${CMS}?watch=true&resourceVersion=5`)).toMatchObject({
      http: 410,
      kind: 'Status',
      reason: 'Expired',
      code: 410,
      message: 'too old resource version: 5 (9)',
    });
  });

  it('compactHistory makes the real server expire a watch from before it (in-stream ERROR 410)', async () => {
    const first = await create('c1');
    await create('c2');
    await create('c3');
    const compacted = await compactHistory(t.server.store);
    expect(compacted).toBeGreaterThan(Number(first.metadata.resourceVersion));
    const w = await openRaw(`${CMS}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
    expect(await w.ended).toBe('end');
    expect(w.res.statusCode).toBe(200);
    const [ev] = w.lines();
    expect(ev?.type).toBe('ERROR');
    expect(ev?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('@kubernetes/client-node relists through the relay after a compaction', async () => {
    const ns = 'official';
    await json('/api/v1/namespaces', 'POST', { metadata: { name: ns } });
    const kc = new KubeConfig();
    kc.loadFromOptions({
      // client-node refuses plain http unless TLS verification is (vacuously) skipped
      clusters: [{ name: 'c', server: relay.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: t.server.adminToken }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const api = kc.makeApiClient(CoreV1Api);
    await api.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
      api.listNamespacedConfigMap({ namespace: ns }),
    );
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', () => {
      // client-node reports the 410 here before it restarts
    });
    await informer.start();
    try {
      await api.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' } } });
      await api.replaceNamespacedConfigMap({
        name: 'b',
        namespace: ns,
        body: { metadata: { name: 'b' }, data: { v: '2' } },
      });
      await api.deleteNamespacedConfigMap({ name: 'a', namespace: ns });
      await until(() => seen.length === 4);
      expect(seen).toEqual(['add a', 'add b', 'update b', 'delete a']);
      // Expire its version while it is disconnected: it must relist and converge.
      await until(() => relay.activeWatches === 1);
      const lists = () =>
        relay.requests.filter(
          (r) => !r.watch && r.method === 'GET' && r.url.startsWith(`/api/v1/namespaces/${ns}/`),
        ).length;
      const listsBefore = lists();
      relay.holdWatches();
      relay.closeWatches();
      await api.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' } } });
      await compactHistory(t.server.store);
      relay.releaseWatches();
      await until(() => informer.list(ns).length === 2);
      expect(
        informer
          .list(ns)
          .map((p) => p.metadata?.name)
          .sort(),
      ).toEqual(['b', 'c']);
      expect(lists()).toBeGreaterThan(listsBefore); // it relisted
    } finally {
      await informer.stop();
    }
  });
});
