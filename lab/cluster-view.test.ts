import { describe, expect, it } from 'vitest';
import { demoProblems, formatCluster, nodeProblems, nodeViews, podViews } from './cluster-view.js';

const nodes = {
  items: [
    {
      metadata: { name: 'node-1' },
      spec: { podCIDR: '10.244.1.0/24' },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
    },
    { metadata: { name: 'node-2' }, spec: {}, status: {} },
  ],
};

const pods = {
  items: [
    {
      metadata: { namespace: 'demo', name: 'hello-a' },
      spec: { nodeName: 'node-1' },
      status: {
        phase: 'Running',
        podIP: '10.244.1.2',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'httpd', ready: true, restartCount: 1, state: { running: {} } }],
      },
    },
    {
      metadata: { namespace: 'demo', name: 'hello-b' },
      spec: { nodeName: 'node-1' },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'httpd',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ErrImageNeverPull', message: 'no image' } },
          },
        ],
      },
    },
    {
      metadata: { namespace: 'demo', name: 'hello-c' },
      spec: {},
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', message: '0/2 nodes are available' }],
      },
    },
  ],
};

describe('cluster views', () => {
  it('cuts Nodes and Pods down to what is shown', () => {
    expect(nodeViews(nodes)).toEqual([
      { name: 'node-1', ready: 'True', reason: 'KubeletReady', podCIDR: '10.244.1.0/24' },
      { name: 'node-2', ready: 'missing', reason: '', podCIDR: '' },
    ]);
    expect(podViews(pods)).toEqual([
      {
        namespace: 'demo',
        name: 'hello-a',
        node: 'node-1',
        phase: 'Running',
        ready: true,
        ip: '10.244.1.2',
        restarts: 1,
        why: '',
      },
      {
        namespace: 'demo',
        name: 'hello-b',
        node: 'node-1',
        phase: 'Pending',
        ready: false,
        ip: '',
        restarts: 0,
        why: 'httpd: ErrImageNeverPull no image',
      },
      {
        namespace: 'demo',
        name: 'hello-c',
        node: '',
        phase: 'Pending',
        ready: false,
        ip: '',
        restarts: 0,
        why: 'unscheduled: 0/2 nodes are available',
      },
    ]);
  });

  it('names every node and pod that keeps the demo from being ready', () => {
    expect(demoProblems(nodeViews(nodes), podViews(pods), 3)).toEqual([
      'node node-2 not Ready (missing)',
      '1 of 3 hello pods Ready',
      'pod demo/hello-b on node-1: Pending, httpd: ErrImageNeverPull no image',
      'pod demo/hello-c on (no node): Pending, unscheduled: 0/2 nodes are available',
    ]);
    expect(
      demoProblems(nodeViews({ items: [nodes.items[0]] }), podViews({ items: [pods.items[0]] }), 1),
    ).toEqual([]);
  });

  it('waits for every node of the lab, registered and Ready, before the demo is applied', () => {
    expect(nodeProblems(['node-1', 'node-2', 'node-3'], nodeViews(nodes))).toEqual([
      'node node-2 not Ready (missing)',
      'node node-3 not registered yet',
    ]);
    expect(nodeProblems(['node-1'], nodeViews(nodes))).toEqual([]);
  });

  it('formats nodes and pods as aligned tables', () => {
    const text = formatCluster(nodeViews({ items: [nodes.items[0]] }), podViews({ items: [pods.items[0]] }));
    expect(text).toBe(
      [
        'nodes:',
        '  NODE    READY  POD CIDR',
        '  node-1  Ready  10.244.1.0/24',
        'pods:',
        '  POD           NODE    READY  IP          RESTARTS  STATUS',
        '  demo/hello-a  node-1  yes    10.244.1.2  1         Running',
        '',
      ].join('\n'),
    );
    expect(formatCluster([], [])).toBe('nodes:\n  (none registered)\npods:\n  (none)\n');
  });
});
