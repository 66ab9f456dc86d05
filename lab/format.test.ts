import { describe, expect, it } from 'vitest';
import { formatClean } from './clean.js';
import { formatUp, targetNamespace } from './lab.js';
import { planLab } from './plan.js';
import { labSpec } from './spec.js';
import type { LabState } from './state.js';
import { formatStatus, type LabStatus, targetAddress } from './status.js';

const plan = planLab(labSpec({ labId: 'ab12', nodes: 2 }));
const state: LabState = {
  version: 1,
  labId: 'ab12',
  prefix: plan.prefix,
  nodes: 2,
  lbMode: 'l2',
  namespaces: plan.namespaces.map((n) => ({ target: n.target, name: n.name })),
  createdAt: '2026-11-22T01:00:00.000Z',
};

describe('formatUp', () => {
  it('lists namespaces and addresses and says how to exec', () => {
    const text = formatUp({ state, plan, actions: [] });
    expect(text).toContain('lab ab12: 2 node(s), lb-mode l2 (already up, nothing changed)');
    expect(text).toContain('  fabric         sy-ab12-fabric         172.30.0.1/16 (bridge fabric0)');
    expect(text).toContain('  node-2         sy-ab12-node-2         172.30.0.12/16');
    expect(text).toContain('switchyard exec node-1 -- ping -c1 172.30.0.12');
    expect(formatUp({ state, plan, actions: ['create-netns x'] })).toContain('(1 change(s))');
  });
});

describe('targets', () => {
  it('maps targets to namespaces and addresses, and names the valid ones on error', () => {
    expect(targetNamespace(state, 'node-2')).toBe('sy-ab12-node-2');
    expect(() => targetNamespace(state, 'node-3')).toThrow(
      'target: unknown target "node-3"; one of: fabric, control-plane, node-1, node-2, client, router',
    );
    expect(plan.namespaces.map((n) => targetAddress(n.target))).toEqual(
      plan.namespaces.map((n) => n.address),
    );
  });
});

describe('formatStatus', () => {
  it('shows links, addresses, reachability and a verdict', () => {
    const status: LabStatus = {
      state,
      lease: {
        version: 1,
        labId: 'ab12',
        prefix: plan.prefix,
        stateFile: '/s/lab.json',
        owner: { kind: 'detached' },
      },
      namespaces: [
        {
          target: 'fabric',
          name: 'sy-ab12-fabric',
          exists: true,
          address: '172.30.0.1',
          links: [
            { name: 'lo', up: true, lowerUp: false },
            { name: 'fabric0', up: true, lowerUp: true },
            { name: 'veth-node-1', up: true, lowerUp: false, master: 'fabric0' },
          ],
          addresses: ['127.0.0.1/8', '172.30.0.1/16'],
          processes: 0,
        },
        {
          target: 'node-1',
          name: 'sy-ab12-node-1',
          exists: true,
          address: '172.30.0.11',
          links: [{ name: 'eth0', up: false, lowerUp: false }],
          addresses: ['172.30.0.11/16'],
          processes: 2,
          reachable: false,
        },
        {
          target: 'node-2',
          name: 'sy-ab12-node-2',
          exists: false,
          address: '172.30.0.12',
          links: [],
          addresses: [],
          processes: 0,
        },
      ],
    };
    expect(formatStatus(status)).toBe(
      [
        'lab ab12: 2 node(s), lb-mode l2, owner detached (until "switchyard down"), DEGRADED',
        '  fabric  sy-ab12-fabric  172.30.0.1/16  [lo:UP fabric0:UP veth-node-1:NO-CARRIER]  0 process(es)',
        '  node-1  sy-ab12-node-1  172.30.0.11/16  [eth0:DOWN]  2 process(es)  ping FAILED',
        '  node-2  sy-ab12-node-2  MISSING',
        '',
      ].join('\n'),
    );
  });
});

describe('formatClean', () => {
  it('says what went, what stayed and why', () => {
    const report = {
      deleteNamespaces: [{ name: 'sy-x-fabric', reason: 'lab x: owner process 9 is gone' }],
      keepNamespaces: [{ name: 'sy-y-fabric', reason: 'lab y is alive' }],
      removeFiles: [
        { name: '/run/switchyard/labs/x.json', reason: 'lease of lab x: owner process 9 is gone' },
      ],
      unreadable: [],
      removeRuntimes: [
        {
          name: '/s/nodes/sy-x-node-1',
          reason: 'node runtime of sy-x-node-1: lab x: owner process 9 is gone',
          pids: [40, 41],
        },
      ],
    };
    expect(formatClean(report, true)).toBe(
      [
        'would delete namespace sy-x-fabric: lab x: owner process 9 is gone',
        'would stop and remove /s/nodes/sy-x-node-1 (2 process(es)): node runtime of sy-x-node-1: lab x: owner process 9 is gone',
        'would remove /run/switchyard/labs/x.json: lease of lab x: owner process 9 is gone',
        'kept namespace sy-y-fabric: lab y is alive',
        '',
      ].join('\n'),
    );
    expect(
      formatClean({
        deleteNamespaces: [],
        keepNamespaces: [],
        removeFiles: [],
        unreadable: [],
        removeRuntimes: [],
      }),
    ).toBe('nothing to clean\n');
  });
});
