/**
 * What the server does with a bug of its own, made to happen through a store that fails the way
 * a bug would (a TypeError from `get`, an undecodable value in a watch event): the request gets
 * a 500 Status, one JSON log line carries the stack, `switchyard_apiserver_request_panics_total`
 * counts it on /metrics, and the process serves on. Also the per-client bounds: bodies over
 * 3 MiB (declared or streamed chunked) are 413 without being buffered, and CONNECT is answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/obs/index.js';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { openSqliteStore, type Store } from '../store/index.js';
import { addToken } from './pki.js';
import { RawConnection, type RawOutcome, rawRequest } from './testing/raw-http.js';

let t: TestServer;
let storeDir: string;
const logLines: string[] = [];

/** The SQLite store with two injected bugs, keyed by name so the rest of the store is normal. */
function faultyStore(path: string): Store {
  const inner = openSqliteStore({ path });
  return {
    revision: () => inner.revision(),
    get: (key) => {
      if (key.endsWith('/boom')) throw new TypeError('injected bug: cannot read properties of undefined');
      return inner.get(key);
    },
    list: (prefix, o) => inner.list(prefix, o),
    count: (prefix) => inner.count(prefix),
    create: (key, value) => inner.create(key, value),
    update: (key, value, rev) => inner.update(key, value, rev),
    delete: (key, rev) => inner.delete(key, rev),
    watch: (prefix, after, callbacks) =>
      inner.watch(prefix, after, {
        onError: callbacks.onError,
        onEvent: (e) =>
          callbacks.onEvent(e.kv.key.endsWith('/poison') ? { ...e, kv: { ...e.kv, value: '{not json' } } : e),
      }),
    compact: (rev) => inner.compact(rev),
    compactedRevision: () => inner.compactedRevision(),
    close: () => inner.close(),
  };
}

beforeAll(async () => {
  storeDir = mkdtempSync(join(tmpdir(), 'sy-apiserver-faulty-'));
  t = await startTestServer({
    store: faultyStore(join(storeDir, 'state.db')),
    logger: createLogger({ component: 'apiserver', stream: { write: (l: string) => logLines.push(l) } }),
  });
});

afterAll(async () => {
  await t?.stop();
  rmSync(storeDir, { recursive: true, force: true });
});

function answered(o: RawOutcome): {
  status: number;
  headers: Readonly<Record<string, string>>;
  text: string;
} {
  if (o.kind !== 'response') throw new Error(`no answer (${o.kind})`);
  return { status: o.response.status, headers: o.response.headers, text: o.response.body.toString('utf8') };
}

async function panicsCounted(): Promise<number> {
  const m = await call(t.server, 'GET', '/metrics');
  expect(m.status).toBe(200);
  const line = m.text.split('\n').find((l) => l.startsWith('switchyard_apiserver_request_panics_total '));
  return Number(line?.split(' ')[1]);
}

describe('a bug in one request', () => {
  it('is a 500 InternalError Status, one JSON log line with the stack, and one count', async () => {
    const before = await panicsCounted();
    const r = await call(t.server, 'GET', '/api/v1/namespaces/default/configmaps/boom');
    expect(r.status).toBe(500);
    expect(r.json).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 500,
      reason: 'InternalError',
    });
    expect(String(r.json.message)).toContain('injected bug');
    const lines = logLines.filter((l) => l.includes('injected bug')).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      component: 'apiserver',
      msg: 'request handler failed',
      method: 'GET',
      target: '/api/v1/namespaces/default/configmaps/boom',
    });
    expect(lines[0].stack).toMatch(/TypeError: injected bug[\s\S]*\n\s+at /);
    expect(await panicsCounted()).toBe(before + 1);
    expect((await call(t.server, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
  });

  it('in a watch stream ends that stream with an ERROR 500 event; other watches and the server go on', async () => {
    const before = await panicsCounted();
    const port = t.server.port;
    const auth = `Authorization: Bearer ${t.server.adminToken}`;
    const open = async (path: string): Promise<{ conn: RawConnection; text: () => string }> => {
      const conn = await RawConnection.open(port);
      let text = '';
      // The response never ends while the watch lives: read it off the socket as it comes.
      conn.onData((d) => {
        text += d.toString('utf8');
      });
      conn.write(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n${auth}\r\n\r\n`));
      return { conn, text: () => text };
    };
    const configmaps = await open('/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=30');
    const secrets = await open('/api/v1/namespaces/default/secrets?watch=1&timeoutSeconds=30');
    await expect.poll(() => configmaps.text()).toContain('200 OK');
    await expect.poll(() => secrets.text()).toContain('200 OK');
    const created = await call(t.server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'poison' } },
    });
    expect(created.status).toBe(201);
    await expect.poll(() => configmaps.text()).toContain('"type":"ERROR"');
    expect(configmaps.text()).toContain('"code":500');
    expect(configmaps.text()).toContain('"reason":"InternalError"');
    await call(t.server, 'POST', '/api/v1/namespaces/default/secrets', {
      body: { metadata: { name: 's1' } },
    });
    await expect.poll(() => secrets.text()).toContain('"name":"s1"');
    expect(await panicsCounted()).toBe(before + 1);
    expect(logLines.some((l) => l.includes('"target":"/api/v1/namespaces/default/configmaps?watch=1'))).toBe(
      true,
    );
    configmaps.conn.close();
    secrets.conn.close();
  });
});

describe('/metrics', () => {
  it('is 401 without credentials and 403 for a user outside system:masters and system:monitoring', async () => {
    expect((await call(t.server, 'GET', '/metrics', { as: { anonymous: true } })).status).toBe(401);
    const token = addToken({ dir: join(t.dir, 'data'), user: 'jane' });
    t.server.reloadTokens();
    const r = await call(t.server, 'GET', '/metrics', { as: { token } });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ kind: 'Status', code: 403, reason: 'Forbidden' });
    const monitor = addToken({ dir: join(t.dir, 'data'), user: 'prom', groups: ['system:monitoring'] });
    t.server.reloadTokens();
    const m = await call(t.server, 'GET', '/metrics', { as: { token: monitor } });
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/^switchyard_apiserver_requests_total\{method="GET",code="200"\} \d+$/m);
    expect(m.text).toContain('process_resident_memory_bytes');
  });
});

describe('per-client bounds', () => {
  const auth = (): string => `Authorization: Bearer ${t.server.adminToken}`;
  const path = '/api/v1/namespaces/default/configmaps';

  it('a declared body over 3 MiB is 413 before any of it is sent, and the connection closes', async () => {
    const o = await rawRequest(
      t.server.port,
      `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth()}\r\nContent-Type: application/json\r\nContent-Length: ${3 * 1024 * 1024 + 1}\r\n\r\n`,
    );
    const r = answered(o);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toMatchObject({ kind: 'Status', code: 413, reason: 'RequestEntityTooLarge' });
    expect(r.headers.connection).toBe('close');
  });

  it('a chunked body is cut at 3 MiB with 413 while the client is still sending', async () => {
    const conn = await RawConnection.open(t.server.port);
    const answer = conn.send({
      bytes: Buffer.from(
        `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      ),
    });
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
    let sent = 0;
    let done = false;
    void answer.then(() => {
      done = true;
    });
    // 64 KiB chunks until the answer comes: never more than 3 MiB plus what is in flight.
    while (!done && sent < 64 * 1024 * 1024) {
      conn.write(chunk);
      sent += 0x10000;
      await new Promise((r) => setImmediate(r));
    }
    const r = answered(await answer);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(sent).toBeLessThan(16 * 1024 * 1024);
    await expect.poll(() => conn.closed).toBe(true);
  });

  it('CONNECT is a 405 Status, not a dropped connection', async () => {
    const r = answered(
      await rawRequest(t.server.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n'),
    );
    expect(r.status).toBe(405);
    expect(JSON.parse(r.text)).toMatchObject({ kind: 'Status', code: 405, reason: 'MethodNotAllowed' });
  });

  it('a header block over 16 KiB is 431', async () => {
    const r = answered(
      await rawRequest(
        t.server.port,
        `GET /version HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
      ),
    );
    expect(r.status).toBe(431);
  });
});
