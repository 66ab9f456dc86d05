import { describe, expect, it } from 'vitest';
import { describeAction, diffLab, type ObservedLab, type ObservedNamespace } from './diff.js';
import { planLab } from './plan.js';
import { labSpec } from './spec.js';

const plan = planLab(labSpec({ labId: 't', nodes: 1 }));

/** What a fully built lab looks like, derived from the plan. */
function built(p = plan): Map<string, ObservedNamespace> {
  const out = new Map<string, ObservedNamespace>();
  for (const n of p.namespaces) {
    const links = new Map<string, { kind?: string; up: boolean; master?: string }>();
    links.set('lo', { up: true });
    out.set(n.name, {
      links,
      addresses: new Set(p.addresses.filter((a) => a.namespace === n.name).map((a) => `${a.dev} ${a.cidr}`)),
      routes: new Set(p.routes.filter((r) => r.namespace === n.name).map((r) => `${r.dst} via ${r.via}`)),
      sysctls: new Map(p.sysctls.filter((s) => s.namespace === n.name).map((s) => [s.key, s.value])),
    });
  }
  for (const b of p.bridges)
    (out.get(b.namespace)?.links as Map<string, unknown>).set(b.name, { kind: 'bridge', up: true });
  for (const v of p.veths) {
    (out.get(v.namespace)?.links as Map<string, unknown>).set(v.name, { kind: 'veth', up: true });
    (out.get(v.peerNamespace)?.links as Map<string, unknown>).set(v.peerName, {
      kind: 'veth',
      up: true,
      master: v.peerMaster,
    });
  }
  return out;
}

const names = plan.namespaces.map((n) => n.name);

describe('diffLab', () => {
  it('builds everything from nothing, namespaces first and links up last', () => {
    const actions = diffLab(plan, { namespaces: new Map() }, []).map(describeAction);
    expect(actions.slice(0, 5)).toEqual(names.map((n) => `create-netns ${n}`));
    expect(actions).toContain('create-bridge sy-t-fabric/fabric0');
    expect(actions).toContain('create-veth sy-t-node-1/eth0 sy-t-fabric/veth-node-1');
    expect(actions).toContain('set-master sy-t-fabric/veth-node-1 fabric0');
    expect(actions).toContain('add-address sy-t-node-1/eth0 172.30.0.11/16');
    expect(actions).toContain('set-sysctl sy-t-node-1 net.ipv4.ip_forward=1');
    expect(actions.at(-1)).toBe('set-up sy-t-router/eth0');
    expect(actions.filter((a) => a.startsWith('set-up'))).toHaveLength(plan.up.length);
  });

  it('has nothing to do on a finished lab', () => {
    expect(diffLab(plan, { namespaces: built() }, names)).toEqual([]);
  });

  it('repairs only what is missing or wrong', () => {
    const observed = built();
    const fabric = observed.get('sy-t-fabric') as ObservedNamespace;
    const node = observed.get('sy-t-node-1') as ObservedNamespace;
    (node.links as Map<string, unknown>).delete('eth0'); // peer left alone: half a veth
    (fabric.links as Map<string, unknown>).set('veth-cp', { kind: 'veth', up: false }); // fell off the bridge
    (node.sysctls as Map<string, string>).set('net.ipv4.ip_forward', '0');
    const lab: ObservedLab = { namespaces: observed };
    expect(diffLab(plan, lab, [...names, 'sy-t-node-2']).map(describeAction)).toEqual([
      'delete-netns sy-t-node-2',
      'set-master sy-t-fabric/veth-cp fabric0',
      'delete-link sy-t-fabric/veth-node-1 (not our veth)',
      'create-veth sy-t-node-1/eth0 sy-t-fabric/veth-node-1',
      'set-master sy-t-fabric/veth-node-1 fabric0',
      'set-sysctl sy-t-node-1 net.ipv4.ip_forward=1',
      'set-up sy-t-fabric/veth-cp',
      'set-up sy-t-fabric/veth-node-1',
      'set-up sy-t-node-1/eth0',
    ]);
  });

  it('replaces a non-bridge under the bridge name and follows LB mode changes', () => {
    const bgp = planLab(labSpec({ labId: 't', nodes: 1, lbMode: 'bgp' }));
    const observed = built(bgp);
    (observed.get('sy-t-fabric')?.links as Map<string, unknown>).set('fabric0', { kind: 'veth', up: true });
    expect(diffLab(bgp, { namespaces: observed }, names).map(describeAction)).toEqual([
      'delete-link sy-t-fabric/fabric0 (is a veth link, not a bridge)',
      'create-bridge sy-t-fabric/fabric0',
      'set-up sy-t-fabric/fabric0',
    ]);
    // Back to L2: the client's route to the pool goes.
    expect(diffLab(plan, { namespaces: built(bgp) }, names).map(describeAction)).toEqual([
      'delete-route sy-t-client 172.30.200.0/24 via 172.30.0.254',
    ]);
    expect(diffLab(bgp, { namespaces: built() }, names).map(describeAction)).toEqual([
      'replace-route sy-t-client 172.30.200.0/24 via 172.30.0.254 dev eth0',
    ]);
  });
});
