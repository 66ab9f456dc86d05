/**
 * Namespace lifecycle in the API server alone (no namespace controller): the two-step DELETE,
 * the finalize subresource, what main and status updates may change, NamespaceLifecycle
 * admission on the wire, plus the pure strategy functions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import {
  admissionName,
  beginTermination,
  prepareNamespaceCreate,
  prepareNamespaceUpdate,
  validateNamespaceFinalizers,
} from './namespace-lifecycle.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

const api = (method: string, path: string, body?: unknown) =>
  call(t.server, method, path, body !== undefined ? { body } : {});

interface Ns {
  metadata: { name: string; deletionTimestamp?: string; finalizers?: string[]; resourceVersion: string };
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

const getNs = async (name: string): Promise<Ns | undefined> => {
  const r = await api('GET', `/api/v1/namespaces/${name}`);
  return r.status === 200 ? (r.json as unknown as Ns) : undefined;
};

const createNs = async (name: string, extra: Record<string, unknown> = {}): Promise<Ns> => {
  const r = await api('POST', '/api/v1/namespaces', { metadata: { name }, ...extra });
  expect(r.status).toBe(201);
  return r.json as unknown as Ns;
};

describe('deleting a namespace', () => {
  it('marks it Terminating and keeps it (and its content) until spec.finalizers is empty', async () => {
    const created = await createNs('doomed');
    expect(created.spec?.finalizers).toEqual(['kubernetes']);
    expect(created.status?.phase).toBe('Active');
    await api('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'x' } });

    const del = await api('DELETE', '/api/v1/namespaces/doomed');
    expect(del.status).toBe(200);
    const marked = del.json as unknown as Ns;
    expect(marked.status?.phase).toBe('Terminating');
    expect(marked.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(marked.spec?.finalizers).toEqual(['kubernetes']);
    expect(marked.metadata).not.toHaveProperty('deletionGracePeriodSeconds');

    // A second DELETE answers with the namespace as it is.
    const again = await api('DELETE', '/api/v1/namespaces/doomed');
    expect(again.status).toBe(200);
    expect((again.json as unknown as Ns).metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
    // Nothing in the API server empties it: that is the namespace controller's job.
    await new Promise((r) => setTimeout(r, 300));
    expect((await getNs('doomed'))?.status?.phase).toBe('Terminating');
    expect((await api('GET', '/api/v1/namespaces/doomed/configmaps/x')).status).toBe(200);
    // Deletes and updates of content are still allowed.
    expect((await api('DELETE', '/api/v1/namespaces/doomed/configmaps/x')).status).toBe(200);

    // Neither a main update nor a status update changes spec.finalizers.
    const cur = (await getNs('doomed')) as Ns;
    const put = await api('PUT', '/api/v1/namespaces/doomed', { ...cur, spec: { finalizers: [] } });
    expect(put.status).toBe(200);
    expect((put.json as unknown as Ns).spec?.finalizers).toEqual(['kubernetes']);
    const st = await api('PUT', '/api/v1/namespaces/doomed/status', {
      ...(put.json as object),
      spec: { finalizers: [] },
    });
    expect(st.status).toBe(200);
    expect((st.json as unknown as Ns).spec?.finalizers).toEqual(['kubernetes']);
    expect((st.json as unknown as Ns).status?.phase).toBe('Terminating');

    // finalize serves PUT only.
    expect((await api('GET', '/api/v1/namespaces/doomed/finalize')).status).toBe(405);
    const bad = await api('PUT', '/api/v1/namespaces/doomed/finalize', {
      ...(st.json as object),
      spec: { finalizers: ['custom'] },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe(
      'Namespace "doomed" is invalid: spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    );
    // An empty spec.finalizers (Go clients omit the empty list) removes it.
    const fin = await api('PUT', '/api/v1/namespaces/doomed/finalize', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'doomed' },
      spec: {},
    });
    expect(fin.status).toBe(200);
    expect(await getNs('doomed')).toBeUndefined();
  });

  it('keeps a finalized namespace while metadata.finalizers remain', async () => {
    await createNs('held', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    expect((await api('DELETE', '/api/v1/namespaces/held')).status).toBe(200);
    const ns = (await getNs('held')) as Ns;
    const fin = await api('PUT', '/api/v1/namespaces/held/finalize', { ...ns, spec: { finalizers: [] } });
    expect(fin.status).toBe(200);
    expect((fin.json as unknown as Ns).metadata.finalizers).toEqual(['example.com/hold']);
    // Still there after another DELETE; a later main update dropping the finalizer removes it
    // and does not bring `kubernetes` back.
    expect((await api('DELETE', '/api/v1/namespaces/held')).status).toBe(200);
    const still = (await getNs('held')) as Ns;
    expect(still.spec?.finalizers ?? []).toEqual([]);
    const patch = await call(t.server, 'PATCH', '/api/v1/namespaces/held', {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    expect(patch.status).toBe(200);
    expect(await getNs('held')).toBeUndefined();
  });

  it('refuses to delete the system namespaces', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const r = await api('DELETE', `/api/v1/namespaces/${name}`);
      expect(r.status).toBe(403);
      expect(r.json).toMatchObject({
        reason: 'Forbidden',
        message: `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        details: { name, kind: 'namespaces' },
      });
      expect((await getNs(name))?.status?.phase).toBe('Active');
    }
  });
});

describe('NamespaceLifecycle admission', () => {
  it('forbids every create in a terminating namespace with the NamespaceTerminating cause', async () => {
    await createNs('closing');
    await api('POST', '/api/v1/namespaces/closing/serviceaccounts', { metadata: { name: 'sa' } });
    await api('DELETE', '/api/v1/namespaces/closing');
    const cm = await api('POST', '/api/v1/namespaces/closing/configmaps', { metadata: { name: 'late' } });
    expect(cm.status).toBe(403);
    expect(cm.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'configmaps "late" is forbidden: unable to create new content in namespace closing because it is being terminated',
      reason: 'Forbidden',
      details: {
        name: 'late',
        kind: 'configmaps',
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: 'namespace closing is being terminated',
            field: 'metadata.namespace',
          },
        ],
      },
      code: 403,
    });
    const gen = await api('POST', '/apis/apps/v1/namespaces/closing/deployments', {
      metadata: { generateName: 'web-' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    });
    expect(gen.status).toBe(403);
    expect(gen.json.message).toBe(
      'deployments.apps "web-" is forbidden: unable to create new content in namespace closing because it is being terminated',
    );
    expect(gen.json.details).toMatchObject({ name: 'web-', group: 'apps', kind: 'deployments' });
    // Subresource creates are creates too.
    const token = await api('POST', '/api/v1/namespaces/closing/serviceaccounts/sa/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    expect(token.status).toBe(403);
    expect(token.json.message).toBe(
      'serviceaccounts "sa" is forbidden: unable to create new content in namespace closing because it is being terminated',
    );
  });

  it('answers 404 for a create in a namespace that does not exist', async () => {
    const r = await api('POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'x' } });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'namespaces' },
      code: 404,
    });
  });
});

describe('namespace strategy (pure)', () => {
  it('create adds `kubernetes` to the requested finalizers and starts Active', () => {
    const ns = {
      metadata: { name: 'a' },
      spec: { finalizers: ['example.com/x'] },
      status: { phase: 'Terminating' },
    };
    prepareNamespaceCreate(ns);
    expect(ns).toEqual({
      metadata: { name: 'a' },
      spec: { finalizers: ['example.com/x', 'kubernetes'] },
      status: { phase: 'Active' },
    });
  });

  it('updates keep what their subresource does not own', () => {
    const current = {
      metadata: { name: 'a' },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Terminating' },
    };
    const main = { metadata: { name: 'a' }, spec: {}, status: { phase: 'Active' } };
    prepareNamespaceUpdate(main, current, 'main');
    expect(main).toEqual(current);
    const fin = { metadata: { name: 'a' }, spec: { finalizers: [] }, status: {} };
    prepareNamespaceUpdate(fin, current, 'finalize');
    expect(fin).toEqual({
      metadata: { name: 'a' },
      spec: { finalizers: [] },
      status: { phase: 'Terminating' },
    });
    const status = { metadata: { name: 'a' }, spec: {}, status: { phase: 'Terminating', conditions: [] } };
    prepareNamespaceUpdate(status, current, 'status');
    expect(status.spec).toEqual({ finalizers: ['kubernetes'] });
  });

  it('beginTermination sets the timestamp once and the phase', () => {
    const now = new Date('2026-01-01T00:00:00.500Z');
    const ns = { metadata: { name: 'a' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    const marked = beginTermination(ns, ['orphan'], now);
    expect(marked).toEqual({
      metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Terminating' },
    });
    expect(ns.status.phase).toBe('Active');
    expect(beginTermination(marked, [], new Date('2027-01-01T00:00:00Z')).metadata).toEqual({
      name: 'a',
      deletionTimestamp: '2026-01-01T00:00:00Z',
    });
  });

  it('finalizer names: qualified, or one of the standard three', () => {
    const ns = (finalizers: string[]) => ({ metadata: {}, spec: { finalizers } });
    expect(validateNamespaceFinalizers(ns(['kubernetes', 'orphan', 'example.com/x']), 'finalize')).toEqual(
      [],
    );
    expect(validateNamespaceFinalizers(ns(['kubernetes', 'bad']), 'create').map((e) => e.field)).toEqual([
      'spec.finalizers',
    ]);
    expect(validateNamespaceFinalizers(ns(['x/y/z']), 'finalize').map((e) => e.field)).toEqual([
      'spec.finalizers[0]',
    ]);
    const notAList = { metadata: {}, spec: { finalizers: 'kubernetes' } };
    expect(validateNamespaceFinalizers(notAList, 'finalize').map((e) => e.field)).toEqual([
      'spec.finalizers',
    ]);
  });

  it('admission names the object, else its generateName, else Unknown', () => {
    expect(admissionName({ metadata: { name: 'a', generateName: 'b-' } })).toBe('a');
    expect(admissionName({ metadata: { generateName: 'b-' } })).toBe('b-');
    expect(admissionName({})).toBe('Unknown');
  });
});
