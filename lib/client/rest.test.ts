/**
 * The REST client against the real API server (one for the file), through the fault relay of
 * test/harness/faults.ts, which records each request as sent and injects what the server does
 * not do on demand: no answer, a non-JSON error page, 429/500 with Retry-After.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { type FaultRelay, pathIs, startFaultRelay, statusReply } from '../../test/harness/faults.js';
import type { KubeObject } from '../api/index.js';
import { ErrorCode, SwitchyardError } from '../errors/index.js';
import { ApiError, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound } from './errors.js';
import type { RestConfig } from './kubeconfig.js';
import { coreResources, defineResource, resourcePath } from './resource.js';
import { KubeClient, type KubeClientOptions } from './rest.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };
type Node = KubeObject & { spec?: { unschedulable?: boolean }; status?: { phase?: string } };

const configmaps = defineResource<ConfigMap>({ ...coreResources.configmaps });
const nodes = defineResource<Node>({ ...coreResources.nodes });

const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ metadata: { name }, data });

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err: unknown) {
    return err;
  }
  throw new Error('expected a rejection');
}

let t: TestServer;
let relay: FaultRelay;
let direct: KubeClient;

beforeAll(async () => {
  t = await startTestServer({ bookmarkIntervalMs: 100 });
  relay = await startFaultRelay({ upstream: t.server.url, ca: readFileSync(t.server.caCertPath) });
  direct = new KubeClient({
    config: { ...config(t.server.url, 'default'), ca: readFileSync(t.server.caCertPath) },
  });
  await direct.resource(coreResources.namespaces).create({ metadata: { name: 'team' } });
});
afterAll(async () => {
  direct.close();
  await relay.close();
  await t.stop();
});

function config(server: string, namespace: string): RestConfig {
  return { server, insecureSkipTlsVerify: false, namespace, source: 'test', token: t.server.adminToken };
}

/** A client through the relay. */
function relayed(options: Omit<KubeClientOptions, 'config'> = {}, namespace = 'default'): KubeClient {
  return new KubeClient({ config: config(relay.url, namespace), ...options });
}

describe('REST client against the real API server', () => {
  let client: KubeClient;
  beforeAll(() => {
    client = relayed({ userAgent: 'sy-test' }, 'team');
  });
  afterAll(() => client.close());

  it('builds API-convention paths', () => {
    const deploy = defineResource({
      group: 'apps',
      version: 'v1',
      plural: 'deployments',
      kind: 'Deployment',
      namespaced: true,
    });
    expect(resourcePath(deploy, { namespace: 'a', name: 'w', subresource: 'scale' })).toBe(
      '/apis/apps/v1/namespaces/a/deployments/w/scale',
    );
    expect(resourcePath(coreResources.pods, {})).toBe('/api/v1/pods');
    expect(resourcePath(coreResources.nodes, { namespace: 'ignored', name: 'n1' })).toBe('/api/v1/nodes/n1');
    expect(() => resourcePath(coreResources.pods, { name: '../x' })).toThrow(
      /^name: not a valid path segment/,
    );
  });

  it('creates, gets, updates with optimistic concurrency, and deletes', async () => {
    const cms = client.resource(configmaps);
    const created = await cms.create(cm('one', { a: '1' }), { fieldManager: 'sy' });
    expect(created).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'one', namespace: 'team' },
    });
    const post = relay.requests.at(-1)!;
    expect(post.method).toBe('POST');
    expect(post.url).toBe('/api/v1/namespaces/team/configmaps?fieldManager=sy');
    expect(post.headers.authorization).toBe(`Bearer ${t.server.adminToken}`);
    expect(post.headers['user-agent']).toBe('sy-test');
    expect(JSON.parse(post.body)).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });

    expect(isAlreadyExists(await caught(cms.create(cm('one'))))).toBe(true);
    const got = await cms.get('one');
    const updated = await cms.update({ ...got, data: { a: '2' } });
    expect(updated.data).toEqual({ a: '2' });
    const stale = await caught(cms.update({ ...got, data: { a: '3' } }));
    expect(isConflict(stale)).toBe(true);
    expect(stale).toBeInstanceOf(ApiError);
    expect((stale as ApiError).code).toBe(ErrorCode.Api);
    expect((stale as ApiError).statusCode).toBe(409);
    expect((stale as Error).message).toMatch(/the object has been modified/);

    const delStale = await caught(
      cms.delete('one', { preconditions: { resourceVersion: got.metadata.resourceVersion! } }),
    );
    expect(isConflict(delStale)).toBe(true);
    await cms.delete('one', { propagationPolicy: 'Background', gracePeriodSeconds: 0 });
    expect(JSON.parse(relay.requests.at(-1)!.body)).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Background',
      gracePeriodSeconds: 0,
    });
    const missing = await caught(cms.get('one'));
    expect(isNotFound(missing)).toBe(true);
    expect(isGone(missing)).toBe(false);
  });

  it('maps validation failures to isInvalid with causes', async () => {
    const err = await caught(client.resource(configmaps).create({ metadata: {} }));
    expect(isInvalid(err)).toBe(true);
    expect((err as ApiError).causes[0]?.field).toBe('metadata.name');
  });

  it('sends the four patch content types, and the status and other subresources', async () => {
    const cms = client.resource(configmaps);
    await cms.create(cm('p', { a: '1' }));
    const merged = await cms.patch('p', { data: { b: '2' } }, { type: 'merge' });
    expect(merged.data).toEqual({ a: '1', b: '2' });
    expect(relay.requests.at(-1)!.headers['content-type']).toBe('application/merge-patch+json');
    const types: [Parameters<typeof cms.patch>[2], string, unknown, Record<string, string>][] = [
      [
        { type: 'json' },
        'application/json-patch+json',
        [{ op: 'add', path: '/data/c', value: '3' }],
        { c: '3' },
      ],
      [{ type: 'strategic' }, 'application/strategic-merge-patch+json', { data: { d: '4' } }, { d: '4' }],
      [
        { type: 'apply', fieldManager: 'sy', force: true },
        'application/apply-patch+yaml',
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { e: '5' } },
        { e: '5' },
      ],
    ];
    for (const [opts, contentType, body, added] of types) {
      const patched = await cms.patch('p', body as ConfigMap, opts);
      expect(relay.requests.at(-1)!.headers['content-type']).toBe(contentType);
      expect(patched.data).toMatchObject({ a: '1', b: '2', ...added });
    }
    expect(relay.requests.at(-1)!.url).toBe(
      '/api/v1/namespaces/team/configmaps/p?fieldManager=sy&force=true',
    );
    expect(() => cms.patch('p', {}, { type: 'json' })).toThrow(/^patch: a JSON patch must be an array/);
    expect(() => cms.patch('p', {}, { type: 'apply' })).toThrow(/^fieldManager: required/);

    const ns = client.resource(nodes);
    await ns.create({ metadata: { name: 'st' } });
    const withStatus = await ns.patchStatus('st', { status: { phase: 'Pending' } }, { type: 'merge' });
    expect(relay.requests.at(-1)!.url).toBe('/api/v1/nodes/st/status');
    expect(withStatus.status).toEqual({ phase: 'Pending' });
    const st = await ns.getStatus('st');
    await ns.updateStatus({ ...st, spec: { unschedulable: true }, status: { phase: 'Running' } });
    const after = await ns.get('st');
    expect(after.status).toEqual({ phase: 'Running' });
    expect(after.spec?.unschedulable).toBeUndefined(); // a status update leaves the rest alone

    const sub = await caught(cms.createSubresource('p', 'eviction', { kind: 'Eviction' }));
    expect(relay.requests.at(-1)!.url).toBe('/api/v1/namespaces/team/configmaps/p/eviction');
    expect(isNotFound(sub)).toBe(true);
  });

  it('lists with selectors and pages through listAll', async () => {
    const ns = client.resource(nodes);
    for (let i = 0; i < 7; i++) {
      await ns.create({ metadata: { name: `n${i}`, labels: { zone: i % 2 ? 'odd' : 'even' } } });
    }
    const odd = await ns.list({ labelSelector: 'zone=odd' });
    expect(odd.items.map((n) => n.metadata.name)).toEqual(['n1', 'n3', 'n5']);
    const byName = await ns.list({ fieldSelector: 'metadata.name=n4' });
    expect(byName.items).toHaveLength(1);
    const page = await ns.list({ labelSelector: 'zone', limit: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.metadata.continue).toBeTruthy();
    const before = relay.requests.length;
    const all = await ns.listAll({ labelSelector: 'zone', pageSize: 3 });
    expect(all.items.map((n) => n.metadata.name)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(all.metadata.continue).toBeUndefined();
    expect(relay.requests.slice(before).filter((r) => r.url.includes('continue=')).length).toBe(2);
    const exact = await ns.list({
      labelSelector: 'zone',
      resourceVersion: page.metadata.resourceVersion!,
      resourceVersionMatch: 'Exact',
    });
    expect(exact.items).toHaveLength(7);
    expect(() => ns.list({ limit: 0 })).toThrow(/^limit: must be a positive integer/);
  });

  it('watches with typed events and stops on abort', async () => {
    const cms = client.resource(configmaps);
    const start = (await cms.list({ namespace: 'team' })).metadata.resourceVersion!;
    const ac = new AbortController();
    const stream = await cms.watch({
      namespace: 'team',
      resourceVersion: start,
      allowWatchBookmarks: true,
      signal: ac.signal,
    });
    expect(relay.requests.at(-1)!.url).toBe(
      `/api/v1/namespaces/team/configmaps?watch=true&resourceVersion=${start}&allowWatchBookmarks=true`,
    );
    await cms.create(cm('w1'));
    // the server sends a bookmark every 100 ms once the stream has carried an event
    const seen: string[] = [];
    for await (const ev of stream) {
      seen.push(ev.type);
      if (seen.length === 2) ac.abort();
    }
    expect(seen).toEqual(['ADDED', 'BOOKMARK']);
  });

  it('surfaces an HTTP error on watch as ApiError', async () => {
    const err = await caught(client.resource(configmaps).watch({ labelSelector: 'a in' }));
    expect((err as ApiError).statusCode).toBe(400);
  });

  it('decodes /version through requestJson', async () => {
    const v = await client.requestJson<{ major: string; minor: string }>({ method: 'GET', path: '/version' });
    expect(v).toMatchObject({ major: '1', minor: expect.stringMatching(/^\d+$/) });
  });
});

describe('transport limits (faults injected by the relay)', () => {
  it('times out a request that gets no answer, and bounds response size', async () => {
    await direct.resource(configmaps).create(cm('big', { x: 'y'.repeat(4096) }));
    relay.inject({ match: pathIs('/api/v1/namespaces/default/configmaps/slow'), reply: 'hang', times: 2 });
    relay.inject({
      match: pathIs('/api/v1/namespaces/default/configmaps/html'),
      reply: { status: 503, headers: { 'Content-Type': 'text/html' }, body: '<html>upstream down</html>' },
    });
    const client = relayed({ timeoutMs: 100, maxResponseBytes: 1024 });
    try {
      const cms = client.resource(configmaps);
      const t0 = Date.now();
      const slow = await caught(cms.get('slow'));
      expect(slow).toBeInstanceOf(SwitchyardError);
      expect((slow as SwitchyardError).code).toBe(ErrorCode.Timeout);
      expect(Date.now() - t0).toBeLessThan(1000);
      const big = await caught(cms.get('big'));
      expect((big as Error).message).toMatch(/response larger than 1024 bytes/);
      const html = (await caught(cms.get('html'))) as ApiError;
      expect(html.statusCode).toBe(503);
      expect(html.reason).toBe('ServiceUnavailable');
      const ac = new AbortController();
      const pending = caught(cms.get('slow', { signal: ac.signal, timeoutMs: 5000 }));
      ac.abort();
      expect(((await pending) as Error).message).toMatch(/aborted/);
    } finally {
      client.close();
    }
  });

  it('reports a refused connection as a system error with the address', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const client = new KubeClient({
      config: {
        server: `http://127.0.0.1:${port}`,
        insecureSkipTlsVerify: false,
        namespace: 'default',
        source: 't',
      },
    });
    const err = (await caught(client.resource(coreResources.nodes).list())) as SwitchyardError;
    expect(err.code).toBe(ErrorCode.System);
    expect(err.syscall).toBe('connect');
    expect(err.port).toBe(port);
    client.close();
  });

  it('retries 429 and 500 answers after Retry-After on the injected clock, then gives up', async () => {
    const { FakeClock } = await import('../reconcile/index.js');
    await direct.resource(nodes).create({ metadata: { name: 'busy' } });
    const path = '/api/v1/nodes/busy';
    const busy = statusReply(429, 'too many requests', { retryAfterSeconds: 2 });
    const calls = () => relay.requests.filter(pathIs(path)).length;
    const clock = new FakeClock();
    const client = relayed({ clock, maxRetries: 2 });
    const waitFor = async (n: number) => {
      while (calls() < n) await new Promise((r) => setTimeout(r, 2));
    };
    try {
      relay.inject({ match: pathIs(path), reply: busy, times: 2 });
      const got = client.resource(nodes).get('busy');
      await waitFor(1);
      await clock.advance(1999);
      expect(calls()).toBe(1);
      await clock.advance(1);
      await waitFor(2);
      await clock.advance(2000);
      expect((await got).metadata.name).toBe('busy'); // the third call reached the server
      expect(calls()).toBe(3);

      relay.inject({
        match: pathIs(path),
        reply: statusReply(500, 'etcdserver: leader changed', { retryAfterSeconds: 1 }),
      });
      const again = client.resource(nodes).get('busy');
      await waitFor(4);
      await clock.advance(1000);
      expect((await again).metadata.name).toBe('busy');
      expect(calls()).toBe(5);

      relay.inject({ match: pathIs(path), reply: busy, times: 3 });
      const failing = caught(client.resource(nodes).get('busy'));
      for (let i = 1; i <= 2; i++) {
        await waitFor(5 + i);
        await clock.advance(2000);
      }
      const err = (await failing) as ApiError;
      expect(err.statusCode).toBe(429);
      expect(err.reason).toBe('TooManyRequests');
      expect(calls()).toBe(8);
    } finally {
      client.close();
    }
  });
});
