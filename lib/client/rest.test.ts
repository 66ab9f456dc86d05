import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatchServer, type WatchServer } from '../../test/harness/watch-server.js';
import type { KubeObject, Status } from '../api/index.js';
import { ErrorCode, SwitchyardError } from '../errors/index.js';
import { ApiError, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound } from './errors.js';
import type { RestConfig } from './kubeconfig.js';
import { coreResources, defineResource, resourcePath } from './resource.js';
import { KubeClient } from './rest.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };

const configmaps = defineResource<ConfigMap>({
  group: '',
  version: 'v1',
  plural: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
});

const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ metadata: { name }, data });

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err: unknown) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('REST client against the watch server', () => {
  let server: WatchServer;
  let client: KubeClient;
  const config = (url: string): RestConfig => ({
    server: url,
    insecureSkipTlsVerify: false,
    namespace: 'team',
    source: 'test',
    token: 't0k',
  });

  beforeAll(async () => {
    server = await startWatchServer({ resources: [configmaps, coreResources.nodes] });
    client = new KubeClient({ config: config(server.url), userAgent: 'sy-test' });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

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
    const post = server.requests.at(-1)!;
    expect(post.method).toBe('POST');
    expect(post.url).toBe('/api/v1/namespaces/team/configmaps?fieldManager=sy');
    expect(post.headers.authorization).toBe('Bearer t0k');
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
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
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

  it('sends the four patch content types and the status subresource', async () => {
    const cms = client.resource(configmaps);
    await cms.create(cm('p', { a: '1' }));
    const merged = await cms.patch('p', { data: { b: '2' } }, { type: 'merge' });
    expect(merged.data).toEqual({ a: '1', b: '2' });
    const types: [Parameters<typeof cms.patch>[2], string][] = [
      [{ type: 'json' }, 'application/json-patch+json'],
      [{ type: 'strategic' }, 'application/strategic-merge-patch+json'],
      [{ type: 'apply', fieldManager: 'sy', force: true }, 'application/apply-patch+yaml'],
    ];
    for (const [opts, contentType] of types) {
      const body = opts.type === 'json' ? [{ op: 'add', path: '/data/c', value: '3' }] : { data: { c: '3' } };
      // the test server implements merge patch only; it answers the others with 415
      const err = await caught(cms.patch('p', body, opts));
      expect((err as ApiError).statusCode).toBe(415);
      expect(server.requests.at(-1)!.headers['content-type']).toBe(contentType);
    }
    expect(server.requests.at(-1)!.url).toBe(
      '/api/v1/namespaces/team/configmaps/p?fieldManager=sy&force=true',
    );
    expect(() => cms.patch('p', {}, { type: 'json' })).toThrow(/^patch: a JSON patch must be an array/);
    expect(() => cms.patch('p', {}, { type: 'apply' })).toThrow(/^fieldManager: required/);

    const withStatus = await cms.patchStatus('p', { status: { phase: 'x' } }, { type: 'merge' });
    expect(server.requests.at(-1)!.url).toBe('/api/v1/namespaces/team/configmaps/p/status');
    expect((withStatus as { status?: unknown }).status).toEqual({ phase: 'x' });
    const st = await cms.getStatus('p');
    await cms.updateStatus({ ...st, data: { ignored: 'yes' }, status: { phase: 'y' } } as ConfigMap);
    const after = (await cms.get('p')) as ConfigMap & { status?: unknown };
    expect(after.status).toEqual({ phase: 'y' });
    expect(after.data).toEqual({ a: '1', b: '2' }); // a status update leaves the rest alone

    const sub = await caught(cms.createSubresource('p', 'eviction', { kind: 'Eviction' }));
    expect(server.requests.at(-1)!.url).toBe('/api/v1/namespaces/team/configmaps/p/eviction');
    expect(isNotFound(sub)).toBe(true);
  });

  it('lists with selectors and pages through listAll', async () => {
    const nodes = client.resource(coreResources.nodes);
    for (let i = 0; i < 7; i++) {
      await nodes.create({ metadata: { name: `n${i}`, labels: { zone: i % 2 ? 'odd' : 'even' } } });
    }
    const odd = await nodes.list({ labelSelector: 'zone=odd' });
    expect(odd.items.map((n) => n.metadata.name)).toEqual(['n1', 'n3', 'n5']);
    const byName = await nodes.list({ fieldSelector: 'metadata.name=n4' });
    expect(byName.items).toHaveLength(1);
    const page = await nodes.list({ limit: 3 });
    expect(page.metadata.continue).toBeTruthy();
    expect(page.metadata.remainingItemCount).toBe(4);
    const all = await nodes.listAll({ pageSize: 3 });
    expect(all.items.map((n) => n.metadata.name)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(all.metadata.continue).toBeUndefined();
    expect(server.requests.filter((r) => r.url.includes('continue=')).length).toBeGreaterThanOrEqual(2);
    const exact = await nodes.list({
      resourceVersion: page.metadata.resourceVersion!,
      resourceVersionMatch: 'Exact',
    });
    expect(exact.items).toHaveLength(7);
    expect(() => nodes.list({ limit: 0 })).toThrow(/^limit: must be a positive integer/);
  });

  it('watches with typed events and stops on abort', async () => {
    const cms = client.resource(configmaps);
    const start = server.resourceVersion;
    const ac = new AbortController();
    const stream = await cms.watch({
      namespace: 'team',
      resourceVersion: start,
      allowWatchBookmarks: true,
      signal: ac.signal,
    });
    expect(server.requests.at(-1)!.url).toBe(
      `/api/v1/namespaces/team/configmaps?watch=true&resourceVersion=${start}&allowWatchBookmarks=true`,
    );
    await cms.create(cm('w1'));
    server.sendBookmarks();
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
});

describe('transport limits', () => {
  it('times out a request that gets no answer, and bounds response size', async () => {
    const srv = createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/namespaces/default/configmaps/big')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ metadata: { name: 'big' }, data: { x: 'y'.repeat(4096) } }));
      } else if (req.url?.startsWith('/api/v1/namespaces/default/configmaps/html')) {
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html>upstream down</html>');
      }
      // otherwise never answer
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    const client = new KubeClient({
      config: { server: url, insecureSkipTlsVerify: false, namespace: 'default', source: 'test' },
      timeoutMs: 100,
      maxResponseBytes: 1024,
    });
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
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
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

  it('retries 429 answers after Retry-After on the injected clock, then gives up', async () => {
    const { FakeClock } = await import('../reconcile/index.js');
    let calls = 0;
    let busyFor = 2;
    const srv = createServer((_req, res) => {
      calls += 1;
      if (calls <= busyFor) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            code: 429,
            reason: 'TooManyRequests',
            message: 'too many requests',
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ metadata: { name: 'n1' } }));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const clock = new FakeClock();
    const client = new KubeClient({
      config: {
        server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        insecureSkipTlsVerify: false,
        namespace: 'default',
        source: 't',
      },
      clock,
      maxRetries: 2,
    });
    const waitFor = async (n: number) => {
      while (calls < n) await new Promise((r) => setTimeout(r, 2));
    };
    try {
      const got = client.resource(coreResources.nodes).get('n1');
      await waitFor(1);
      await clock.advance(1999);
      expect(calls).toBe(1);
      await clock.advance(1);
      await waitFor(2);
      await clock.advance(2000);
      expect((await got).metadata.name).toBe('n1');
      expect(calls).toBe(3);
      calls = 0;
      busyFor = 10;
      const failing = caught(client.resource(coreResources.nodes).get('n1'));
      for (let i = 1; i <= 2; i++) {
        await waitFor(i);
        await clock.advance(2000);
      }
      const err = (await failing) as ApiError;
      expect(err.statusCode).toBe(429);
      expect(calls).toBe(3);
    } finally {
      client.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('decodes /version through requestJson', async () => {
    const srv = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ major: '1', minor: '32' } satisfies Record<string, string>));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const client = new KubeClient({
      config: {
        server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        insecureSkipTlsVerify: false,
        namespace: 'default',
        source: 't',
      },
    });
    const v = await client.requestJson<{ major: string; minor: string } | Status>({
      method: 'GET',
      path: '/version',
    });
    expect(v).toEqual({ major: '1', minor: '32' });
    client.close();
    await new Promise<void>((r) => srv.close(() => r()));
  });
});
