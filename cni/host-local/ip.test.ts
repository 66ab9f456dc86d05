import { describe, expect, it } from 'vitest';
import { formatIp, parseCidr, parseIp } from './index.js';

describe('IP text forms', () => {
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
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ];
  it.each(roundTrips)('%s → %s', (text, canonical) => {
    const ip = parseIp(text);
    expect(ip).toBeDefined();
    if (ip) expect(formatIp(ip)).toBe(canonical);
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
    'fe80::1%eth0',
    '::1.2.3',
    '1.2.3.4::',
    ' 10.0.0.1',
  ];
  it.each(garbage)('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('masks host bits of a CIDR and names the field on garbage', () => {
    const c = parseCidr('10.1.2.3/16', 'x');
    expect(`${formatIp(c.network)}/${c.prefix}`).toBe('10.1.0.0/16');
    const v6 = parseCidr('fd00::1:2/112', 'x');
    expect(`${formatIp(v6.network)}/${v6.prefix}`).toBe('fd00::1:0/112');
    expect(() => parseCidr('10.1.2.3/', 'ipam.subnet')).toThrow('ipam.subnet: not a CIDR: "10.1.2.3/"');
  });
});
