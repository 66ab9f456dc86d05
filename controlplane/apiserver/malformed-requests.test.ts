/**
 * Requests no client library would send, each on a raw TLS socket to a real server: the inputs
 * that once ended the process (`GET //`: the URL was parsed before the error path), then the
 * neighbours of each. Every one gets an HTTP answer, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { type RawOutcome, rawRequest } from './testing/raw-http.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

function request(line: string, headers: readonly string[] = [], body = ''): string {
  const length = body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`];
  return `${line}\r\n${['Host: apiserver', 'Connection: close', ...headers, ...length].join('\r\n')}\r\n\r\n${body}`;
}

function statusOf(o: RawOutcome): number {
  if (o.kind === 'timeout') throw new Error('no answer within 5 s');
  if (o.kind === 'closed')
    throw new Error(`no answer; the connection ended after ${JSON.stringify(o.partial)}`);
  return o.response.status;
}

function statusBody(o: RawOutcome): Record<string, unknown> {
  if (o.kind !== 'response') throw new Error('no answer');
  return JSON.parse(o.response.body.toString('utf8')) as Record<string, unknown>;
}

async function serverStillAnswers(): Promise<void> {
  const o = await rawRequest(t.server.port, request('GET /version HTTP/1.1'));
  expect(statusOf(o)).toBe(200);
}

describe('request targets that once ended the process', () => {
  const targets = ['//', '//[', '//x:99999', '//x:99999/api/v1/pods', '//[::1', '//user@host/version'];
  for (const target of targets) {
    it(`GET ${target} without credentials is 401, and the server lives`, async () => {
      const o = await rawRequest(t.server.port, request(`GET ${target} HTTP/1.1`));
      expect(statusOf(o)).toBe(401);
      expect(statusBody(o)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
      await serverStillAnswers();
    });
    it(`GET ${target} as admin is 404 NotFound`, async () => {
      const auth = `Authorization: Bearer ${t.server.adminToken}`;
      const o = await rawRequest(t.server.port, request(`GET ${target} HTTP/1.1`, [auth]));
      expect(statusOf(o)).toBe(404);
      expect(statusBody(o)).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
    });
  }
});

describe('bad escapes, bad parameters and odd targets are 4xx, never 500', () => {
  const auth = (): string => `Authorization: Bearer ${t.server.adminToken}`;
  const cases: readonly [string, number][] = [
    ['GET /api/v1/namespaces/%zz/pods HTTP/1.1', 400],
    ['GET /api/v1/namespaces/default/pods/%E0%A4%A HTTP/1.1', 400],
    ['GET /api/v1/namespaces/%/configmaps HTTP/1.1', 400],
    ['GET /api/v1/pods?labelSelector=%zz HTTP/1.1', 400],
    ['GET /api/v1/pods?watch=1&timeoutSeconds=%ff HTTP/1.1', 400],
    ['GET /api/v1/pods?watch=1&timeoutSeconds=1e3 HTTP/1.1', 400],
    ['GET /api/v1/pods?timeout=99999999999999999999h HTTP/1.1', 200],
    ['GET http://x:99999/version HTTP/1.1', 400],
    ['GET http://x/version HTTP/1.1', 200],
    ['OPTIONS * HTTP/1.1', 404],
    ['GET /api/v1/namespaces/default/pods/%00 HTTP/1.1', 404],
  ];
  for (const [line, code] of cases) {
    it(`${line} → ${code}`, async () => {
      const o = await rawRequest(t.server.port, request(line, [auth()]));
      expect(statusOf(o)).toBe(code);
      await serverStillAnswers();
    });
  }
});

describe('inputs the fuzz test found to be 500s, now 400s', () => {
  it('limit beyond a safe integer (SQLite refused it: datatype mismatch)', async () => {
    const r = await call(t.server, 'GET', '/api/v1/pods?limit=99999999999999999999');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
  });

  it('gracePeriodSeconds beyond a safe integer', async () => {
    const r = await call(
      t.server,
      'DELETE',
      '/api/v1/namespaces/default/configmaps/x?gracePeriodSeconds=99999999999999999999',
    );
    expect(r.status).toBe(400);
  });

  it('bodies nested deeper than 1000 levels (the stack overflowed in patch, clone and stringify)', async () => {
    const made = await call(t.server, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'deep' }, data: { a: 'b' } },
    });
    expect(made.status).toBe(201);
    const d = 100_000;
    const deepObject = `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
    const deepArray = '['.repeat(d) + ']'.repeat(d);
    const cases: [string, string, string, string][] = [
      ['PATCH', 'deep', `{"data":${deepObject}}`, 'application/merge-patch+json'],
      ['PATCH', 'deep', `{"metadata":{"labels":${deepObject}}}`, 'application/strategic-merge-patch+json'],
      [
        'PATCH',
        'deep',
        `[{"op":"add","path":"/data/x","value":${deepArray}}]`,
        'application/json-patch+json',
      ],
      ['PATCH', 'deep', `data: ${'['.repeat(d)}${']'.repeat(d)}`, 'application/apply-patch+yaml'],
      ['PUT', 'deep', `{"metadata":{"name":"deep"},"x":${deepArray}}`, 'application/json'],
      ['POST', '', `{"metadata":{"name":"deeper"},"x":${deepObject}}`, 'application/json'],
    ];
    for (const [method, name, body, contentType] of cases) {
      const r = await call(
        t.server,
        method,
        `/api/v1/namespaces/default/configmaps${name ? `/${name}` : ''}`,
        {
          body: Buffer.from(body),
          contentType,
        },
      );
      expect(r.status, `${method} ${contentType}: ${r.text.slice(0, 200)}`).toBe(400);
    }
    const shallow = `${'{"a":'.repeat(900)}1${'}'.repeat(900)}`;
    const ok = await call(t.server, 'PATCH', '/api/v1/namespaces/default/configmaps/deep', {
      body: Buffer.from(`{"metadata":{"annotations":{"x":${JSON.stringify(shallow)}}}}`),
      contentType: 'application/merge-patch+json',
    });
    expect(ok.status).toBe(200);
  });
});
