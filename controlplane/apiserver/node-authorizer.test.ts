/**
 * The Node authorizer's pure parts: the graph (references a pod makes readable, orphan clean-up,
 * PV and VolumeAttachment edges), the decision table (node_authorizer_test.go's cases that apply
 * here) and NodeRestriction's refusals with upstream's messages.
 */
import { describe, expect, it } from 'vitest';
import type { AdmissionAttributes } from './admission.js';
import { authorizeNode, NODE_RULES, type NodeRequest } from './node-authorizer.js';
import { NodeGraph, podReferences, pvReferences } from './node-graph.js';
import { admitNodeRestriction, type NodeRestrictionLookups } from './node-restriction.js';
import type { JsonObject } from './patch.js';
import { ApiError } from './status.js';

const pod = (name: string, nodeName: string, spec: JsonObject = {}, meta: JsonObject = {}): JsonObject => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...meta },
  spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...spec },
});

const refs = (p: JsonObject) => {
  const r = podReferences(p);
  if (!r) throw new Error('pod not bound');
  return r;
};

describe('podReferences', () => {
  it('collects secrets, configmaps, claims and the service account from every place a pod names them', () => {
    const p = pod('web', 'n1', {
      serviceAccountName: 'sa',
      imagePullSecrets: [{ name: 'pull' }],
      initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-env' } }] }],
      containers: [
        {
          name: 'c',
          env: [
            { name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } },
            { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } },
            { name: 'C', value: 'plain' },
          ],
          envFrom: [{ configMapRef: { name: 'envfrom-cm' } }],
        },
      ],
      ephemeralContainers: [{ name: 'e', envFrom: [{ secretRef: { name: 'debug' } }] }],
      volumes: [
        { name: 'v1', secret: { secretName: 'vol-secret' } },
        { name: 'v2', configMap: { name: 'vol-cm' } },
        {
          name: 'v3',
          projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }] },
        },
        { name: 'v4', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
        { name: 'v6', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-secret' } } },
        { name: 'v7', rbd: { monitors: [], image: 'x', secretRef: { name: 'rbd-secret' } } },
      ],
    });
    expect(podReferences(p)).toEqual({
      namespace: 'ns',
      name: 'web',
      uid: 'uid-web',
      nodeName: 'n1',
      mirror: false,
      serviceAccount: 'sa',
      secrets: [
        'pull',
        'init-env',
        'env-secret',
        'debug',
        'vol-secret',
        'proj-secret',
        'csi-secret',
        'rbd-secret',
      ],
      configMaps: ['envfrom-cm', 'env-cm', 'vol-cm', 'proj-cm'],
      claims: ['data', 'web-scratch'],
    });
  });

  it('is undefined for a pod not bound yet; marks mirror pods', () => {
    expect(podReferences(pod('p', ''))).toBeUndefined();
    expect(refs(pod('p', 'n1', {}, { annotations: { 'kubernetes.io/config.mirror': 'x' } })).mirror).toBe(
      true,
    );
  });
});

describe('NodeGraph', () => {
  it('a node reaches what its pods reference, not what pods on other nodes reference', () => {
    const g = new NodeGraph();
    g.addPod(refs(pod('a', 'n1', { volumes: [{ name: 'v', secret: { secretName: 'shared' } }] })));
    g.addPod(
      refs(
        pod('b', 'n2', {
          serviceAccountName: 'b-sa',
          volumes: [
            { name: 'v', secret: { secretName: 'shared' } },
            { name: 'w', secret: { secretName: 'only-b' } },
          ],
        }),
      ),
    );
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'shared')).toBe(true);
    expect(g.hasPathFrom('n2', 'secret', 'ns', 'shared')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'only-b')).toBe(false);
    expect(g.hasPathFrom('n2', 'serviceaccount', 'ns', 'b-sa')).toBe(true);
    expect(g.hasPathFrom('n1', 'serviceaccount', 'ns', 'b-sa')).toBe(false);
    expect(g.hasPathFrom('n1', 'secret', 'other-ns', 'shared')).toBe(false);
    expect(g.hasPathFrom('n3', 'secret', 'ns', 'shared')).toBe(false);
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'a')).toBe(true);
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'b')).toBe(false);
  });

  it('deleting a pod removes the vertices only it kept alive, and shared ones stay', () => {
    const g = new NodeGraph();
    g.addPod(refs(pod('a', 'n1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] })));
    g.addPod(refs(pod('b', 'n1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] })));
    g.deletePod('ns', 'a');
    expect(g.hasPathFrom('n1', 'secret', 'ns', 's')).toBe(true);
    g.deletePod('ns', 'b');
    expect(g.hasPathFrom('n1', 'secret', 'ns', 's')).toBe(false);
    expect(g.dump()).toEqual([]);
  });

  it('re-adding a pod replaces its edges (a pod moved to another node, recreated with other refs)', () => {
    const g = new NodeGraph();
    g.addPod(refs(pod('a', 'n1', { volumes: [{ name: 'v', configMap: { name: 'old' } }] })));
    g.addPod(refs(pod('a', 'n2', { volumes: [{ name: 'v', configMap: { name: 'new' } }] })));
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'old')).toBe(false);
    expect(g.hasPathFrom('n2', 'configmap', 'ns', 'new')).toBe(true);
    expect(g.dump()).toEqual(['configmap/ns/new', 'node//n2', 'pod/ns/a']);
  });

  it('an object many pods share follows each pod in and out (the destination index)', () => {
    const g = new NodeGraph();
    const shared = { name: 'root-ca', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } };
    for (let i = 0; i < 6; i++) g.addPod(refs(pod(`p${i}`, `n${i % 3}`, { volumes: [shared] })));
    for (const n of ['n0', 'n1', 'n2'])
      expect(g.hasPathFrom(n, 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true);
    g.deletePod('ns', 'p0');
    expect(g.hasPathFrom('n0', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true); // p3 is on n0 too
    g.deletePod('ns', 'p3');
    expect(g.hasPathFrom('n0', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(false);
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true);
    // A pod moving to another node moves the access with it.
    g.addPod(refs(pod('p1', 'n0', { volumes: [shared] })));
    expect(g.hasPathFrom('n0', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true);
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true); // p4
    g.deletePod('ns', 'p4');
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(false);
    for (const p of ['p1', 'p2', 'p5']) g.deletePod('ns', p);
    expect(g.dump()).toEqual([]);
  });

  it('mirror pods give their node nothing but the pod itself', () => {
    const g = new NodeGraph();
    const mirror = pod(
      'static',
      'n1',
      { serviceAccountName: 'sa', volumes: [{ name: 'v', secret: { secretName: 's' } }] },
      { annotations: { 'kubernetes.io/config.mirror': 'hash' } },
    );
    g.addPod(refs(mirror));
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'static')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 's')).toBe(false);
    expect(g.hasPathFrom('n1', 'serviceaccount', 'ns', 'sa')).toBe(false);
  });

  it('follows pod → pvc ← pv ← csi secret, and volume attachments to their node', () => {
    const g = new NodeGraph();
    g.addPod(
      refs(pod('db', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] })),
    );
    const pv = {
      metadata: { name: 'pv-1' },
      spec: {
        claimRef: { namespace: 'ns', name: 'data' },
        csi: {
          driver: 'd',
          volumeHandle: 'h',
          nodeStageSecretRef: { namespace: 'kube-system', name: 'stage' },
          controllerPublishSecretRef: { namespace: 'kube-system', name: 'controller-only' },
        },
      },
    };
    expect(pvReferences(pv)).toEqual({
      name: 'pv-1',
      claim: { namespace: 'ns', name: 'data' },
      secrets: [{ namespace: 'kube-system', name: 'stage' }],
    });
    g.addPV(pvReferences(pv));
    expect(g.hasPathFrom('n1', 'pvc', 'ns', 'data')).toBe(true);
    expect(g.hasPathFrom('n1', 'pv', '', 'pv-1')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'kube-system', 'stage')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'kube-system', 'controller-only')).toBe(false);
    expect(g.hasPathFrom('n2', 'pv', '', 'pv-1')).toBe(false);
    g.deletePV('pv-1');
    expect(g.hasPathFrom('n1', 'pv', '', 'pv-1')).toBe(false);
    g.addVolumeAttachment('va', 'n2');
    expect(g.hasPathFrom('n2', 'volumeattachment', '', 'va')).toBe(true);
    g.addVolumeAttachment('va', '');
    expect(g.hasPathFrom('n2', 'volumeattachment', '', 'va')).toBe(false);
  });
});

describe('authorizeNode', () => {
  const node1 = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const g = new NodeGraph();
  g.addPod(
    refs(
      pod('web', 'n1', {
        serviceAccountName: 'web-sa',
        volumes: [
          { name: 'v', secret: { secretName: 'mine' } },
          { name: 'c', configMap: { name: 'my-cm' } },
        ],
      }),
    ),
  );
  g.addPod(refs(pod('other', 'n2', { volumes: [{ name: 'v', secret: { secretName: 'theirs' } }] })));
  const r = (
    verb: string,
    resource: string,
    more: Partial<NodeRequest> = {},
  ): { decision: string; reason: string } =>
    authorizeNode(
      node1,
      { verb, group: '', resource, subresource: '', namespace: 'ns', name: '', ...more },
      g,
    );
  const allow = { decision: 'Allow', reason: '' };
  const noRelation = {
    decision: 'NoOpinion',
    reason: "no relationship found between node 'n1' and this object",
  };

  it('has no opinion on anyone but a node', () => {
    expect(authorizeNode({ name: 'system:node:n1', groups: [] }, { ...base(), verb: 'get' }, g)).toEqual({
      decision: 'NoOpinion',
      reason: '',
    });
    expect(
      authorizeNode({ name: 'alice', groups: ['system:nodes'] }, { ...base(), verb: 'get' }, g).decision,
    ).toBe('NoOpinion');
  });

  it('secrets and configmaps: one named object related to the node, never a list', () => {
    expect(r('get', 'secrets', { name: 'mine' })).toEqual(allow);
    expect(r('get', 'configmaps', { name: 'my-cm' })).toEqual(allow);
    expect(r('get', 'secrets', { name: 'theirs' })).toEqual(noRelation);
    expect(r('get', 'secrets', { name: 'unused' })).toEqual(noRelation);
    // list/watch carry the name of a metadata.name field selector, or none.
    expect(r('list', 'secrets', { name: 'mine' })).toEqual(allow);
    expect(r('watch', 'secrets', { name: 'mine' })).toEqual(allow);
    expect(r('list', 'secrets')).toEqual({ decision: 'NoOpinion', reason: 'No Object name found' });
    expect(r('list', 'secrets', { namespace: '' })).toEqual({
      decision: 'NoOpinion',
      reason: 'can only read namespaced object of this type',
    });
    expect(r('update', 'secrets', { name: 'mine' })).toEqual({
      decision: 'NoOpinion',
      reason: 'can only read resources of this type',
    });
  });

  it('tokens only for the service accounts of its pods', () => {
    expect(r('create', 'serviceaccounts', { name: 'web-sa', subresource: 'token' })).toEqual(allow);
    expect(r('create', 'serviceaccounts', { name: 'default', subresource: 'token' })).toEqual(noRelation);
    expect(r('get', 'serviceaccounts', { name: 'web-sa' }).decision).toBe('NoOpinion');
  });

  it('nodes: writes by verb, reads only its own; pods: get by graph, list only with its spec.nodeName', () => {
    expect(r('create', 'nodes', { namespace: '' })).toEqual(allow);
    expect(r('patch', 'nodes', { namespace: '', name: 'n2', subresource: 'status' })).toEqual(allow);
    expect(r('get', 'nodes', { namespace: '', name: 'n1' })).toEqual(allow);
    expect(r('get', 'nodes', { namespace: '', name: 'n2' })).toEqual({
      decision: 'NoOpinion',
      reason: "node 'n1' cannot read 'n2', only its own Node object",
    });
    expect(r('list', 'nodes', { namespace: '' }).reason).toBe(
      "node 'n1' cannot read all nodes, only its own Node object",
    );
    expect(r('delete', 'nodes', { namespace: '', name: 'n1' }).decision).toBe('NoOpinion');
    expect(r('get', 'pods', { name: 'web' })).toEqual(allow);
    expect(r('get', 'pods', { name: 'other' })).toEqual(noRelation);
    expect(r('list', 'pods', { namespace: '', fieldSelector: 'spec.nodeName=n1' })).toEqual(allow);
    expect(r('watch', 'pods', { namespace: '', fieldSelector: 'spec.nodeName=n2' }).reason).toBe(
      'can only list/watch pods with spec.nodeName field selector',
    );
    expect(r('list', 'pods', { namespace: '', fieldSelector: 'spec.nodeName!=n1' }).decision).toBe(
      'NoOpinion',
    );
    expect(r('update', 'pods', { name: 'web' }).decision).toBe('NoOpinion');
    expect(r('patch', 'pods', { name: 'other', subresource: 'status' })).toEqual(allow);
    expect(r('create', 'pods', { name: 'web', subresource: 'eviction' })).toEqual(allow);
  });

  it('leases only its own in kube-node-lease; the rest from the system:node rules', () => {
    const lease = (verb: string, name: string, namespace = 'kube-node-lease') =>
      r(verb, 'leases', { group: 'coordination.k8s.io', name, namespace });
    expect(lease('update', 'n1')).toEqual(allow);
    expect(lease('create', '')).toEqual(allow);
    expect(lease('update', 'n2').reason).toBe(
      'can only access node lease with the same name as the requesting node',
    );
    expect(lease('get', 'n1', 'default').reason).toBe(
      'can only access leases in the "kube-node-lease" system namespace',
    );
    expect(lease('list', '').reason).toBe('can only get, create, update, patch, or delete a node lease');
    expect(r('create', 'events')).toEqual(allow);
    expect(r('patch', 'events', { name: 'e' })).toEqual(allow);
    expect(r('delete', 'events', { name: 'e' }).decision).toBe('NoOpinion');
    expect(r('watch', 'services')).toEqual(allow);
    expect(r('get', 'endpoints', { name: 'e' })).toEqual(allow);
    expect(r('list', 'endpoints').decision).toBe('NoOpinion');
    expect(r('list', 'endpointslices', { group: 'discovery.k8s.io' }).decision).toBe('NoOpinion');
    expect(r('list', 'runtimeclasses', { group: 'node.k8s.io', namespace: '' })).toEqual(allow);
    expect(r('create', 'tokenreviews', { group: 'authentication.k8s.io', namespace: '' })).toEqual(allow);
    expect(NODE_RULES.some((rule) => rule.resources?.includes('*') || rule.verbs.includes('*'))).toBe(false);
  });
});

function base(): NodeRequest {
  return { verb: '', group: '', resource: 'secrets', subresource: '', namespace: 'ns', name: 'mine' };
}

describe('NodeRestriction', () => {
  const node1 = { name: 'system:node:n1', groups: ['system:nodes'] };
  const lookups = (pods: JsonObject[] = [], nodes: JsonObject[] = []): NodeRestrictionLookups => ({
    getPod: async (ns, name) =>
      pods.find(
        (p) => (p.metadata as JsonObject).name === name && (p.metadata as JsonObject).namespace === ns,
      ),
    getNode: async (name) => nodes.find((n) => (n.metadata as JsonObject).name === name),
  });
  const refusal = async (a: AdmissionAttributes, l = lookups()): Promise<string> => {
    try {
      await admitNodeRestriction(node1, a, l);
    } catch (err) {
      if (err instanceof ApiError) return `${err.statusCode} ${err.message}`;
      throw err;
    }
    return 'admitted';
  };
  const at = (a: Partial<AdmissionAttributes>): AdmissionAttributes => ({
    operation: 'UPDATE',
    group: '',
    resource: 'nodes',
    subresource: '',
    namespace: '',
    name: 'n1',
    ...a,
  });
  const nodeObj = (labels: JsonObject = {}, spec: JsonObject = {}): JsonObject => ({
    metadata: { name: 'n1', uid: 'node-uid', labels },
    spec,
  });

  it('nodes: only its own, no taints, only kubelet labels', async () => {
    expect(await refusal(at({ operation: 'CREATE', name: 'n2', object: { metadata: { name: 'n2' } } }))).toBe(
      '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    );
    expect(await refusal(at({ name: 'n2' }))).toBe(
      '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    );
    const create = (labels: JsonObject) =>
      refusal(at({ operation: 'CREATE', name: 'n1', object: nodeObj(labels) }));
    expect(
      await create({
        'kubernetes.io/hostname': 'n1',
        'node.kubernetes.io/instance-type': 'x',
        'kubelet.kubernetes.io/a': '1',
        'example.com/team': 'a',
      }),
    ).toBe('admitted');
    expect(
      await create({ 'node-restriction.kubernetes.io/pool': 'a', 'node-role.kubernetes.io/master': '' }),
    ).toBe(
      '403 nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/master',
    );
    const update = (labels: JsonObject, spec: JsonObject = {}) =>
      refusal(at({ object: nodeObj(labels, spec), oldObject: nodeObj({ 'kubernetes.io/os': 'linux' }) }));
    expect(await update({ 'kubernetes.io/os': 'linux', 'example.com/x': 'y' })).toBe('admitted');
    expect(await update({})).toBe('admitted');
    expect(await update({ 'kubernetes.io/os': 'linux', 'foo.node-restriction.kubernetes.io/x': 'y' })).toBe(
      '403 nodes "n1" is forbidden: is not allowed to modify labels: foo.node-restriction.kubernetes.io/x',
    );
    expect(
      await update({ 'kubernetes.io/os': 'linux' }, { taints: [{ key: 'k', effect: 'NoSchedule' }] }),
    ).toBe('403 nodes "n1" is forbidden: node "n1" is not allowed to modify taints');
    expect(await update({ 'kubernetes.io/os': 'linux' }, { taints: [] })).toBe('admitted');
  });

  it('pods: mirror pods bound to itself only; delete and status only of its pods; eviction likewise', async () => {
    const node = nodeObj();
    const mirror = (extra: JsonObject = {}, meta: JsonObject = {}) => ({
      metadata: {
        name: 'static-n1',
        namespace: 'ns',
        annotations: { 'kubernetes.io/config.mirror': 'h' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true }],
        ...meta,
      },
      spec: { nodeName: 'n1', containers: [{ name: 'c' }], ...extra },
    });
    const create = (object: JsonObject) =>
      refusal(
        at({ operation: 'CREATE', resource: 'pods', namespace: 'ns', name: 'static-n1', object }),
        lookups([], [node]),
      );
    expect(await create(mirror())).toBe('admitted');
    expect(await create(mirror({}, { annotations: {} }))).toBe(
      '403 pods "static-n1" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
    );
    expect(await create(mirror({ nodeName: 'n2' }))).toBe(
      '403 pods "static-n1" is forbidden: node "n1" can only create pods with spec.nodeName set to itself',
    );
    expect(await create(mirror({}, { ownerReferences: [] }))).toBe(
      '403 pods "static-n1" is forbidden: node "n1" can only create pods with an owner reference set to itself',
    );
    expect(
      await create(
        mirror(
          {},
          {
            ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'stale', controller: true }],
          },
        ),
      ),
    ).toBe('403 pods "static-n1" is forbidden: node n1 UID mismatch: expected stale got node-uid');
    expect(await create(mirror({ volumes: [{ name: 'v', secret: { secretName: 's' } }] }))).toBe(
      '403 pods "static-n1" is forbidden: node "n1" can not create pods that reference secrets',
    );
    expect(await create(mirror({ serviceAccountName: 'default' }))).toBe(
      '403 pods "static-n1" is forbidden: node "n1" can not create pods that reference a service account',
    );
    const mine = pod('mine', 'n1');
    const theirs = pod('theirs', 'n2');
    const del = (p: JsonObject) =>
      refusal(at({ operation: 'DELETE', resource: 'pods', namespace: 'ns', name: 'theirs', oldObject: p }));
    expect(await del(mine)).toBe('admitted');
    expect(await del(theirs)).toBe(
      '403 pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
    );
    const status = (old: JsonObject, next: JsonObject) =>
      refusal(
        at({
          resource: 'pods',
          subresource: 'status',
          namespace: 'ns',
          name: 'p',
          object: next,
          oldObject: old,
        }),
      );
    expect(await status(mine, mine)).toBe('admitted');
    expect(await status(theirs, theirs)).toBe(
      '403 pods "p" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    expect(await status(mine, pod('mine', 'n1', {}, { labels: { a: 'b' } }))).toBe(
      '403 pods "p" is forbidden: node "n1" cannot update labels through pod status',
    );
    const evict = (name: string) =>
      refusal(
        at({ operation: 'CREATE', resource: 'pods', subresource: 'eviction', namespace: 'ns', name }),
        lookups([mine, theirs]),
      );
    expect(await evict('mine')).toBe('admitted');
    expect(await evict('theirs')).toBe(
      '403 pods "theirs" is forbidden: node n1 can only evict pods with spec.nodeName set to itself',
    );
    expect(await evict('gone')).toBe('404 pods "gone" not found');
  });

  it('leases: its own in kube-node-lease; tokens: bound to a pod on this node with its uid', async () => {
    const lease = (
      operation: AdmissionAttributes['operation'],
      name: string,
      namespace = 'kube-node-lease',
    ) =>
      refusal(
        at({
          operation,
          group: 'coordination.k8s.io',
          resource: 'leases',
          namespace,
          name: operation === 'CREATE' ? '' : name,
          object: { metadata: { name } },
        }),
      );
    expect(await lease('CREATE', 'n1')).toBe('admitted');
    expect(await lease('CREATE', 'n2')).toBe(
      '403 leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
    );
    expect(await lease('UPDATE', 'n2')).toBe(
      '403 leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
    );
    expect(await lease('UPDATE', 'n1', 'default')).toBe(
      '403 leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace',
    );
    const l = lookups([pod('mine', 'n1'), pod('theirs', 'n2')]);
    const token = (boundObjectRef?: JsonObject) =>
      refusal(
        at({
          operation: 'CREATE',
          resource: 'serviceaccounts',
          subresource: 'token',
          namespace: 'ns',
          name: 'sa',
          object: { spec: boundObjectRef ? { boundObjectRef } : {} },
        }),
        l,
      );
    expect(await token({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'uid-mine' })).toBe('admitted');
    expect(await token()).toBe(
      '403 serviceaccounts "sa" is forbidden: node requested token not bound to a pod',
    );
    expect(await token({ apiVersion: 'v1', kind: 'Pod', name: 'mine' })).toBe(
      '403 serviceaccounts "sa" is forbidden: node requested token with a pod binding without a uid',
    );
    expect(await token({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'old' })).toBe(
      '403 serviceaccounts "sa" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    );
    expect(await token({ apiVersion: 'v1', kind: 'Pod', name: 'theirs', uid: 'uid-theirs' })).toBe(
      '403 serviceaccounts "sa" is forbidden: node requested token bound to a pod scheduled on a different node',
    );
  });

  it('leaves everyone else alone', async () => {
    const a = at({ operation: 'CREATE', name: 'n2', object: { metadata: { name: 'n2' } } });
    await expect(
      admitNodeRestriction({ name: 'admin', groups: ['system:masters'] }, a, lookups()),
    ).resolves.toBe(undefined);
  });
});
