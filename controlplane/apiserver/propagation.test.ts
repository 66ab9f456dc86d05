/**
 * Cascading deletion on the wire, as Kubernetes does it: Foreground holds the owner with the
 * `foregroundDeletion` finalizer while it has dependents (the garbage collector controller
 * deletes them and drops the finalizer; here the test plays that part), Orphan removes the
 * dependents' owner references before the owner goes, Background (the default) deletes at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

interface Meta {
  uid: string;
  finalizers?: string[];
  deletionTimestamp?: string;
  ownerReferences?: { uid: string; name: string }[];
}

const api = (method: string, path: string, body?: unknown, contentType?: string) =>
  call(t.server, method, path, {
    ...(body !== undefined ? { body } : {}),
    ...(contentType ? { contentType } : {}),
  });
const metaOf = (a: { json: Record<string, unknown> }): Meta => a.json.metadata as Meta;

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const SETS = '/apis/apps/v1/namespaces/default/replicasets';
const PODS = '/api/v1/namespaces/default/pods';
const labels = { app: 'web' };
const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };

async function deployment(name: string): Promise<Meta> {
  const r = await api('POST', DEPLOYS, {
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: labels }, template },
  });
  expect(r.status).toBe(201);
  return metaOf(r);
}

async function replicaSet(
  name: string,
  owners: { kind: string; name: string; uid: string }[],
): Promise<Meta> {
  const r = await api('POST', SETS, {
    metadata: {
      name,
      ownerReferences: owners.map((o) => ({ apiVersion: 'apps/v1', controller: false, ...o })),
    },
    spec: { replicas: 1, selector: { matchLabels: labels }, template },
  });
  expect(r.status).toBe(201);
  return metaOf(r);
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DELETE propagationPolicy', () => {
  it('Foreground: the owner stays with deletionTimestamp + foregroundDeletion until its dependents go', async () => {
    const owner = await deployment('fg');
    await replicaSet('fg-rs', [{ kind: 'Deployment', name: 'fg', uid: owner.uid }]);
    const del = await api('DELETE', `${DEPLOYS}/fg?propagationPolicy=Foreground`);
    expect(del.status).toBe(202);
    expect(metaOf(del).finalizers).toEqual(['foregroundDeletion']);
    expect(typeof metaOf(del).deletionTimestamp).toBe('string');
    // Held while the dependent exists (nothing but the garbage collector may release it).
    await new Promise((r) => setTimeout(r, 200));
    expect(metaOf(await api('GET', `${DEPLOYS}/fg`)).finalizers).toEqual(['foregroundDeletion']);
    // The collector's part: delete the dependent, then drop the finalizer.
    expect((await api('DELETE', `${SETS}/fg-rs`)).status).toBe(200);
    const release = await api(
      'PATCH',
      `${DEPLOYS}/fg`,
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    expect(release.status).toBe(200);
    expect((await api('GET', `${DEPLOYS}/fg`)).status).toBe(404);
  });

  it('Foreground with no dependents: the finalizer is set, then released at once', async () => {
    await deployment('fg-alone');
    const del = await api('DELETE', `${DEPLOYS}/fg-alone`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
    });
    expect(del.status).toBe(202);
    expect(metaOf(del).finalizers).toEqual(['foregroundDeletion']);
    const after = await until(
      () => api('GET', `${DEPLOYS}/fg-alone`),
      (a) => a.status === 404,
    );
    expect(after.status).toBe(404);
  });

  it('Orphan: dependents lose their reference to the owner (and keep others), then the owner goes', async () => {
    const owner = await deployment('orph');
    const other = await deployment('other');
    await replicaSet('orph-rs', [
      { kind: 'Deployment', name: 'orph', uid: owner.uid },
      { kind: 'Deployment', name: 'other', uid: other.uid },
    ]);
    await replicaSet('orph-only', [{ kind: 'Deployment', name: 'orph', uid: owner.uid }]);
    const del = await api('DELETE', `${DEPLOYS}/orph?propagationPolicy=Orphan`);
    expect(del.status).toBe(202);
    expect(metaOf(del).finalizers).toEqual(['orphan']);
    const gone = await until(
      () => api('GET', `${DEPLOYS}/orph`),
      (a) => a.status === 404,
    );
    expect(gone.status).toBe(404);
    expect(metaOf(await api('GET', `${SETS}/orph-rs`)).ownerReferences?.map((r) => r.name)).toEqual([
      'other',
    ]);
    const only = await api('GET', `${SETS}/orph-only`);
    expect(only.status).toBe(200);
    expect(metaOf(only).ownerReferences).toBeUndefined();
  });

  it('Background (the default) deletes at once and leaves dependents to the garbage collector', async () => {
    const owner = await deployment('bg');
    await replicaSet('bg-rs', [{ kind: 'Deployment', name: 'bg', uid: owner.uid }]);
    expect((await api('DELETE', `${DEPLOYS}/bg`)).status).toBe(200);
    expect((await api('GET', `${DEPLOYS}/bg`)).status).toBe(404);
    expect(metaOf(await api('GET', `${SETS}/bg-rs`)).ownerReferences?.[0]?.uid).toBe(owner.uid);
    // Background also clears the collector's finalizers an earlier request set.
    await api('POST', PODS, {
      metadata: { name: 'bg-pod', finalizers: ['orphan', 'example.com/keep'] },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
    });
    const held = await api('DELETE', `${PODS}/bg-pod?propagationPolicy=Background`);
    expect(held.status).toBe(202);
    expect(metaOf(held).finalizers).toEqual(['example.com/keep']);
    await api('PATCH', `${PODS}/bg-pod`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect((await api('GET', `${PODS}/bg-pod`)).status).toBe(404);
  });

  it('orphanDependents (deprecated) maps to Orphan/Background; bad options are 422 naming the field', async () => {
    const owner = await deployment('legacy');
    await replicaSet('legacy-rs', [{ kind: 'Deployment', name: 'legacy', uid: owner.uid }]);
    const both = await api('DELETE', `${DEPLOYS}/legacy`, {
      orphanDependents: true,
      propagationPolicy: 'Foreground',
    });
    expect(both.status).toBe(422);
    expect(JSON.stringify(both.json)).toContain('"field":"orphanDependents"');
    const bad = await api('DELETE', `${DEPLOYS}/legacy?propagationPolicy=Sideways`);
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json)).toContain('"field":"propagationPolicy"');
    expect((await api('DELETE', `${DEPLOYS}/legacy`, { orphanDependents: true })).status).toBe(202);
    await until(
      () => api('GET', `${DEPLOYS}/legacy`),
      (a) => a.status === 404,
    );
    expect(metaOf(await api('GET', `${SETS}/legacy-rs`)).ownerReferences).toBeUndefined();
  });
});
