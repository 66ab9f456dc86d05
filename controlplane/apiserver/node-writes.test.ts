import { describe, expect, it } from 'vitest';
import { MERGE, NS, useNodeCluster } from './testing/node-cluster.js';

const { admin, n1, n2, pod } = useNodeCluster();

describe('Node authorizer and NodeRestriction: writes', () => {
  it('a node registers and updates only its own Node, within the kubelet label set and without taints', async () => {
    expect((await n1('POST', '/api/v1/nodes', { metadata: { name: 'node-1' } })).status).toBe(201);
    expect((await n2('POST', '/api/v1/nodes', { metadata: { name: 'node-2' } })).status).toBe(201);
    const foreign = await n1('POST', '/api/v1/nodes', { metadata: { name: 'node-3' } });
    expect(foreign.status).toBe(403);
    expect(foreign.json).toMatchObject({
      reason: 'Forbidden',
      message: 'nodes "node-3" is forbidden: node "node-1" is not allowed to modify node "node-3"',
      details: { name: 'node-3', kind: 'nodes' },
    });
    const labelled = await n1('POST', '/api/v1/nodes', {
      metadata: { name: 'node-1', labels: { 'node-restriction.kubernetes.io/pool': 'gold' } },
    });
    expect(labelled.json.message).toBe(
      'nodes "node-1" is forbidden: node "node-1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool',
    );
    const status = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    expect((await n1('PATCH', '/api/v1/nodes/node-1/status', status, MERGE)).status).toBe(200);
    expect((await n1('PATCH', '/api/v1/nodes/node-2/status', status, MERGE)).json.message).toBe(
      'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"',
    );
    const patchLabels = (labels: Record<string, string>) =>
      n1('PATCH', '/api/v1/nodes/node-1', { metadata: { labels } }, MERGE);
    expect((await patchLabels({ 'kubernetes.io/hostname': 'node-1', 'example.com/rack': 'r1' })).status).toBe(
      200,
    );
    expect((await patchLabels({ 'node-restriction.kubernetes.io/pool': 'gold' })).json.message).toBe(
      'nodes "node-1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool',
    );
    expect((await patchLabels({ 'node-role.kubernetes.io/control-plane': '' })).status).toBe(403);
    const taint = await n1(
      'PATCH',
      '/api/v1/nodes/node-1',
      { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } },
      MERGE,
    );
    expect(taint.json.message).toBe(
      'nodes "node-1" is forbidden: node "node-1" is not allowed to modify taints',
    );
    // Reads: its own Node only.
    expect((await n1('GET', '/api/v1/nodes/node-1')).status).toBe(200);
    expect((await n1('GET', '/api/v1/nodes/node-2')).json.message).toBe(
      'nodes "node-2" is forbidden: User "system:node:node-1" cannot get resource "nodes" in API group "" at the cluster scope: node \'node-1\' cannot read \'node-2\', only its own Node object',
    );
    expect((await n1('GET', '/api/v1/nodes')).status).toBe(403);
    expect((await n1('DELETE', '/api/v1/nodes/node-1')).status).toBe(403);
  });

  it('a node writes only its own Lease in kube-node-lease', async () => {
    const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    const lease = (name: string) => ({
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 40 },
    });
    expect((await n1('POST', LEASES, lease('node-1'))).status).toBe(201);
    expect((await n2('POST', LEASES, lease('node-2'))).status).toBe(201);
    expect((await n1('POST', LEASES, lease('node-9'))).json.message).toBe(
      'leases.coordination.k8s.io "node-9" is forbidden: can only access node lease with the same name as the requesting node',
    );
    const renew = { spec: { renewTime: '2026-01-01T00:00:00.000000Z' } };
    expect((await n1('PATCH', `${LEASES}/node-1`, renew, MERGE)).status).toBe(200);
    expect((await n1('PATCH', `${LEASES}/node-2`, renew, MERGE)).json.message).toBe(
      'leases.coordination.k8s.io "node-2" is forbidden: User "system:node:node-1" cannot patch resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
    );
    const elsewhere = await n1(
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      lease('node-1'),
    );
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.message).toContain(
      'can only access leases in the "kube-node-lease" system namespace',
    );
  });

  it('pod status, deletion and eviction only for its own pods; events created', async () => {
    await pod('run-1', { nodeName: 'node-1' });
    await pod('run-2', { nodeName: 'node-2' });
    const running = { status: { phase: 'Running' } };
    expect((await n1('PATCH', `${NS}/pods/run-1/status`, running, MERGE)).status).toBe(200);
    expect((await n1('PATCH', `${NS}/pods/run-2/status`, running, MERGE)).json.message).toBe(
      'pods "run-2" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself',
    );
    expect(
      (await n1('PATCH', `${NS}/pods/run-1/status`, { metadata: { labels: { x: 'y' } } }, MERGE)).json
        .message,
    ).toBe('pods "run-1" is forbidden: node "node-1" cannot update labels through pod status');
    expect((await n1('PATCH', `${NS}/pods/run-1`, { metadata: { labels: { x: 'y' } } }, MERGE)).status).toBe(
      403,
    );
    expect((await n1('DELETE', `${NS}/pods/run-2`)).json.message).toBe(
      'pods "run-2" is forbidden: node "node-1" can only delete pods with spec.nodeName set to itself',
    );
    const evict = (name: string) =>
      n1('POST', `${NS}/pods/${name}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: 'default' },
      });
    expect((await evict('run-2')).json.message).toBe(
      'pods "run-2" is forbidden: node node-1 can only evict pods with spec.nodeName set to itself',
    );
    expect((await admin('GET', `${NS}/pods/run-2`)).status).toBe(200);
    expect((await evict('run-1')).status).toBe(201);
    expect((await n1('DELETE', `${NS}/pods/web-1?gracePeriodSeconds=0`)).status).toBe(200);
    const event = {
      metadata: { name: 'node-1.started' },
      involvedObject: { kind: 'Node', name: 'node-1' },
      reason: 'Starting',
      message: 'kubelet started',
      type: 'Normal',
    };
    expect((await n1('POST', `${NS}/events`, event)).status).toBe(201);
    expect((await n1('DELETE', `${NS}/events/node-1.started`)).status).toBe(403);
  });

  it('a node creates only mirror pods bound to itself, owned by its Node, referencing nothing', async () => {
    const nodeUid = ((await admin('GET', '/api/v1/nodes/node-1')).json.metadata as { uid: string }).uid;
    const mirror = (name: string, spec: Record<string, unknown> = {}, owner = nodeUid) => ({
      metadata: {
        name,
        annotations: { 'kubernetes.io/config.mirror': 'hash' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: owner, controller: true }],
      },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
    });
    expect((await n1('POST', `${NS}/pods`, mirror('static-node-1'))).status).toBe(201);
    const plain = await n1('POST', `${NS}/pods`, {
      metadata: { name: 'plain' },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox:1.36' }] },
    });
    expect(plain.json.message).toBe(
      'pods "plain" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods',
    );
    expect((await n1('POST', `${NS}/pods`, mirror('elsewhere', { nodeName: 'node-2' }))).json.message).toBe(
      'pods "elsewhere" is forbidden: node "node-1" can only create pods with spec.nodeName set to itself',
    );
    const stealing = mirror('steal', { volumes: [{ name: 'a', secret: { secretName: 's-other' } }] });
    expect((await n1('POST', `${NS}/pods`, stealing)).json.message).toBe(
      'pods "steal" is forbidden: node "node-1" can not create pods that reference secrets',
    );
    expect((await n1('POST', `${NS}/pods`, mirror('stale', {}, 'not-the-uid'))).json.message).toBe(
      `pods "stale" is forbidden: node node-1 UID mismatch: expected not-the-uid got ${nodeUid}`,
    );
  });
});
