import { describe, expect, it } from 'vitest';
import { labNodes, nodeKubeconfig, parseNodesFile, planRuntime } from './nodes.js';
import type { LabState } from './state.js';

const state: LabState = {
  version: 1,
  labId: 'ab12',
  prefix: 'sy-ab12-',
  nodes: 2,
  lbMode: 'l2',
  namespaces: ['fabric', 'control-plane', 'node-1', 'node-2'].map((t) => ({
    target: t,
    name: `sy-ab12-${t}`,
  })),
  createdAt: '2026-12-05T00:00:00.000Z',
};

describe('labNodes', () => {
  it('gives each node its dirs under the state dir (named by namespace), containerd and kubelet', () => {
    const [one, two] = labNodes(state, '/s');
    expect(two?.name).toBe('node-2');
    expect(one).toMatchObject({
      name: 'node-1',
      namespace: 'sy-ab12-node-1',
      address: '172.30.0.11',
      dir: '/s/nodes/sy-ab12-node-1',
      user: 'system:node:node-1',
      groups: ['system:nodes'],
      kubeconfig: '/s/nodes/sy-ab12-node-1/kubelet.kubeconfig',
      containerd: {
        dir: '/s/nodes/sy-ab12-node-1/containerd',
        netns: 'sy-ab12-node-1',
        cniBinDir: '/s/nodes/sy-ab12-node-1/cni-bin',
        cniConfDir: '/s/nodes/sy-ab12-node-1/net.d',
        sandboxImage: 'switchyard.local/pause:1',
      },
    });
    expect(one?.kubelet).toEqual({
      name: 'kubelet/node-1',
      target: 'node-1',
      namespace: 'sy-ab12-node-1',
      args: [
        'kubelet',
        '--kubeconfig',
        '/s/nodes/sy-ab12-node-1/kubelet.kubeconfig',
        '--node-name',
        'node-1',
        '--node-ip',
        '172.30.0.11',
        '--containerd-socket',
        '/s/nodes/sy-ab12-node-1/containerd/containerd.sock',
        '--cni-conf-dir',
        '/s/nodes/sy-ab12-node-1/net.d',
        '--root-dir',
        '/s/nodes/sy-ab12-node-1/kubelet',
        '--pod-logs-dir',
        '/s/nodes/sy-ab12-node-1/pods',
        '--client-ca-file',
        '/s/apiserver/pki/ca.crt',
        '--metrics-addr',
        '172.30.0.11:10248',
      ],
      health: { scheme: 'http', host: '172.30.0.11', port: 10248, path: '/healthz' },
      log: '/s/nodes/sy-ab12-node-1/kubelet.log',
    });
  });

  it('names a missing node namespace', () => {
    expect(() => labNodes({ ...state, nodes: 3 }, '/s')).toThrow(
      /namespaces: lab ab12 has no node-3 namespace/,
    );
  });
});

describe('nodeKubeconfig', () => {
  const admin = JSON.stringify({
    clusters: [
      {
        name: 'switchyard',
        cluster: { server: 'https://172.30.0.2:6443', 'certificate-authority-data': 'Q0E=' },
      },
    ],
    users: [{ name: 'admin', user: { 'client-key-data': 'secret' } }],
  });

  it("keeps the admin kubeconfig's cluster and uses only the node's token", () => {
    const doc = JSON.parse(nodeKubeconfig({ admin, user: 'system:node:node-1', token: 't0k' }));
    expect(doc.clusters).toEqual([
      {
        name: 'switchyard',
        cluster: { server: 'https://172.30.0.2:6443', 'certificate-authority-data': 'Q0E=' },
      },
    ]);
    expect(doc.users).toEqual([{ name: 'system:node:node-1', user: { token: 't0k' } }]);
    expect(doc.contexts[0].context).toEqual({ cluster: 'switchyard', user: 'system:node:node-1' });
    expect(JSON.stringify(doc)).not.toContain('secret');
  });

  it('names what is wrong with the admin kubeconfig', () => {
    expect(() => nodeKubeconfig({ admin: '{', user: 'u', token: 't' })).toThrow(/admin kubeconfig/);
    expect(() => nodeKubeconfig({ admin: '{"clusters":[]}', user: 'u', token: 't' })).toThrow(/clusters/);
  });
});

describe('parseNodesFile', () => {
  it('reads records back and names a bad field', () => {
    const raw = {
      version: 1,
      nodes: {
        'node-1': {
          containerd: { pid: 10, startTicks: 5 },
          kubelet: { pid: 11, startTicks: 6, args: ['kubelet'] },
        },
        'node-2': {},
      },
    };
    expect(parseNodesFile('f', raw)).toEqual(raw);
    expect(() =>
      parseNodesFile('f', { version: 1, nodes: { 'node-1': { containerd: { pid: 'x' } } } }),
    ).toThrow(/f: nodes.node-1.containerd/);
    expect(() =>
      parseNodesFile('f', { version: 1, nodes: { 'node-1': { kubelet: { pid: 1, startTicks: 1 } } } }),
    ).toThrow(/f: nodes.node-1.kubelet.args/);
    expect(() => parseNodesFile('f', { version: 2 })).toThrow(/f: version/);
  });
});

describe('planRuntime', () => {
  it('keeps a running containerd that answers, starts a dead one, restarts a silent one', () => {
    expect(planRuntime(undefined, { running: false, answers: false })).toEqual({
      kind: 'start',
      reason: 'was not running',
    });
    expect(planRuntime(9, { running: false, answers: false })).toEqual({
      kind: 'start',
      reason: 'pid 9 is gone',
    });
    expect(planRuntime(9, { running: true, answers: false })).toEqual({
      kind: 'restart',
      reason: 'pid 9 does not answer CRI',
    });
    expect(planRuntime(9, { running: true, answers: true }).kind).toBe('keep');
  });
});
