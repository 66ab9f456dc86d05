/**
 * The plan-to-apply path without root, over lib/netlink's and lib/nft's in-memory fakes: a
 * node converges in one sync, a second changes nothing, the dumps show exactly the entries of
 * the design (overlay/README.md), and a host-gw switch leaves only routes behind.
 */
import { describe, expect, it } from 'vitest';
import { FakeNetlink } from '../lib/netlink/index.js';
import { type ExecFn, FakeNft } from '../lib/nft/index.js';
import { findUnderlay, masqueradeTransaction, overlayNft, syncKernel } from './apply.js';
import { type Backend, type OverlayNode, vtepMacFor } from './model.js';
import type { PlanInput } from './plan.js';

const NS = 'node-1';

async function fakeNode(): Promise<FakeNetlink> {
  const nl = new FakeNetlink();
  nl.addNamespace(NS);
  nl.addNamespace('fabric');
  await nl.createVeth(NS, { name: 'eth0', peerName: 'p1', peerNs: 'fabric', mtu: 1500 });
  await nl.addAddress(NS, { link: 'eth0', address: '172.30.0.11/16' });
  await nl.setLink(NS, { name: 'eth0', up: true });
  return nl;
}

const peers = (backend: Backend): OverlayNode[] =>
  [1, 2, 3].map((i) => ({
    name: `node-${i}`,
    podCIDR: `10.244.${i}.0/24`,
    nodeIP: `172.30.0.${10 + i}`,
    vtepMac: vtepMacFor(`node-${i}`),
    backend,
  }));

async function input(nl: FakeNetlink, backend: Backend): Promise<PlanInput> {
  const u = await findUnderlay(nl, NS, { nodeIP: '172.30.0.11' });
  return {
    backend,
    vni: 1,
    clusterCIDR: '10.244.0.0/16',
    nodeName: 'node-1',
    podCIDR: '10.244.1.0/24',
    nodeIP: u.nodeIP,
    underlayDev: u.dev,
    underlayMtu: u.mtu,
    vtepMac: vtepMacFor('node-1'),
    nodes: peers(backend),
  };
}

describe('syncKernel over the fakes', () => {
  it('converges in one sync and changes nothing in the next', async () => {
    const nl = await fakeNode();
    const nft = new FakeNft();
    const first = await syncKernel({ nl, nft, ns: NS }, await input(nl, 'vxlan'));
    expect(first.actions).toHaveLength(9);
    expect(first).toMatchObject({ masquerade: true, forwarding: true });
    const dump = nl.dump(NS);
    for (const want of [
      'sy-vx.1',
      '10.244.1.0/32',
      '10.244.2.0/24 via 10.244.2.0 dev sy-vx.1',
      `${vtepMacFor('node-3')} dst 172.30.0.13`,
    ])
      expect(dump).toContain(want);
    expect(nft.dump()).toContain('ip saddr 10.244.0.0/16 masquerade');
    expect(await syncKernel({ nl, nft, ns: NS }, await input(nl, 'vxlan'))).toEqual({
      actions: [],
      masquerade: false,
      forwarding: false,
    });
  });

  it('switching to host-gw leaves routes via the peers and no device', async () => {
    const nl = await fakeNode();
    const nft = new FakeNft();
    await syncKernel({ nl, nft, ns: NS }, await input(nl, 'vxlan'));
    await syncKernel({ nl, nft, ns: NS }, await input(nl, 'host-gw'));
    const dump = nl.dump(NS);
    expect(dump).not.toContain('sy-vx.1');
    expect(dump).toContain('10.244.3.0/24 via 172.30.0.13');
    expect((await syncKernel({ nl, nft, ns: NS }, await input(nl, 'host-gw'))).actions).toEqual([]);
  });

  it('the masquerade transaction replaces only its own table', () => {
    expect(masqueradeTransaction('10.244.0.0/16').toString()).toMatchInlineSnapshot(`
      "add table ip switchyard-overlay
      delete table ip switchyard-overlay
      add table ip switchyard-overlay
      add chain ip switchyard-overlay postrouting { type nat hook postrouting priority 100 ; }
      add rule ip switchyard-overlay postrouting ip saddr 10.244.0.0/16 ip daddr 10.244.0.0/16 return
      add rule ip switchyard-overlay postrouting ip daddr 224.0.0.0/4 return
      add rule ip switchyard-overlay postrouting ip saddr 10.244.0.0/16 masquerade
      "
    `);
  });

  it('runs nft in the own namespace without --netns, through `ip netns exec` with it', async () => {
    const calls: string[] = [];
    const exec: ExecFn = async (file, args) => {
      calls.push([file, ...args].join(' '));
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    await overlayNft(undefined, exec).run(masqueradeTransaction('10.244.0.0/16'));
    await overlayNft('sy-node-1', exec).run(masqueradeTransaction('10.244.0.0/16'));
    expect(calls).toEqual(['nft -f -', 'ip netns exec sy-node-1 nft -f -']);
  });

  it('findUnderlay names the flag when nothing matches', async () => {
    const nl = await fakeNode();
    await expect(findUnderlay(nl, NS, { nodeIP: '10.9.9.9' })).rejects.toThrow(/^--node-ip: /);
    await expect(findUnderlay(nl, NS, { iface: 'eth9' })).rejects.toThrow(/^--iface: /);
  });
});
