/**
 * serverPreferredNamespacedResources against the real API server: the preferred version wins
 * per resource, resources only in another version still count, subresources and cluster-scoped
 * types are left out, and a group-version that fails is reported beside the rest. The failure
 * (an aggregated API whose backend is down, which our server cannot produce) is injected by
 * the fault relay as the 503 kube-apiserver answers then.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { type FaultRelay, pathIs, startFaultRelay, statusReply } from '../../test/harness/faults.js';
import { serverPreferredNamespacedResources } from './discovery.js';
import { defineResource } from './resource.js';
import { KubeClient } from './rest.js';

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const crds = defineResource({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
});
const open = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };

/** A namespaced CRD `plural.group` served in `versions`, the last one stored. */
function crd(group: string, kind: string, plural: string, versions: string[]) {
  return {
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === versions.length - 1,
        schema: open,
        subresources: { status: {} },
      })),
    },
  };
}

let t: TestServer;
let relay: FaultRelay;
let client: KubeClient;

beforeAll(async () => {
  t = await startTestServer();
  relay = await startFaultRelay({ upstream: t.server.url, ca: readFileSync(t.server.caCertPath) });
  client = new KubeClient({
    config: {
      server: relay.url,
      token: t.server.adminToken,
      insecureSkipTlsVerify: false,
      namespace: 'default',
      source: 'test',
    },
    maxRetries: 0,
  });
  const defs = client.resource(crds);
  await defs.create(crd('example.com', 'Widget', 'widgets', ['v1beta1', 'v1']));
  await defs.create(crd('example.com', 'Gadget', 'gadgets', ['v1beta1']));
  await defs.create(crd('metrics.example.com', 'Sample', 'samples', ['v1beta1']));
  relay.inject({
    match: pathIs('/apis/metrics.example.com/v1beta1'),
    reply: statusReply(503, 'the server is currently unable to handle the request'),
  });
});

afterAll(async () => {
  client.close();
  await relay.close();
  await t.stop();
});

describe('serverPreferredNamespacedResources', () => {
  it('returns namespaced resources in their preferred version and the group-versions that failed', async () => {
    const result = await serverPreferredNamespacedResources(client);
    const names = (gv: string) =>
      result.lists.find((l) => l.groupVersion === gv)?.resources.map((r) => r.name);
    expect(names('v1')).toContain('pods');
    expect(names('v1')).toContain('configmaps');
    expect(names('v1')).not.toContain('namespaces'); // cluster-scoped
    expect(result.lists.flatMap((l) => l.resources).filter((r) => r.name.includes('/'))).toEqual([]);
    expect(result.lists.flatMap((l) => l.resources).every((r) => r.namespaced)).toBe(true);
    const custom = result.lists.filter((l) => l.groupVersion.includes('example.com'));
    // in the order /apis lists the group's versions (the preferred one first, as kube-apiserver)
    expect(custom).toEqual([
      {
        groupVersion: 'example.com/v1',
        resources: [
          expect.objectContaining({ name: 'widgets', namespaced: true, kind: 'Widget', verbs: ALL }),
        ],
      },
      {
        groupVersion: 'example.com/v1beta1',
        resources: [
          expect.objectContaining({ name: 'gadgets', namespaced: true, kind: 'Gadget', verbs: ALL }),
        ],
      },
    ]);
    expect(result.failed).toEqual([
      {
        groupVersion: 'metrics.example.com/v1beta1',
        message: 'the server is currently unable to handle the request',
      },
    ]);
  });
});
