/**
 * The API server's /metrics after kubectl-like requests: kube-apiserver's request counter,
 * latency histogram, long-running (watch) gauges and stored-object gauge, with its labels, beside
 * our own series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ storageObjectsIntervalMs: 100 });
});
afterAll(async () => {
  await t?.stop();
});

const scrape = async (): Promise<string> => (await call(t.server, 'GET', '/metrics')).text;

/** The value of the series `name{labels}` (labels in any order, all given), or undefined. */
function sample(text: string, name: string, labels: Readonly<Record<string, string>>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] as string).matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const CM = '/api/v1/namespaces/default/configmaps';
const base = { group: '', version: 'v1', resource: 'configmaps', subresource: '', component: 'apiserver' };

describe('/metrics', () => {
  it('counts and times requests by kube-apiserver verb, resource, scope and code', async () => {
    expect((await call(t.server, 'GET', CM)).status).toBe(200);
    expect((await call(t.server, 'POST', CM, { body: { metadata: { name: 'm1' } } })).status).toBe(201);
    expect((await call(t.server, 'GET', `${CM}/m1`)).status).toBe(200);
    expect((await call(t.server, 'GET', `${CM}/nope`)).status).toBe(404);
    const apply = await call(t.server, 'PATCH', `${CM}/m1?fieldManager=kubectl`, {
      body: Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m1}\ndata: {a: "1"}\n'),
      contentType: 'application/apply-patch+yaml',
    });
    expect(apply.status).toBe(200);
    expect((await call(t.server, 'GET', '/api/v1/configmaps')).status).toBe(200);
    // A type nobody serves adds no label values: it is counted by method only.
    expect((await call(t.server, 'GET', '/apis/made.up/v9/things')).status).toBe(404);
    const text = await scrape();
    expect(text).not.toContain('made.up');
    expect(
      sample(text, 'apiserver_request_total', { verb: 'GET', resource: '', scope: '', code: '404' }),
    ).toBe(1);
    const total = 'apiserver_request_total';
    expect(sample(text, total, { ...base, verb: 'LIST', scope: 'namespace', code: '200' })).toBe(1);
    expect(sample(text, total, { ...base, verb: 'LIST', scope: 'cluster', code: '200' })).toBe(1);
    expect(sample(text, total, { ...base, verb: 'POST', scope: 'namespace', code: '201' })).toBe(1);
    expect(sample(text, total, { ...base, verb: 'GET', scope: 'resource', code: '200' })).toBe(1);
    expect(sample(text, total, { ...base, verb: 'GET', scope: 'resource', code: '404' })).toBe(1);
    expect(sample(text, total, { ...base, verb: 'APPLY', scope: 'resource', code: '200' })).toBe(1);
    expect(
      sample(text, 'apiserver_request_duration_seconds_count', { ...base, verb: 'POST', scope: 'namespace' }),
    ).toBe(1);
    // Our own series are still there.
    expect(text).toContain('switchyard_apiserver_requests_total{method="POST",code="201"}');
    expect(text).toContain('switchyard_apiserver_request_panics_total 0');
  });

  it('shows an open watch as long-running and counts it as WATCH when it ends', async () => {
    const watching = call(t.server, 'GET', `${CM}?watch=true&timeoutSeconds=1`);
    const open = { ...base, verb: 'WATCH', scope: 'namespace' };
    await eventually(
      'the watch gauge',
      async () => sample(await scrape(), 'apiserver_longrunning_requests', open) === 1,
    );
    expect(
      sample(await scrape(), 'apiserver_registered_watchers', {
        group: '',
        version: 'v1',
        resource: 'configmaps',
      }),
    ).toBe(1);
    expect((await watching).status).toBe(200);
    await eventually('the watch to count', async () => {
      const text = await scrape();
      return (
        sample(text, 'apiserver_request_total', { ...open, code: '200' }) === 1 &&
        sample(text, 'apiserver_longrunning_requests', open) === 0
      );
    });
  });

  it('counts stored objects per resource on a periodic task', async () => {
    await call(t.server, 'POST', CM, { body: { metadata: { name: 'm2' } } });
    await eventually('storage objects', async () => {
      const text = await scrape();
      return (
        (sample(text, 'apiserver_storage_objects', { resource: 'configmaps' }) ?? 0) >= 2 &&
        (sample(text, 'apiserver_storage_objects', { resource: 'namespaces' }) ?? 0) >= 4
      );
    });
    const text = await scrape();
    expect(
      sample(text, 'switchyard_apiserver_periodic_task_runs_total', { task: 'storage-objects' }),
    ).toBeGreaterThan(0);
  });
});
