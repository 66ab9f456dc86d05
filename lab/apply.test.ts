import { describe, expect, it } from 'vitest';
import { FakeNetlink } from '../lib/netlink/index.js';
import { applyPlan } from './apply.js';
import { planLab } from './plan.js';
import { labSpec } from './spec.js';
import { fakeNetns } from './testing/fake-netns.js';

/** A namespace dump without IPv6 lines: the lab is IPv4, and loopback's IPv6 is the kernel's business. */
function dumpV4(fake: FakeNetlink, ns: string): string {
  return fake
    .dump(ns)
    .split('\n')
    .filter((line) => !line.includes('::'))
    .join('\n');
}

function setup() {
  const fake = new FakeNetlink();
  return { fake, deps: { netlink: fake, netns: fakeNetns(fake) } };
}

describe('applyPlan over FakeNetlink', () => {
  it('builds the fabric and the members as planned, then has nothing left to do', async () => {
    const { fake, deps } = setup();
    const plan = planLab(labSpec({ labId: 'f1', nodes: 2 }));
    const actions = await applyPlan(plan, deps);
    expect(actions.filter((a) => a.startsWith('create-netns'))).toHaveLength(6);
    expect(fake.namespaces()).toEqual(plan.namespaces.map((n) => n.name).sort());
    expect(dumpV4(fake, 'sy-f1-fabric')).toBe(
      [
        'addr fabric0 172.30.0.1/16 scope universe',
        'addr lo 127.0.0.1/8 scope host',
        'link fabric0 bridge up mtu 1500',
        'link lo device up mtu 65536',
        'link veth-client veth up mtu 1500 master fabric0',
        'link veth-cp veth up mtu 1500 master fabric0',
        'link veth-node-1 veth up mtu 1500 master fabric0',
        'link veth-node-2 veth up mtu 1500 master fabric0',
        'link veth-router veth up mtu 1500 master fabric0',
        'route 172.30.0.0/16 dev fabric0 proto kernel scope link src 172.30.0.1',
        '',
      ].join('\n'),
    );
    expect(dumpV4(fake, 'sy-f1-node-2')).toBe(
      [
        'addr eth0 172.30.0.12/16 scope universe',
        'addr lo 127.0.0.1/8 scope host',
        'link eth0 veth up mtu 1500',
        'link lo device up mtu 65536',
        'route 172.30.0.0/16 dev eth0 proto kernel scope link src 172.30.0.12',
        '',
      ].join('\n'),
    );
    expect(await fake.getSysctl('sy-f1-node-2', 'net.ipv4.ip_forward')).toBe('1');
    expect(await fake.getSysctl('sy-f1-router', 'net.ipv4.conf.all.send_redirects')).toBe('0');
    expect(await applyPlan(plan, deps)).toEqual([]);
  });

  it('converges a lab to fewer nodes and to BGP mode, and back', async () => {
    const { fake, deps } = setup();
    await applyPlan(planLab(labSpec({ labId: 'f2', nodes: 3 })), deps);
    const smaller = planLab(labSpec({ labId: 'f2', nodes: 2, lbMode: 'bgp' }));
    expect(await applyPlan(smaller, deps)).toEqual([
      'delete-netns sy-f2-node-3',
      'replace-route sy-f2-client 172.30.200.0/24 via 172.30.0.254 dev eth0',
    ]);
    // The node's veth went with its namespace, as in the kernel.
    expect(fake.dump('sy-f2-fabric')).not.toContain('veth-node-3');
    expect(fake.dump('sy-f2-client')).toContain('route 172.30.200.0/24 via 172.30.0.254 dev eth0');
    expect(await applyPlan(planLab(labSpec({ labId: 'f2', nodes: 2 })), deps)).toEqual([
      'delete-route sy-f2-client 172.30.200.0/24 via 172.30.0.254',
    ]);
    expect(fake.dump('sy-f2-client')).not.toContain('172.30.200.0/24');
  });

  it('leaves other labs alone, even one whose id starts with ours', async () => {
    const { fake, deps } = setup();
    await applyPlan(planLab(labSpec({ labId: 'a-b', nodes: 1 })), deps);
    await applyPlan(planLab(labSpec({ labId: 'a', nodes: 1 })), deps);
    expect(fake.namespaces().filter((n) => n.startsWith('sy-a-b-'))).toHaveLength(5);
    expect(await applyPlan(planLab(labSpec({ labId: 'a', nodes: 1 })), deps)).toEqual([]);
  });

  it('stops at the first kernel error and a later run finishes the job', async () => {
    const { fake, deps } = setup();
    const plan = planLab(labSpec({ labId: 'f3', nodes: 1 }));
    // Somebody else's device holds the client's port name in the fabric.
    fake.addNamespace('sy-f3-fabric');
    await fake.createBridge('sy-f3-fabric', { name: 'veth-client' });
    const actions = await applyPlan(plan, deps);
    expect(actions).toContain('delete-link sy-f3-fabric/veth-client (not our veth)');
    expect(fake.dump('sy-f3-fabric')).toContain('link veth-client veth up mtu 1500 master fabric0');
    expect(await applyPlan(plan, deps)).toEqual([]);
  });
});
