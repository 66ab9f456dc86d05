/**
 * Patches without a resourceVersion never fail with 409 because another writer got in between
 * (the server retries the read-modify-write, as Kubernetes' GuaranteedUpdate does); a patch that
 * names a stale resourceVersion is a precondition and does fail with 409.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

const path = '/api/v1/namespaces/default/configmaps';

it('concurrent merge and strategic patches without resourceVersion all succeed', async () => {
  const created = await call(t.server, 'POST', path, {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'race' }, data: {} },
  });
  expect(created.status).toBe(201);
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      call(t.server, 'PATCH', `${path}/race`, {
        body: { data: { [`k${i}`]: String(i) } },
        contentType: i % 2 === 0 ? 'application/merge-patch+json' : 'application/strategic-merge-patch+json',
      }),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
  const final = await call(t.server, 'GET', `${path}/race`);
  expect(Object.keys(final.json.data as Record<string, string>)).toHaveLength(40);
});

it('a patch naming a stale resourceVersion is refused with 409 Conflict', async () => {
  const created = await call(t.server, 'POST', path, {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stale' }, data: { a: '1' } },
  });
  const rv = (created.json.metadata as { resourceVersion: string }).resourceVersion;
  const moved = await call(t.server, 'PATCH', `${path}/stale`, {
    body: { data: { a: '2' } },
    contentType: 'application/merge-patch+json',
  });
  expect(moved.status).toBe(200);
  const stale = await call(t.server, 'PATCH', `${path}/stale`, {
    body: { metadata: { resourceVersion: rv }, data: { a: '3' } },
    contentType: 'application/merge-patch+json',
  });
  expect(stale.status).toBe(409);
  expect(stale.json.reason).toBe('Conflict');
  const json = await call(t.server, 'PATCH', `${path}/stale`, {
    body: [{ op: 'replace', path: '/metadata/resourceVersion', value: rv }],
    contentType: 'application/json-patch+json',
  });
  expect(json.status).toBe(409);
});
