/**
 * The REST API on the wire: watch semantics (resourceVersion and selectors, bookmarks,
 * timeoutSeconds, 410 Expired in-stream, a watcher that does not read).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { useTestServer } from './testing/harness.js';
import { REST_API_SERVER } from './testing/rest-api.js';

const h = useTestServer({ server: REST_API_SERVER });
const { api } = h;

function openWatch(path: string): Promise<{
  lines: Record<string, unknown>[];
  status: number;
  ended: Promise<void>;
  close: () => void;
  pause: () => void;
  resume: () => void;
}> {
  return new Promise((resolve, reject) => {
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let endResolve: () => void = () => undefined;
    const ended = new Promise<void>((r) => {
      endResolve = r;
    });
    const req = request(
      new URL(path, h.t.server.url),
      {
        headers: { Authorization: `Bearer ${h.t.server.adminToken}` },
        ca: readFileSync(h.t.server.caCertPath),
      },
      (res) => {
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let nl = buf.indexOf('\n');
          while (nl !== -1) {
            lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
            buf = buf.slice(nl + 1);
            nl = buf.indexOf('\n');
          }
        });
        res.on('end', endResolve);
        res.on('close', endResolve);
        res.on('error', endResolve);
        resolve({
          lines,
          status: res.statusCode ?? 0,
          ended,
          close: () => req.destroy(),
          pause: () => res.pause(),
          resume: () => res.resume(),
        });
      },
    );
    req.on('error', (err) => {
      endResolve();
      reject(err);
    });
    req.end();
  });
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('watch', () => {
  it('streams events after a resourceVersion with selectors; headers arrive before any event', async () => {
    const list = await api('GET', '/api/v1/namespaces/default/configmaps');
    const rv = (list.json.metadata as { resourceVersion: string }).resourceVersion;
    const w = await openWatch(
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&labelSelector=w%3D1`,
    );
    expect(w.status).toBe(200);
    expect(w.lines).toEqual([]);
    await api('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'w1', labels: { w: '1' } },
    });
    await api('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'w2', labels: { w: '2' } },
    });
    await api(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/w1',
      { data: { a: 'b' } },
      'application/merge-patch+json',
    );
    await api(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/w1',
      { metadata: { labels: { w: '0' } } },
      'application/merge-patch+json',
    );
    await waitFor(() => w.lines.length >= 3);
    expect(w.lines.map((l) => [l.type, (l.object as { metadata: { name: string } }).metadata.name])).toEqual([
      ['ADDED', 'w1'],
      ['MODIFIED', 'w1'],
      ['DELETED', 'w1'],
    ]);
    w.close();
  });

  it('sends bookmarks when allowed and ends at timeoutSeconds', async () => {
    const started = Date.now();
    const w = await openWatch(
      '/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=1',
    );
    await w.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
    const bookmarks = w.lines.filter((l) => l.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(1);
    expect(bookmarks[0]?.object).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.any(String) },
    });
  });

  it('reports a compacted resourceVersion as an in-stream ERROR 410 Expired on HTTP 200', async () => {
    const rev = await h.t.server.store.revision();
    await h.t.server.store.compact(rev);
    const w = await openWatch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rev - 1}`);
    await w.ended;
    expect(w.status).toBe(200);
    expect(w.lines).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 }),
      },
    ]);
  });

  it('disconnects a watcher that does not read instead of buffering without bound', async () => {
    const w = await openWatch(
      '/api/v1/namespaces/default/configmaps?watch=true&labelSelector=slow%3D1&timeoutSeconds=30',
    );
    w.pause();
    const payload = 'x'.repeat(200 * 1024);
    const total = 80;
    for (let i = 0; i < total; i++) {
      await api('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: `slow-${i}`, labels: { slow: '1' } },
        data: { p: payload },
      });
    }
    w.resume();
    await w.ended;
    expect(w.lines.length).toBeLessThan(total);
    await api('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=slow%3D1');
  });
});
