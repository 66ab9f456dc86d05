/**
 * The Service address repair loop: a reservation no Service holds is a leak and is released once
 * past the grace period (a younger one may be a create in flight on another API server); a value
 * two Services hold is reported. Leaked values become allocatable again.
 */
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import type { RepairReport } from './service-addresses.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

const services = '/api/v1/namespaces/default/services';

it('releases leaked reservations past the grace period, keeps young and held ones', async () => {
  const store = t.server.store;
  const created = await call(t.server, 'POST', services, {
    body: { metadata: { name: 'held' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
  });
  expect(created.status).toBe(201);
  const spec = created.json.spec as { clusterIP: string; ports: { nodePort: number }[] };
  const old = Date.now() - 3_600_000;
  await store.create(
    '/registry/allocations/ip/10.96.7.7',
    JSON.stringify({ uid: 'x', namespace: 'default', name: 'gone', at: old }),
  );
  await store.create(
    '/registry/allocations/port/30999',
    JSON.stringify({ uid: 'x', namespace: 'default', name: 'gone', at: old }),
  );
  await store.create(
    '/registry/allocations/ip/10.96.7.8',
    JSON.stringify({ uid: 'y', namespace: 'default', name: 'inflight', at: Date.now() }),
  );

  const report = await t.server.rest.repairServiceAddresses();
  expect([...report.released].sort()).toEqual(['ip/10.96.7.7', 'port/30999']);
  expect(report.duplicates).toEqual([]);
  expect(await store.get('/registry/allocations/ip/10.96.7.7')).toBeUndefined();
  expect(await store.get('/registry/allocations/ip/10.96.7.8')).toBeDefined();
  expect(await store.get(`/registry/allocations/ip/${spec.clusterIP}`)).toBeDefined();
  expect(await store.get(`/registry/allocations/port/${spec.ports[0]?.nodePort}`)).toBeDefined();

  // The released value can be requested again.
  const again = await call(t.server, 'POST', services, {
    body: { metadata: { name: 'reuse' }, spec: { clusterIP: '10.96.7.7', ports: [{ port: 80 }] } },
  });
  expect(again.status).toBe(201);
});

it('runs periodically and reports a value two Services hold', async () => {
  const reports: RepairReport[] = [];
  const t = await startTestServer({ addressRepairIntervalMs: 100, onAddressRepair: (r) => reports.push(r) });
  onTestFinished(() => t.stop());
  const store = t.server.store;
  const a = await call(t.server, 'POST', services, {
    body: { metadata: { name: 'dup-a' }, spec: { ports: [{ port: 80 }] } },
  });
  const ip = (a.json.spec as { clusterIP: string }).clusterIP;
  // A duplicate can only arise from outside the allocator (e.g. a restored backup): write it directly.
  const b = structuredClone(a.json) as { metadata: Record<string, unknown> };
  b.metadata = { ...b.metadata, name: 'dup-b', uid: 'dup-b-uid' };
  delete b.metadata.resourceVersion;
  await store.create('/registry/services/specs/default/dup-b', JSON.stringify(b));
  const deadline = Date.now() + 5_000;
  while (!reports.some((r) => r.duplicates.some((d) => d.value === `ip/${ip}`)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const seen = reports.flatMap((r) => r.duplicates).find((d) => d.value === `ip/${ip}`);
  expect(seen?.services).toEqual(['default/dup-a', 'default/dup-b']);
});
