import { describe, expect, it } from 'vitest';
import { isAlreadyExists, isInvalid, isNotFound, type SwitchyardError } from '../errors/index.js';
import { dumpNetlink } from './dump.js';
import { FakeNetlink } from './fake.js';

async function rejection(p: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await p;
  } catch (err: unknown) {
    return err as SwitchyardError;
  }
  throw new Error('expected a rejection');
}

function twoNodes(): FakeNetlink {
  const nl = new FakeNetlink();
  nl.addNamespace('a');
  nl.addNamespace('b');
  return nl;
}

describe('FakeNetlink links', () => {
  it('starts each namespace with lo down, like a fresh kernel namespace', async () => {
    const nl = twoNodes();
    expect(nl.dump('a')).toBe('link lo device down mtu 65536\n');
    expect(nl.namespaces()).toEqual(['a', 'b']);
    expect(() => nl.addNamespace('a')).toThrow('network namespace "a" already exists');
  });

  it('creates a veth pair across namespaces with carrier only when both ends are up', async () => {
    const nl = twoNodes();
    await nl.createVeth('a', { name: 'va', peerName: 'vb', peerNs: 'b' });
    await nl.setLink('a', { name: 'va', up: true });
    expect((await nl.getLink('a', 'va')).lowerUp).toBe(false);
    await nl.setLink('b', { name: 'vb', up: true });
    expect((await nl.getLink('a', 'va')).lowerUp).toBe(true);
    expect((await nl.getLink('a', 'va')).linkIndex).toBe((await nl.getLink('b', 'vb')).index);
    await nl.deleteLink('b', 'vb');
    expect(await nl.findLink('a', 'va')).toBeUndefined();
  });

  it('answers EEXIST, ENODEV and bad input like the kernel', async () => {
    const nl = twoNodes();
    await nl.createBridge('a', { name: 'br0' });
    expect(isAlreadyExists(await rejection(nl.createBridge('a', { name: 'br0' })))).toBe(true);
    const missing = await rejection(nl.getLink('a', 'nope'));
    expect(isNotFound(missing)).toBe(true);
    expect(missing.message).toBe('RTM_GETLINK ENODEV link "nope" in network namespace "a"');
    const bad = await rejection(nl.createBridge('a', { name: 'a-name-that-is-too-long' }));
    expect(isInvalid(bad)).toBe(true);
    expect(bad.field).toBe('name');
    const ns = await rejection(nl.listLinks('zz'));
    expect(ns.message).toBe('network namespace "zz" not found');
  });

  it('is transactional: a failing call changes nothing', async () => {
    const nl = twoNodes();
    await nl.createVeth('a', { name: 'x1', peerName: 'x2' });
    await nl.createBridge('b', { name: 'taken' });
    const before = `${nl.dump('a')}${nl.dump('b')}`;
    // The first end would fit, the peer name is taken in b: nothing may be created.
    const err = await rejection(nl.createVeth('a', { name: 'fresh', peerName: 'taken', peerNs: 'b' }));
    expect(isAlreadyExists(err)).toBe(true);
    expect(`${nl.dump('a')}${nl.dump('b')}`).toBe(before);
    // Several changes in one call: the MTU would apply, the rename collides: neither sticks.
    await nl.setLink('a', { name: 'x1', up: true });
    const mid = `${nl.dump('a')}${nl.dump('b')}`;
    expect(mid).not.toBe(before);
    expect(isAlreadyExists(await rejection(nl.setLink('a', { name: 'x1', newName: 'x2', mtu: 1400 })))).toBe(
      true,
    );
    expect(`${nl.dump('a')}${nl.dump('b')}`).toBe(mid);
  });

  it('enslaves to bridges, follows the smallest port MTU, and sets port flags', async () => {
    const nl = twoNodes();
    await nl.createBridge('a', { name: 'br0' });
    await nl.createVeth('a', { name: 'p1', peerName: 'q1', mtu: 1400 });
    await nl.setLink('a', { name: 'p1', master: 'br0' });
    expect((await nl.getLink('a', 'br0')).mtu).toBe(1400);
    expect(await nl.getBridgePort('a', 'p1')).toEqual({ hairpin: false, learning: true });
    await nl.setBridgePort('a', { name: 'p1', hairpin: true });
    expect(await nl.getBridgePort('a', 'p1')).toEqual({ hairpin: true, learning: true });
    expect(isNotFound(await rejection(nl.getBridgePort('a', 'q1')))).toBe(true);
    const notBridge = await rejection(nl.setLink('a', { name: 'q1', master: 'p1' }));
    expect(notBridge.errno).toBe(95);
    await nl.setLink('a', { name: 'p1', master: null });
    expect((await nl.getLink('a', 'p1')).master).toBeUndefined();
    expect((await nl.getLink('a', 'br0')).mtu).toBe(1500);
  });

  it('moves a link to another namespace, dropping its addresses and keeping the peer link', async () => {
    const nl = twoNodes();
    await nl.createVeth('a', { name: 'm1', peerName: 'm2' });
    await nl.addAddress('a', { link: 'm2', address: '10.0.0.2/24' });
    await nl.setLink('a', { name: 'm2', netns: 'b', up: true });
    expect(await nl.findLink('a', 'm2')).toBeUndefined();
    expect((await nl.getLink('b', 'm2')).up).toBe(true);
    expect(await nl.listAddresses('b', { link: 'm2' })).toEqual([]);
    await nl.setLink('a', { name: 'm1', up: true });
    expect((await nl.getLink('b', 'm2')).lowerUp).toBe(true);
    nl.removeNamespace('b');
    expect(await nl.findLink('a', 'm1')).toBeUndefined();
  });
});

describe('FakeNetlink addresses and routes', () => {
  it('adds connected routes for up links and flushes IPv4 routes when the link goes down', async () => {
    const nl = twoNodes();
    await nl.createVeth('a', { name: 'e0', peerName: 'e1', peerNs: 'b' });
    await nl.addAddress('a', { link: 'e0', address: '10.1.0.1/24' });
    expect(await nl.listRoutes('a', { table: 254 })).toEqual([]);
    await nl.setLink('a', { name: 'e0', up: true });
    await nl.setLink('a', { name: 'lo', up: true });
    await nl.addRoute('a', { dst: '10.2.0.0/16', gateway: '10.1.0.9' });
    expect(nl.dump('a')).toBe(
      [
        'addr e0 10.1.0.1/24 scope universe',
        'addr lo 127.0.0.1/8 scope host',
        'addr lo ::1/128 scope host',
        'link e0 veth up mtu 1500',
        'link lo device up mtu 65536',
        'route 10.1.0.0/24 dev e0 proto kernel scope link src 10.1.0.1',
        'route 10.2.0.0/16 via 10.1.0.9 dev e0 proto boot scope universe',
        '',
      ].join('\n'),
    );
    await nl.setLink('a', { name: 'e0', up: false });
    expect((await nl.listRoutes('a', { family: 4 })).map((r) => r.dst)).toEqual([]);
  });

  it('answers EEXIST, ENETUNREACH, ENETDOWN and ESRCH as the kernel does', async () => {
    const nl = twoNodes();
    await nl.createVeth('a', { name: 'e0', peerName: 'e1' });
    const down = await rejection(nl.addRoute('a', { dst: '10.9.0.0/16', dev: 'e0' }));
    expect(down.errno).toBe(100);
    await nl.setLink('a', { name: 'e0', up: true });
    await nl.addAddress('a', { link: 'e0', address: '10.1.0.1/24' });
    expect(isAlreadyExists(await rejection(nl.addAddress('a', { link: 'e0', address: '10.1.0.1/24' })))).toBe(
      true,
    );
    const unreachable = await rejection(nl.addRoute('a', { dst: '10.3.0.0/16', gateway: '192.168.7.1' }));
    expect(unreachable.errno).toBe(101);
    await nl.addRoute('a', { dst: '10.3.0.0/16', gateway: '192.168.7.1', dev: 'e0', onlink: true });
    expect(isAlreadyExists(await rejection(nl.addRoute('a', { dst: '10.3.0.0/16', dev: 'e0' })))).toBe(true);
    await nl.replaceRoute('a', { dst: '10.3.0.0/16', dev: 'e0' });
    expect(
      (await nl.listRoutes('a', { family: 4 })).find((r) => r.dst === '10.3.0.0/16')?.gateway,
    ).toBeUndefined();
    await nl.deleteRoute('a', { dst: '10.3.0.0/16' });
    expect(isNotFound(await rejection(nl.deleteRoute('a', { dst: '10.3.0.0/16' })))).toBe(true);
    expect(isNotFound(await rejection(nl.deleteAddress('a', { link: 'e0', address: '10.1.0.7/24' })))).toBe(
      true,
    );
    const hostBits = await rejection(nl.addRoute('a', { dst: '10.3.0.1/16', dev: 'e0' }));
    expect(hostBits.message).toBe('dst: has host bits set; the network is 10.3.0.0/16, got "10.3.0.1/16"');
  });

  it('gives IPv6 user routes metric 1024 and drops IPv6 state when the link goes down', async () => {
    const nl = twoNodes();
    await nl.createVeth('a', { name: 'e0', peerName: 'e1' });
    await nl.setLink('a', { name: 'e0', up: true });
    await nl.addAddress('a', { link: 'e0', address: 'fd00::1/64', noDad: true });
    await nl.addRoute('a', { dst: 'fd01::/64', gateway: 'fd00::2' });
    const routes = await nl.listRoutes('a', { family: 6 });
    expect(routes.map((r) => `${r.dst} ${r.metric}`)).toEqual(['fd00::/64 256', 'fd01::/64 1024']);
    // Link down: IPv6 addresses and routes go (keep_addr_on_down=0), IPv4 addresses stay.
    await nl.addAddress('a', { link: 'e0', address: '10.1.0.1/24' });
    await nl.setLink('a', { name: 'e0', up: false });
    expect(await nl.listAddresses('a', { link: 'e0' })).toEqual([
      { link: 'e0', family: 4, address: '10.1.0.1/24', scope: 'universe' },
    ]);
    expect(await nl.listRoutes('a')).toEqual([]);
  });
});

describe('FakeNetlink neighbours, FDB and sysctls', () => {
  it('keeps VXLAN FDB entries with head-end replication and static neighbours', async () => {
    const nl = twoNodes();
    await nl.createVxlan('a', { name: 'vx0', vni: 7, remote: '192.168.0.2', learning: false });
    await nl.appendFdb('a', { link: 'vx0', mac: '00:00:00:00:00:00', dst: '192.168.0.3' });
    await nl.addFdb('a', { link: 'vx0', mac: '02:00:00:00:00:05', dst: '192.168.0.3' });
    const dup = await rejection(
      nl.addFdb('a', { link: 'vx0', mac: '02:00:00:00:00:05', dst: '192.168.0.4' }),
    );
    expect(isAlreadyExists(dup)).toBe(true);
    await nl.setNeighbour('a', { link: 'vx0', address: '10.244.2.0', mac: '02:00:00:00:00:05' });
    await nl.setNeighbour('a', { link: 'vx0', address: '10.244.2.0', mac: '02:00:00:00:00:06' });
    expect(await nl.listNeighbours('a')).toEqual([
      { link: 'vx0', family: 4, address: '10.244.2.0', mac: '02:00:00:00:00:06', state: 'permanent' },
    ]);
    await nl.deleteFdb('a', { link: 'vx0', mac: '00:00:00:00:00:00', dst: '192.168.0.2' });
    expect(await dumpNetlink(nl, 'a')).toBe(
      [
        'fdb vx0 00:00:00:00:00:00 dst 192.168.0.3 self permanent',
        'fdb vx0 02:00:00:00:00:05 dst 192.168.0.3 self permanent',
        'link lo device down mtu 65536',
        'link vx0 vxlan down mtu 1500 vni 7 dstport 4789 group 192.168.0.2 nolearning',
        'neigh vx0 10.244.2.0 lladdr 02:00:00:00:00:06 permanent',
        '',
      ].join('\n'),
    );
    expect(isNotFound(await rejection(nl.deleteNeighbour('a', { link: 'vx0', address: '10.244.9.9' })))).toBe(
      true,
    );
    expect(isNotFound(await rejection(nl.deleteFdb('a', { link: 'vx0', mac: '02:00:00:00:00:99' })))).toBe(
      true,
    );
  });

  it('keeps sysctls per namespace with kernel defaults for known keys', async () => {
    const nl = twoNodes();
    await nl.createVeth('a', { name: 'eth0.1', peerName: 'p' });
    await nl.setSysctl('a', { key: 'net.ipv4.ip_forward', value: 1 });
    expect(await nl.getSysctl('a', 'net.ipv4.ip_forward')).toBe('1');
    expect(await nl.getSysctl('b', 'net.ipv4.ip_forward')).toBe('0');
    await nl.setSysctl('a', { key: 'net/ipv4/conf/eth0.1/proxy_arp', value: '1' });
    expect(await nl.getSysctl('a', 'net/ipv4/conf/eth0.1/proxy_arp')).toBe('1');
    expect(isNotFound(await rejection(nl.getSysctl('b', 'net/ipv4/conf/eth0.1/proxy_arp')))).toBe(true);
    const bad = await rejection(nl.setSysctl('a', { key: 'kernel.hostname', value: 'x' }));
    expect(bad.message).toBe('key: must be a network sysctl under "net", got "kernel.hostname"');
  });
});
