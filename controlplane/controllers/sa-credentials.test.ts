import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, parseKubeconfig } from '../../lib/client/index.js';
import { FakeClock } from '../../lib/reconcile/index.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { ServiceAccountClients } from './sa-credentials.js';

interface Review {
  status?: { userInfo?: { username?: string; groups?: string[] } };
}

/** Who the server says `client` is (SelfSubjectReview, `kubectl auth whoami`). */
async function whoami(client: KubeClient): Promise<Review['status']> {
  const r = await client.requestJson<Review>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  });
  return r.status;
}

describe('ServiceAccountClients (controller-manager --use-service-account-credentials)', () => {
  let env: TestEnv;
  let root: KubeClient;

  beforeAll(async () => {
    env = await startTestEnv();
    // The manager's own identity, as the lab runs it.
    const path = join(dirname(env.server.server.kubeconfigPath), 'controller-manager.kubeconfig');
    root = new KubeClient({ config: parseKubeconfig(readFileSync(path, 'utf8'), { path }) });
  });
  afterAll(async () => {
    root.close();
    await env.stop();
  });

  it('creates kube-system/<name> and gives a client that authenticates as that service account', async () => {
    const creds = new ServiceAccountClients({ root });
    const ac = new AbortController();
    try {
      expect((await whoami(root))?.userInfo?.username).toBe('system:kube-controller-manager');
      const client = await creds.clientFor('deployment-controller', ac.signal);
      expect(await whoami(client)).toEqual({
        userInfo: {
          username: 'system:serviceaccount:kube-system:deployment-controller',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
        },
      });
      const sa = await env.client.requestJson<{ metadata: { name: string; namespace: string } }>({
        method: 'GET',
        path: '/api/v1/namespaces/kube-system/serviceaccounts/deployment-controller',
      });
      expect(sa.metadata).toMatchObject({ name: 'deployment-controller', namespace: 'kube-system' });
      // One client per name; another name is another identity on the same server.
      expect(await creds.clientFor('deployment-controller', ac.signal)).toBe(client);
      const other = await creds.clientFor('node-controller', ac.signal);
      expect((await whoami(other))?.userInfo?.username).toBe(
        'system:serviceaccount:kube-system:node-controller',
      );
    } finally {
      creds.close();
    }
  });

  it('uses an existing service account as is', async () => {
    await env.client.requestJson({
      method: 'POST',
      path: '/api/v1/namespaces/kube-system/serviceaccounts',
      body: JSON.stringify({ metadata: { name: 'replicaset-controller', labels: { mine: 'yes' } } }),
    });
    const creds = new ServiceAccountClients({ root });
    try {
      const client = await creds.clientFor('replicaset-controller', new AbortController().signal);
      expect((await whoami(client))?.userInfo?.username).toBe(
        'system:serviceaccount:kube-system:replicaset-controller',
      );
      const sa = await env.client.requestJson<{ metadata: { labels?: Record<string, string> } }>({
        method: 'GET',
        path: '/api/v1/namespaces/kube-system/serviceaccounts/replicaset-controller',
      });
      expect(sa.metadata.labels).toEqual({ mine: 'yes' });
    } finally {
      creds.close();
    }
  });

  it('renews the token at 80% of its life and stops renewing on close', async () => {
    const clock = new FakeClock(Date.now());
    const creds = new ServiceAccountClients({ root, clock, expirationSeconds: 600 });
    const client = await creds.clientFor('daemon-set-controller', new AbortController().signal);
    // One renewal timer, due at 80% of 600 s.
    expect(clock.pending).toBe(1);
    await clock.advance(479_000);
    expect(clock.pending).toBe(1);
    await clock.advance(1_000);
    // The timer fired: a TokenRequest is in flight; once answered, the next renewal is due.
    await eventually('the renewed token to schedule the next renewal', () => clock.pending === 1);
    expect((await whoami(client))?.userInfo?.username).toBe(
      'system:serviceaccount:kube-system:daemon-set-controller',
    );
    creds.close();
    expect(clock.pending).toBe(0);
  });

  it('keeps asking until the API server answers, and gives up when aborted', async () => {
    const dead = new KubeClient({
      config: { ...root.transport.config, server: 'https://127.0.0.1:1' },
      maxRetries: 0,
    });
    const clock = new FakeClock(Date.now());
    const creds = new ServiceAccountClients({ root: dead, clock, retryMs: 1000 });
    const ac = new AbortController();
    const pending = creds.clientFor('endpointslice-controller', ac.signal);
    await eventually('a retry to be scheduled', () => clock.pending === 1);
    await clock.advance(1000);
    await eventually('a second retry to be scheduled', () => clock.pending === 1);
    ac.abort();
    await expect(pending).rejects.toThrow();
    // Closing also ends a fetch that is still retrying.
    const stuck = creds.clientFor('node-controller', new AbortController().signal);
    await eventually('a retry to be scheduled', () => clock.pending === 1);
    const settled = expect(stuck).rejects.toThrow(/closed/);
    creds.close();
    await clock.advance(1000);
    await settled;
    dead.close();
  });
});
