import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../errors/index.js';
import {
  addressCount,
  addresses,
  compareIp,
  contains,
  familyOf,
  familyOfText,
  formatCidr,
  formatIp,
  ipFromBytes,
  ipRange,
  ipToBytes,
  nthAddress,
  offsetIp,
  parseCidr,
  parseIp,
  prefixMask,
  subnet,
  tryParseIp,
} from './index.js';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('parseIp', () => {
  it('parses both families to canonical text', () => {
    expect(parseIp('10.0.0.1')).toEqual({ family: 4, address: '10.0.0.1', value: 0x0a000001n });
    expect(parseIp('2001:DB8:0:0::1').address).toBe('2001:db8::1');
    expect(parseIp('::1').value).toBe(1n);
  });
  it('rejects bad input naming the field and value', () => {
    const err = errorOf(() => parseIp('10.0.0.256', 'spec.clusterIP'));
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toBe('spec.clusterIP: invalid IP address "10.0.0.256"');
    expect(() => parseIp('010.0.0.1')).toThrow(/invalid IP address/);
    expect(() => parseIp('fe80::1%eth0')).toThrow(/invalid IP address/);
    expect(familyOf('nope')).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('keeps the address and computes the network', () => {
    expect(parseCidr('10.244.3.7/16')).toEqual({
      family: 4,
      address: '10.244.3.7',
      prefixLength: 16,
      network: '10.244.0.0',
    });
    expect(formatCidr(parseCidr('fd00::1:2/64'))).toBe('fd00::/64');
    expect(parseCidr('0.0.0.0/0').network).toBe('0.0.0.0');
  });
  it('explains exactly what is wrong', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(
      'cidr: invalid CIDR "10.0.0.0/33": prefix length must be 0–32',
    );
    expect(() => parseCidr('fd00::/129', 'podCIDR')).toThrow(
      'podCIDR: invalid CIDR "fd00::/129": prefix length must be 0–128',
    );
    expect(() => parseCidr('10.0.0.0')).toThrow('cidr: invalid CIDR "10.0.0.0": missing "/prefix-length"');
    expect(() => parseCidr('10.0.0/8')).toThrow('"10.0.0" is not an IP address');
    expect(() => parseCidr('10.0.0.0/-1')).toThrow(/prefix length/);
  });
});

describe('contains / nth / count', () => {
  it('checks membership per family', () => {
    expect(contains('10.96.0.0/16', '10.96.255.255')).toBe(true);
    expect(contains('10.96.0.0/16', '10.97.0.0')).toBe(false);
    expect(contains('10.96.0.0/16', '::1')).toBe(false);
    expect(contains('::/0', '2001:db8::1')).toBe(true);
  });
  it('finds the n-th address from either end', () => {
    expect(nthAddress('10.96.0.0/16', 10)).toBe('10.96.0.10');
    expect(nthAddress('10.244.1.0/24', -1)).toBe('10.244.1.255');
    expect(nthAddress('fd00::/64', 2n ** 32n)).toBe('fd00::1:0:0');
    expect(() => nthAddress('10.0.0.0/30', 4)).toThrow('n: index 4 is outside 10.0.0.0/30 (4 addresses)');
    expect(addressCount('10.0.0.0/8')).toBe(16777216n);
    expect(addressCount('::/0')).toBe(2n ** 128n);
  });
  it('offsets and compares', () => {
    expect(offsetIp('10.0.0.255', 1)).toBe('10.0.1.0');
    expect(() => offsetIp('255.255.255.255', 1)).toThrow(/outside the IPv4 address space/);
    expect(['10.0.0.10', '::1', '10.0.0.9'].sort(compareIp)).toEqual(['10.0.0.9', '10.0.0.10', '::1']);
  });
});

describe('iteration', () => {
  it('iterates a CIDR lazily with start and limit', () => {
    expect([...addresses('192.168.0.0/30')]).toEqual([
      '192.168.0.0',
      '192.168.0.1',
      '192.168.0.2',
      '192.168.0.3',
    ]);
    expect([...addresses('fd00::/64', { start: 1, limit: 2 })]).toEqual(['fd00::1', 'fd00::2']);
    expect([...ipRange('10.0.0.254', '10.0.1.1')]).toEqual([
      '10.0.0.254',
      '10.0.0.255',
      '10.0.1.0',
      '10.0.1.1',
    ]);
    expect(() => [...ipRange('10.0.0.1', '::1')]).toThrow(/family/);
  });
});

describe('subnet', () => {
  it('gives node i its /24 from the pod CIDR', () => {
    expect(formatCidr(subnet('10.244.0.0/16', 24, 0))).toBe('10.244.0.0/24');
    expect(formatCidr(subnet('10.244.0.0/16', 24, 3))).toBe('10.244.3.0/24');
    expect(formatCidr(subnet('10.244.0.0/16', 24, 255))).toBe('10.244.255.0/24');
    expect(formatCidr(subnet('fd00:10:244::/56', 64, 2))).toBe('fd00:10:244:2::/64');
  });
  it('rejects indexes and lengths that do not fit', () => {
    expect(() => subnet('10.244.0.0/16', 24, 256)).toThrow(
      'index: must be 0–255 for /24 in 10.244.0.0/16, got 256',
    );
    expect(() => subnet('10.244.0.0/16', 8, 0)).toThrow(
      'prefixLength: must be 16–32 for 10.244.0.0/16, got 8',
    );
  });
});

describe('text forms (the parser the CNI plugins load)', () => {
  const roundTrips: [string, string][] = [
    ['10.1.2.3', '10.1.2.3'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['::1', '::1'],
    ['fd00::', 'fd00::'],
    ['FD00:0:0:0:0:0:0:5', 'fd00::5'],
    // RFC 5952 §4.2.3: the longest zero run is compressed, the first one on a tie.
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    // §4.2.2: a single zero group is not compressed.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fd00::ffff:ffff:ffff:ffff', 'fd00::ffff:ffff:ffff:ffff'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ];
  it.each(roundTrips)('%s → %s', (text, canonical) => {
    expect(parseIp(text).address).toBe(canonical);
    const ip = tryParseIp(text);
    expect(ip && formatIp(ip.value, ip.family)).toBe(canonical);
  });

  const garbage = [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.1.1.1',
    '1.2.3.-1',
    ':::',
    '1::2::3',
    '12345::',
    'g::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    ':1:2:3:4:5:6:7',
    'fe80::1%eth0',
    '::1.2.3',
    '::ffff:01.2.3.4',
    '1.2.3.4::',
    ' 10.0.0.1',
  ];
  it.each(garbage)('rejects %j', (text) => {
    expect(tryParseIp(text)).toBeUndefined();
    expect(familyOf(text)).toBeUndefined();
    expect(() => parseIp(text)).toThrow(/invalid IP address/);
  });

  it('reads a non-string as no address', () => {
    expect(tryParseIp(42 as unknown as string)).toBeUndefined();
  });

  it('prints what ipaddr.js prints, for every shape of zero run', () => {
    // Each of the 256 patterns of zero and non-zero groups, in canonical and expanded input.
    for (let bits = 0; bits < 256; bits++) {
      const groups = Array.from({ length: 8 }, (_, i) => ((bits >> i) & 1 ? (i + 1) * 0x1111 : 0));
      const expanded = groups.map((g) => g.toString(16)).join(':');
      const ours = parseIp(expanded).address;
      expect(ours).toBe(ipaddr.parse(expanded).toString());
      expect(parseIp(ours).address).toBe(ours);
    }
    for (const v4 of ['0.0.0.0', '10.96.0.1', '192.168.255.254', '255.255.255.255']) {
      expect(parseIp(v4).address).toBe(ipaddr.parse(v4).toString());
    }
  });

  it('masks and guesses the family of known-good text', () => {
    expect(prefixMask(4, 24)).toBe(0xffffff00n);
    expect(prefixMask(4, 0)).toBe(0n);
    expect(prefixMask(6, 128)).toBe(2n ** 128n - 1n);
    expect(familyOfText('10.0.0.1/24')).toBe(4);
    expect(familyOfText('fd00::1/64')).toBe(6);
  });
});

describe('bytes', () => {
  it('converts to and from network byte order', () => {
    expect([...ipToBytes(parseIp('10.1.2.3'))]).toEqual([10, 1, 2, 3]);
    const v6 = ipToBytes(parseIp('fd00::1:2'));
    expect(v6.length).toBe(16);
    expect(formatIp(ipFromBytes(v6).value, 6)).toBe('fd00::1:2');
    expect(ipFromBytes(Uint8Array.from([192, 168, 0, 1]))).toEqual({ family: 4, value: 0xc0a80001n });
    expect(() => ipFromBytes(new Uint8Array(5), 'attribute')).toThrow(
      'attribute: an IP address needs 4 or 16 bytes, got 5',
    );
  });
});
