import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { ErrorCode, isAlreadyExists, isInvalid, isNotFound, SwitchyardError } from '../errors/index.js';
import { createNetns, deleteNetns, netnsPath, runInNetns } from '../netns/index.js';
import { createNetlink, dumpNetlink, FakeNetlink, type Netlink } from './index.js';

async function rejection(p: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await p;
  } catch (err: unknown) {
    return err as SwitchyardError;
  }
  return new SwitchyardError(ErrorCode.System, 'no rejection', { errno: 0 });
}

async function ping(ns: string, ip: string): Promise<number> {
  const r = await runInNetns(
    ns,
    { cmd: 'ping', args: ['-c', '1', '-W', '2', '-q', ip] },
    { timeoutMs: 5000 },
  );
  return r.exitCode;
}

/** Namespaces for one describe block, removed in afterAll whatever happened. */
function namespaces(count: number, tag: string): string[] {
  const names = Array.from({ length: count }, () => uniqueName(tag));
  beforeAll(() => {
    for (const n of names) createNetns(n);
  });
  afterAll(() => {
    for (const n of names) deleteNetns(n, { ignoreMissing: true });
  });
  return names;
}

describeKernel('lib/netlink on the real kernel', () => {
  const nl = createNetlink();
  afterAll(() => nl.dispose());

  describe('a veth pair between two namespaces', () => {
    const [a = '', b = ''] = namespaces(2, 've');

    it('is created with its peer directly in the other namespace and carries ping', async () => {
      await nl.createVeth(a, { name: 'va', peerName: 'vb', peerNs: b, mtu: 1400 });
      // The peer never existed in a: cross-check with iproute2.
      const inA = await runInNetns(a, { cmd: 'ip', args: ['-o', 'link', 'show'] });
      expect(inA.stdout).not.toContain('vb');
      const inB = await runInNetns(b, { cmd: 'ip', args: ['-o', 'link', 'show', 'vb'] });
      expect(inB.stdout).toContain('mtu 1400');
      for (const [ns, dev, ip] of [
        [a, 'va', '10.77.0.1/24'],
        [b, 'vb', '10.77.0.2/24'],
      ] as const) {
        await nl.addAddress(ns, { link: dev, address: ip });
        await nl.setLink(ns, { name: dev, up: true });
      }
      await nl.setLink(a, { name: 'va', mac: '02:77:00:00:00:01' });
      const va = await nl.getLink(a, 'va');
      expect(va.mac).toBe('02:77:00:00:00:01');
      expect(va).toMatchObject({ name: 'va', kind: 'veth', up: true, mtu: 1400 });
      expect(va.linkIndex).toBe((await nl.getLink(b, 'vb')).index);
      expect(await nl.listAddresses(a, { family: 4, link: 'va' })).toEqual([
        { link: 'va', family: 4, address: '10.77.0.1/24', scope: 'universe' },
      ]);
      expect(await ping(a, '10.77.0.2')).toBe(0);
    });

    it('lists only the links of the namespace it is asked about', async () => {
      const namesA = (await nl.listLinks(a)).map((l) => l.name);
      const namesB = (await nl.listLinks(b)).map((l) => l.name);
      expect(namesA).toEqual(['lo', 'va']);
      expect(namesB).toEqual(['lo', 'vb']);
      // A path (as CNI_NETNS gives it) names the same namespace.
      expect((await nl.listLinks(netnsPath(b))).map((l) => l.name)).toEqual(['lo', 'vb']);
    });

    it('serialises concurrent requests on one namespace socket', async () => {
      const names = Array.from({ length: 12 }, (_, i) => `cb${i}`);
      await Promise.all(names.map((name) => nl.createBridge(a, { name })));
      const [links, addrs] = await Promise.all([nl.listLinks(a), nl.listAddresses(a), nl.listRoutes(a)]);
      expect(links.filter((l) => l.kind === 'bridge').map((l) => l.name)).toEqual(names);
      expect(addrs.length).toBeGreaterThan(0);
      await Promise.all(names.map((name) => nl.deleteLink(a, name)));
      expect((await nl.listLinks(a)).map((l) => l.name)).toEqual(['lo', 'va']);
    });

    it('answers EEXIST, ENODEV and unknown namespaces with coded errors', async () => {
      const dup = await rejection(nl.createVeth(a, { name: 'va', peerName: 'zz' }));
      expect(isAlreadyExists(dup)).toBe(true);
      expect(dup.message).toBe(`RTM_NEWLINK EEXIST veth "va"/"zz" in network namespace "${a}"`);
      const missing = await rejection(nl.deleteLink(a, 'nope0'));
      expect(isNotFound(missing)).toBe(true);
      expect(await nl.findLink(a, 'nope0')).toBeUndefined();
      const noNs = await rejection(nl.listLinks('sy-no-such-ns'));
      expect(isNotFound(noNs)).toBe(true);
      expect(noNs.message).toBe('network namespace "sy-no-such-ns" not found');
      await expect(nl.findLink('sy-no-such-ns', 'x')).rejects.toThrow(
        'network namespace "sy-no-such-ns" not found',
      );
      const bad = await rejection(nl.addAddress(a, { link: 'va', address: '10.77.0.300/24' }));
      expect(isInvalid(bad)).toBe(true);
      expect(bad.field).toBe('address');
      const noRoute = await rejection(nl.deleteRoute(a, { dst: '10.99.0.0/16' }));
      expect(isNotFound(noRoute)).toBe(true);
    });

    it('routes, replaces and deletes, with the kernel reading back what was written', async () => {
      await nl.addRoute(a, { dst: '10.78.0.0/16', gateway: '10.77.0.2', metric: 10 });
      await nl.replaceRoute(a, { dst: '10.78.0.0/16', dev: 'va', metric: 10 });
      const ipShow = await runInNetns(a, { cmd: 'ip', args: ['route', 'show', '10.78.0.0/16'] });
      // iproute2 prints no `proto boot`: it is the default it hides.
      expect(ipShow.stdout.trim()).toBe('10.78.0.0/16 dev va scope link metric 10');
      const routes = await nl.listRoutes(a, { table: 254, family: 4 });
      expect(routes.find((r) => r.dst === '10.78.0.0/16')).toEqual({
        family: 4,
        dst: '10.78.0.0/16',
        table: 254,
        type: 'unicast',
        scope: 'link',
        protocol: 'boot',
        dev: 'va',
        metric: 10,
        onlink: false,
      });
      await nl.deleteRoute(a, { dst: '10.78.0.0/16', metric: 10 });
      expect((await nl.listRoutes(a, { family: 4 })).some((r) => r.dst === '10.78.0.0/16')).toBe(false);
    });

    it('sets sysctls inside the namespace only', async () => {
      const rootBefore = await nl.getSysctl(undefined, 'net.ipv4.ip_forward');
      await nl.setSysctl(a, { key: 'net.ipv4.ip_forward', value: 1 });
      await nl.setSysctl(a, { key: 'net/ipv4/conf/va/proxy_arp', value: '1' });
      expect(await nl.getSysctl(a, 'net.ipv4.ip_forward')).toBe('1');
      expect(await nl.getSysctl(b, 'net.ipv4.ip_forward')).toBe('0');
      expect(await nl.getSysctl(undefined, 'net.ipv4.ip_forward')).toBe(rootBefore);
      const seen = await runInNetns(a, { cmd: 'cat', args: ['/proc/sys/net/ipv4/conf/va/proxy_arp'] });
      expect(seen.stdout.trim()).toBe('1');
      expect(isNotFound(await rejection(nl.getSysctl(b, 'net.ipv4.conf.va.proxy_arp')))).toBe(true);
    });

    it('closes its socket for a namespace when lib/netns deletes it', async () => {
      const sockets = (): number =>
        readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
          } catch {
            return false;
          }
        }).length;
      const c = uniqueName('cl');
      createNetns(c);
      const before = sockets();
      await nl.listLinks(c);
      expect(sockets()).toBe(before + 1);
      deleteNetns(c);
      expect(sockets()).toBe(before);
    });

    it('creates a VLAN-filtering bridge, or says clearly that the kernel cannot', async () => {
      const made = await nl.createBridge(a, { name: 'brv', vlanFiltering: true }).then(
        () => undefined,
        (err: unknown) => err as SwitchyardError,
      );
      if (made === undefined) {
        expect((await nl.getLink(a, 'brv')).bridge).toEqual({ vlanFiltering: true });
        await nl.deleteLink(a, 'brv');
      } else {
        // Kernels built without CONFIG_BRIDGE_VLAN_FILTERING (this lab's 6.18 VM) refuse it.
        expect(made.message).toBe(`RTM_NEWLINK EOPNOTSUPP bridge "brv" in network namespace "${a}"`);
      }
    });

    it('reopens its socket when a namespace is deleted and created again under the same name', async () => {
      const c = uniqueName('re');
      createNetns(c);
      try {
        await nl.createBridge(c, { name: 'old0' });
        deleteNetns(c);
        createNetns(c);
        expect((await nl.listLinks(c)).map((l) => l.name)).toEqual(['lo']);
      } finally {
        deleteNetns(c, { ignoreMissing: true });
      }
    });
  });

  describe('a VXLAN overlay between two nodes on a bridged underlay', () => {
    const [fabric = '', n1 = '', n2 = ''] = namespaces(3, 'vx');

    it('carries ping over the overlay with static FDB and neighbour entries', async () => {
      await nl.createBridge(fabric, { name: 'fab0' });
      await nl.setLink(fabric, { name: 'fab0', up: true });
      const nodes = [
        { ns: n1, port: 'p1', under: '172.31.9.1', over: '10.201.0.1', mac: '02:00:0a:c9:00:01' },
        { ns: n2, port: 'p2', under: '172.31.9.2', over: '10.201.0.2', mac: '02:00:0a:c9:00:02' },
      ];
      for (const n of nodes) {
        await nl.createVeth(fabric, { name: n.port, peerName: 'eth0', peerNs: n.ns });
        await nl.setLink(fabric, { name: n.port, master: 'fab0', up: true });
        await nl.setBridgePort(fabric, { name: n.port, hairpin: false, learning: true });
        await nl.addAddress(n.ns, { link: 'eth0', address: `${n.under}/24` });
        await nl.setLink(n.ns, { name: 'eth0', up: true });
        await nl.createVxlan(n.ns, {
          name: 'vx0',
          vni: 4242,
          local: n.under,
          dev: 'eth0',
          dstPort: 4789,
          learning: false,
          mac: n.mac,
        });
        await nl.addAddress(n.ns, { link: 'vx0', address: `${n.over}/24` });
        await nl.setLink(n.ns, { name: 'vx0', up: true });
      }
      // Flannel's scheme: the remote VTEP's MAC is reached at its underlay IP (FDB), and the
      // remote overlay IP resolves statically to that MAC (no ARP over the overlay).
      for (const [self, peer] of [
        [nodes[0], nodes[1]],
        [nodes[1], nodes[0]],
      ] as const) {
        if (!self || !peer) throw new Error('two nodes expected');
        await nl.addFdb(self.ns, { link: 'vx0', mac: peer.mac, dst: peer.under });
        await nl.setNeighbour(self.ns, { link: 'vx0', address: peer.over, mac: peer.mac });
      }
      const vx = await nl.getLink(n1, 'vx0');
      expect(vx.vxlan).toEqual({
        vni: 4242,
        local: '172.31.9.1',
        dstPort: 4789,
        dev: 'eth0',
        learning: false,
        ttl: 0,
      });
      expect(vx.mtu).toBe(1450);
      expect(await nl.getBridgePort(fabric, 'p1')).toEqual({ hairpin: false, learning: true });
      expect(await nl.listFdb(n1, { link: 'vx0' })).toContainEqual({
        link: 'vx0',
        mac: nodes[1]?.mac,
        dst: '172.31.9.2',
        self: true,
        state: 'permanent',
      });
      const bridgeFdb = await runInNetns(n1, { cmd: 'bridge', args: ['fdb', 'show', 'dev', 'vx0'] });
      expect(bridgeFdb.stdout).toContain(`${nodes[1]?.mac} dst 172.31.9.2 self permanent`);
      expect(await ping(n1, '10.201.0.2')).toBe(0);
      expect(await ping(n2, '10.201.0.1')).toBe(0);
      // The packets really crossed the underlay as VXLAN: the fabric bridge learned both VTEPs.
      const learned = (await nl.listFdb(fabric)).filter(
        (e) => e.mac === nodes[0]?.mac || e.master === 'fab0',
      );
      expect(learned.length).toBeGreaterThan(0);
    });
  });

  describe('the fake and the kernel', () => {
    const [k1 = '', k2 = ''] = namespaces(2, 'fk');

    async function scenario(n: Netlink): Promise<void> {
      await n.setLink(k1, { name: 'lo', up: true });
      await n.createVeth(k1, { name: 'up0', peerName: 'down0', peerNs: k2, mtu: 1480 });
      await n.createBridge(k1, { name: 'br0' });
      await n.createVeth(k1, { name: 'pa', peerName: 'pb' });
      await n.setLink(k1, { name: 'pa', master: 'br0', up: true });
      await n.setLink(k1, { name: 'pb', up: true });
      await n.setLink(k1, { name: 'br0', up: true });
      await n.addAddress(k1, { link: 'br0', address: '10.90.1.1/24' });
      await n.setLink(k1, { name: 'up0', up: true });
      await n.addAddress(k1, { link: 'up0', address: '192.168.90.1/30' });
      await n.addRoute(k1, { dst: '10.91.0.0/16', gateway: '192.168.90.2' });
      await n.addRoute(k1, { dst: '10.92.0.0/16', dev: 'br0', metric: 5 });
      await n.setNeighbour(k1, { link: 'up0', address: '192.168.90.2', mac: '02:00:00:00:5a:02' });
      await n.createVxlan(k1, { name: 'vx1', vni: 9, remote: '192.168.90.2', dev: 'up0', learning: false });
      await n.appendFdb(k1, { link: 'vx1', mac: '00:00:00:00:00:00', dst: '192.168.90.6' });
      await n.setLink(k1, { name: 'vx1', up: true });
      await n.setLink(k2, { name: 'down0', newName: 'eth0' });
      await n.setLink(k2, { name: 'eth0', up: true });
      await n.addAddress(k2, { link: 'eth0', address: '192.168.90.2/30' });
      await n.deleteLink(k1, 'pb');
      await n.addRoute(k2, { dst: '0.0.0.0/0', gateway: '192.168.90.1' });
      // Failing steps must leave both in the same state too.
      const errnos = [
        (await rejection(n.addRoute(k1, { dst: '10.91.0.0/16', gateway: '192.168.90.2' }))).errno,
        (await rejection(n.addRoute(k1, { dst: '10.93.0.0/16', gateway: '172.16.0.1' }))).errno,
        (await rejection(n.setLink(k1, { name: 'up0', newName: 'br0' }))).errno,
      ];
      expect(errnos).toEqual([17, 101, 17]);
      // Renaming an up link is allowed (since Linux 6.9).
      await n.setLink(k1, { name: 'vx1', newName: 'vxlan1' });
      // IPv6, promiscuous mode, releasing a port, and every kind of delete.
      await n.addAddress(k2, { link: 'eth0', address: 'fd00:90::2/64', noDad: true });
      await n.addRoute(k2, { dst: 'fd00:91::/64', gateway: 'fd00:90::1' });
      await n.setLink(k1, { name: 'up0', promisc: true });
      await n.createVeth(k1, { name: 'pc', peerName: 'pd' });
      await n.setLink(k1, { name: 'pc', master: 'br0' });
      await n.setLink(k1, { name: 'pc', master: null });
      await n.setNeighbour(k1, { link: 'up0', address: '192.168.90.3', mac: '02:00:00:00:5a:03' });
      await n.deleteNeighbour(k1, { link: 'up0', address: '192.168.90.3' });
      await n.addFdb(k1, { link: 'vxlan1', mac: '02:00:00:00:5a:09', dst: '192.168.90.9' });
      await n.deleteFdb(k1, { link: 'vxlan1', mac: '02:00:00:00:5a:09' });
      await n.addAddress(k1, { link: 'br0', address: '10.90.2.1/24' });
      await n.deleteAddress(k1, { link: 'br0', address: '10.90.2.1/24' });
      await n.deleteRoute(k1, { dst: '10.92.0.0/16', metric: 5 });
      // Down and up again: IPv4 keeps its address but loses every route through the link,
      // IPv6 loses addresses and routes.
      await n.setLink(k2, { name: 'eth0', up: false });
      await n.setLink(k2, { name: 'eth0', up: true });
      await n.createBridge(k1, { name: 'br1', vlanFiltering: false, mtu: 9000 });
      await n.createVxlan(k1, {
        name: 'vxm',
        vni: 100,
        group: '239.1.1.1',
        dev: 'up0',
        portRange: [40000, 41000],
        ttl: 8,
      });
    }

    it('end in equivalent dumps after the same sequence', async () => {
      const fake = new FakeNetlink();
      fake.addNamespace(k1);
      fake.addNamespace(k2);
      await scenario(fake);
      await scenario(nl);
      expect(await dumpNetlink(nl, k1)).toBe(fake.dump(k1));
      expect(await dumpNetlink(nl, k2)).toBe(fake.dump(k2));
    });
  });
});
