/**
 * NodeRestriction admission: what a node may write to Nodes, Pods, Leases and tokens, refused
 * with upstream's messages.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lib/api/json.js';
import type { AdmissionAttributes } from './admission.js';
import { admitNodeRestriction, type NodeRestrictionLookups } from './node-restriction.js';
import { ApiError } from './status.js';
import { pod } from './testing/node-fixtures.js';

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
