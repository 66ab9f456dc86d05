import { describe, expect, it } from 'vitest';
import { isInvalid, type SwitchyardError } from '../errors/index.js';
import {
  checkVeth,
  normalizeAddress,
  normalizeFdb,
  normalizeNeighbour,
  normalizeRoute,
  normalizeVxlan,
} from './specs.js';
import { checkLinkName, sysctlPath } from './validate.js';

function problem(fn: () => unknown): { field: string | undefined; message: string } {
  try {
    fn();
  } catch (err: unknown) {
    expect(isInvalid(err)).toBe(true);
    return { field: (err as SwitchyardError).field, message: (err as SwitchyardError).message };
  }
  throw new Error('expected an invalid error');
}

describe('spec validation names the field and the problem', () => {
  it('interface names follow the kernel rules (IFNAMSIZ, no / : or spaces)', () => {
    expect(checkLinkName('name', 'eth0.100')).toBe('eth0.100');
    expect(problem(() => checkLinkName('name', 'sixteen-chars-xx'))).toEqual({
      field: 'name',
      message: 'name: must be at most 15 bytes, got "sixteen-chars-xx" (16)',
    });
    expect(problem(() => checkLinkName('peerName', 'a:b')).field).toBe('peerName');
    expect(problem(() => checkVeth({ name: 'x', peerName: 'x' })).message).toBe(
      'peerName: must differ from name "x" in the same namespace',
    );
    expect(problem(() => checkVeth({ name: 'x', peerName: 'y', mac: '01:00:5e:00:00:01' })).field).toBe(
      'mac',
    );
  });

  it('vxlan: 24-bit VNI, group xor remote, matching families, port range order', () => {
    expect(problem(() => normalizeVxlan({ name: 'v', vni: 1 << 24 })).message).toBe(
      'vni: must be an integer 0–16777215, got 16777216',
    );
    expect(
      problem(() => normalizeVxlan({ name: 'v', vni: 1, group: '239.1.1.1', remote: '10.0.0.1' })).field,
    ).toBe('remote');
    expect(
      problem(() => normalizeVxlan({ name: 'v', vni: 1, remote: '10.0.0.1', local: 'fd00::1' })).field,
    ).toBe('local');
    expect(problem(() => normalizeVxlan({ name: 'v', vni: 1, portRange: [2000, 1000] })).field).toBe(
      'portRange',
    );
    expect(normalizeVxlan({ name: 'v', vni: 1, remote: '10.0.0.1' })).toEqual({
      name: 'v',
      vni: 1,
      group: '10.0.0.1',
      dstPort: 4789,
      learning: true,
      ttl: 0,
    });
  });

  it('addresses and routes: CIDRs, host bits, families, next hops', () => {
    expect(normalizeAddress({ link: 'lo', address: '127.0.0.2/8' }).scope).toBe('host');
    expect(
      problem(() => normalizeAddress({ link: 'e', address: 'fd00::1/64', broadcast: '10.0.0.255' })).field,
    ).toBe('broadcast');
    expect(problem(() => normalizeRoute({ dst: '10.0.0.0/8' })).message).toBe(
      'dev: a unicast route needs a gateway or a device',
    );
    expect(normalizeRoute({ dst: '10.0.0.0/8' }, 'delete').dst).toBe('10.0.0.0/8');
    expect(problem(() => normalizeRoute({ dst: '10.0.0.0/8', gateway: 'fd00::1' })).message).toBe(
      'gateway: must be IPv4 like dst, got "fd00::1"',
    );
    expect(
      problem(() => normalizeRoute({ dst: '10.0.0.0/8', gateway: '10.1.1.1', onlink: true })).field,
    ).toBe('onlink');
    expect(normalizeRoute({ dst: '0.0.0.0/0', gateway: '10.0.0.1' })).toMatchObject({
      table: 254,
      scope: 'universe',
      protocol: 'boot',
      type: 'unicast',
    });
    expect(normalizeRoute({ dst: '10.1.0.0/16', dev: 'e0' }).scope).toBe('link');
  });

  it('neighbours, FDB entries and sysctl keys', () => {
    expect(problem(() => normalizeNeighbour({ link: 'e', address: '10.0.0.1', mac: 'zz' })).field).toBe(
      'mac',
    );
    expect(problem(() => normalizeFdb({ link: 'v', mac: '00:00:00:00:00:00', vni: -1 })).field).toBe('vni');
    expect(normalizeFdb({ link: 'v', mac: 'AA:00:00:00:00:01' })).toEqual({
      link: 'v',
      mac: 'aa:00:00:00:00:01',
      target: 'self',
      state: 'permanent',
    });
    expect(sysctlPath('net.ipv4.conf.all.forwarding')).toBe('/proc/sys/net/ipv4/conf/all/forwarding');
    expect(sysctlPath('net/ipv4/conf/eth0.1/rp_filter')).toBe('/proc/sys/net/ipv4/conf/eth0.1/rp_filter');
    expect(problem(() => sysctlPath('net/ipv4/../../kernel/x')).message).toBe(
      'key: has a bad component ".." in "net/ipv4/../../kernel/x"',
    );
  });
});
