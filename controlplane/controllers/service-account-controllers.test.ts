/**
 * The service account controller and the root CA publisher against a real API server, running
 * as their own service accounts under the bootstrap policy: every namespace gets `default` and
 * `kube-root-ca.crt` (the API server's CA), both put back after a delete or an edit, and with
 * the ServiceAccount admission plugin on, a pod in a new namespace is admitted with its volume.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Pod, ServiceAccount } from '../../lib/api/index.js';
import {
  configMapsResource,
  isNotFound,
  type KubeClient,
  namespacesResource,
  podsResource,
  serviceAccountsResource,
} from '../../lib/client/index.js';
import { eventually } from '../../test/harness/cluster/env.js';
import { type SimCluster, startSimCluster } from '../../test/harness/cluster/sim-cluster.js';
import { bootstrapPolicy } from '../apiserver/rbac/bootstrap-policy.js';
import { desiredRootCa, ROOT_CA_CONFIGMAP } from './root-ca-publisher.js';

let env: SimCluster;
let admin: KubeClient;
let ca: string;

beforeAll(async () => {
  env = await startSimCluster({
    server: { bootstrapPolicy, serviceAccountAdmission: true },
    componentUsers: true,
    nodes: [],
    leaseRenewMs: 250,
    kubeletSyncMs: 60,
    unschedulableRetryMs: 1000,
    manager: {
      useServiceAccountCredentials: true,
      leaderElection: false,
      controllers: ['serviceaccount', 'rootcacertpublisher'],
    },
  });
  admin = env.client;
  ca = readFileSync(env.server.server.caCertPath, 'utf8');
}, 30_000);

afterAll(async () => {
  await env?.stop();
}, 30_000);

const getOrUndefined = async <T>(get: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
};

describe('service account controller and root CA publisher', () => {
  it('give a new namespace its default service account and the cluster CA', async () => {
    await admin.resource(namespacesResource).create({ metadata: { name: 'team' } });
    const sa = await eventually('default service account', () =>
      getOrUndefined(() => admin.resource(serviceAccountsResource).get('default', { namespace: 'team' })),
    );
    expect((sa as ServiceAccount).metadata.namespace).toBe('team');
    const cm = await eventually('kube-root-ca.crt', () =>
      getOrUndefined(() => admin.resource(configMapsResource).get(ROOT_CA_CONFIGMAP, { namespace: 'team' })),
    );
    expect((cm as ConfigMap).data).toEqual({ 'ca.crt': ca });
    expect((cm as ConfigMap).metadata.annotations?.['kubernetes.io/description']).toMatch(
      /^Contains a CA bundle/,
    );
    // The system namespaces too.
    for (const ns of ['default', 'kube-system'])
      await eventually(`${ns}/default`, () =>
        getOrUndefined(() => admin.resource(serviceAccountsResource).get('default', { namespace: ns })),
      );
  });

  it('put both back after a delete or an edit', async () => {
    const cms = admin.resource(configMapsResource);
    const edited = await cms.get(ROOT_CA_CONFIGMAP, { namespace: 'team' });
    await cms.update({ ...edited, data: { 'ca.crt': 'forged' } }, { namespace: 'team' });
    await eventually('the CA restored', async () => {
      const cm = await cms.get(ROOT_CA_CONFIGMAP, { namespace: 'team' });
      return cm.data?.['ca.crt'] === ca ? cm : undefined;
    });
    await cms.delete(ROOT_CA_CONFIGMAP, { namespace: 'team' });
    await admin.resource(serviceAccountsResource).delete('default', { namespace: 'team' });
    await eventually('the ConfigMap again', () =>
      getOrUndefined(() => cms.get(ROOT_CA_CONFIGMAP, { namespace: 'team' })),
    );
    await eventually('the service account again', () =>
      getOrUndefined(() => admin.resource(serviceAccountsResource).get('default', { namespace: 'team' })),
    );
  });

  it('let the ServiceAccount admission plugin admit a pod with its API access volume', async () => {
    const pod = await admin
      .resource(podsResource)
      .create({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as Pod, {
        namespace: 'team',
      });
    expect(pod.spec?.serviceAccountName).toBe('default');
    expect(pod.spec?.volumes?.[0]?.name).toMatch(/^kube-api-access-/);
  });

  it('keep the fields of an existing ConfigMap when restoring it', () => {
    const cm: ConfigMap = {
      metadata: { name: ROOT_CA_CONFIGMAP, namespace: 'x', labels: { a: 'b' } },
      data: { 'ca.crt': 'old', extra: 'y' },
    };
    const want = desiredRootCa('x', 'PEM', cm);
    expect(want.metadata.labels).toEqual({ a: 'b' });
    expect(want.data).toEqual({ 'ca.crt': 'PEM' });
  });
});
