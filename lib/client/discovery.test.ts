/**
 * serverPreferredNamespacedResources over a socket: the preferred version wins per resource,
 * resources only in another version still count, subresources and cluster-scoped types are
 * left out, and a group-version that fails is reported beside the rest (an unavailable
 * aggregated API, which a real API server of ours cannot produce).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverPreferredNamespacedResources } from './discovery.js';
import { KubeClient } from './rest.js';

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const DOCS: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'] },
  '/api/v1': {
    groupVersion: 'v1',
    resources: [
      { name: 'namespaces', namespaced: false, kind: 'Namespace', verbs: ALL },
      { name: 'pods', namespaced: true, kind: 'Pod', verbs: ALL },
      { name: 'pods/status', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  },
  '/apis': {
    kind: 'APIGroupList',
    groups: [
      {
        name: 'example.com',
        versions: [
          { groupVersion: 'example.com/v1beta1', version: 'v1beta1' },
          { groupVersion: 'example.com/v1', version: 'v1' },
        ],
        preferredVersion: { groupVersion: 'example.com/v1', version: 'v1' },
      },
      {
        name: 'metrics.k8s.io',
        versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }],
        preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
      },
    ],
  },
  '/apis/example.com/v1': {
    groupVersion: 'example.com/v1',
    resources: [{ name: 'widgets', namespaced: true, kind: 'Widget', verbs: ALL }],
  },
  '/apis/example.com/v1beta1': {
    groupVersion: 'example.com/v1beta1',
    resources: [
      { name: 'widgets', namespaced: true, kind: 'Widget', verbs: ALL },
      { name: 'gadgets', namespaced: true, kind: 'Gadget', verbs: ['get', 'list'] },
    ],
  },
};

let server: Server;
let client: KubeClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    const doc = DOCS[req.url ?? ''];
    if (doc === undefined) {
      res.writeHead(503, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'the server is currently unable to handle the request',
          reason: 'ServiceUnavailable',
          code: 503,
        }),
      );
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  client = new KubeClient({
    config: {
      server: `http://127.0.0.1:${port}`,
      insecureSkipTlsVerify: false,
      namespace: 'default',
      source: 'test',
    },
    maxRetries: 0,
  });
});

afterAll(async () => {
  client.close();
  await new Promise((r) => server.close(r));
});

describe('serverPreferredNamespacedResources', () => {
  it('returns namespaced resources in their preferred version and the group-versions that failed', async () => {
    const result = await serverPreferredNamespacedResources(client);
    expect(result.lists).toEqual([
      { groupVersion: 'v1', resources: [{ name: 'pods', namespaced: true, kind: 'Pod', verbs: ALL }] },
      {
        groupVersion: 'example.com/v1beta1',
        resources: [{ name: 'gadgets', namespaced: true, kind: 'Gadget', verbs: ['get', 'list'] }],
      },
      {
        groupVersion: 'example.com/v1',
        resources: [{ name: 'widgets', namespaced: true, kind: 'Widget', verbs: ALL }],
      },
    ]);
    expect(result.failed).toEqual([
      {
        groupVersion: 'metrics.k8s.io/v1beta1',
        message: 'the server is currently unable to handle the request',
      },
    ]);
  });
});
