import { describe, expect, it } from 'vitest';
import { isInvalid } from '../lib/errors/index.js';
import { dumpPlan, fabricPortName, labTargets, planLab } from './plan.js';
import { labSpec, MAX_NODES } from './spec.js';

describe('labSpec', () => {
  it('defaults to three nodes in L2 mode and freezes the result', () => {
    const spec = labSpec({ labId: 'abc123' });
    expect(spec).toEqual({ labId: 'abc123', nodes: 3, lbMode: 'l2' });
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it.each([
    [{ labId: 'Bad_Id' }, 'labId: must be 1–32 lower-case letters, digits or inner dashes, got "Bad_Id"'],
    [{ labId: 'x-' }, 'labId: must be 1–32'],
    [{ labId: 'x', nodes: 0 }, `nodes: must be an integer 1–${MAX_NODES}, got 0`],
    [{ labId: 'x', nodes: 90 }, `nodes: must be an integer 1–${MAX_NODES}, got 90`],
    [{ labId: 'x', nodes: 1.5 }, 'nodes: must be an integer'],
    [{ labId: 'x', lbMode: 'ospf' }, 'lbMode: must be "l2" or "bgp", got "ospf"'],
  ])('rejects %j naming the field', (input, message) => {
    let caught: unknown;
    try {
      labSpec(input);
    } catch (err: unknown) {
      caught = err;
    }
    expect(isInvalid(caught)).toBe(true);
    expect((caught as Error).message).toContain(message);
  });
});

describe('planLab', () => {
  it('lays out docs/architecture.md §4 for two nodes in L2 mode', () => {
    const plan = planLab(labSpec({ labId: 'r1-lab', nodes: 2 }));
    expect(plan.prefix).toBe('sy-r1-lab-');
    expect(plan.namespaces.map((n) => n.name)).toEqual([
      'sy-r1-lab-fabric',
      'sy-r1-lab-control-plane',
      'sy-r1-lab-node-1',
      'sy-r1-lab-node-2',
      'sy-r1-lab-client',
      'sy-r1-lab-router',
    ]);
    expect(dumpPlan(plan)).toBe(
      [
        'addr client/eth0 172.30.0.100/16',
        'addr control-plane/eth0 172.30.0.2/16',
        'addr fabric/fabric0 172.30.0.1/16',
        'addr node-1/eth0 172.30.0.11/16',
        'addr node-2/eth0 172.30.0.12/16',
        'addr router/eth0 172.30.0.254/16',
        'bridge fabric fabric0',
        'netns client client 172.30.0.100',
        'netns control-plane control-plane 172.30.0.2',
        'netns fabric fabric 172.30.0.1',
        'netns node-1 node 172.30.0.11',
        'netns node-2 node 172.30.0.12',
        'netns router router 172.30.0.254',
        'sysctl node-1 net.ipv4.ip_forward=1',
        'sysctl node-2 net.ipv4.ip_forward=1',
        'sysctl router net.ipv4.conf.all.send_redirects=0',
        'sysctl router net.ipv4.ip_forward=1',
        'up client/eth0',
        'up client/lo',
        'up control-plane/eth0',
        'up control-plane/lo',
        'up fabric/fabric0',
        'up fabric/lo',
        'up fabric/veth-client',
        'up fabric/veth-cp',
        'up fabric/veth-node-1',
        'up fabric/veth-node-2',
        'up fabric/veth-router',
        'up node-1/eth0',
        'up node-1/lo',
        'up node-2/eth0',
        'up node-2/lo',
        'up router/eth0',
        'up router/lo',
        'veth client/eth0 fabric/veth-client master fabric0',
        'veth control-plane/eth0 fabric/veth-cp master fabric0',
        'veth node-1/eth0 fabric/veth-node-1 master fabric0',
        'veth node-2/eth0 fabric/veth-node-2 master fabric0',
        'veth router/eth0 fabric/veth-router master fabric0',
        '',
      ].join('\n'),
    );
  });

  it('routes the client to the LB pool through the router only in BGP mode', () => {
    const l2 = planLab(labSpec({ labId: 'x', nodes: 1 }));
    const bgp = planLab(labSpec({ labId: 'x', nodes: 1, lbMode: 'bgp' }));
    expect(l2.routes).toEqual([]);
    expect(bgp.routes).toEqual([
      { namespace: 'sy-x-client', dst: '172.30.200.0/24', via: '172.30.0.254', dev: 'eth0' },
    ]);
  });

  it('gives the largest lab unique addresses and interface names within 15 bytes', () => {
    const plan = planLab(labSpec({ labId: 'x', nodes: MAX_NODES }));
    const addresses = plan.addresses.map((a) => a.cidr);
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(addresses).toContain('172.30.0.99/16');
    for (const v of plan.veths) expect(v.peerName.length).toBeLessThanOrEqual(15);
    expect(labTargets(2)).toEqual(['fabric', 'control-plane', 'node-1', 'node-2', 'client', 'router']);
    expect(fabricPortName('control-plane')).toBe('veth-cp');
  });
});
