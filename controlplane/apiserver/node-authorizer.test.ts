/**
 * The Node authorizer's decision table: node_authorizer_test.go's cases that apply here.
 */
import { describe, expect, it } from 'vitest';
import { authorizeNode, NODE_RULES, type NodeRequest } from './node-authorizer.js';
import { NodeGraph } from './node-graph.js';
import { base, pod, refs } from './testing/node-fixtures.js';

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
