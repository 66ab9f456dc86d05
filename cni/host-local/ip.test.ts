import { describe, expect, it } from 'vitest';
import { formatIp, parseCidr } from './index.js';

// The text forms (round trips, rejected garbage) are lib/net's: lib/net/ip.test.ts.
describe('host-local CIDRs', () => {
  it('masks host bits of a CIDR and names the field on garbage', () => {
    const c = parseCidr('10.1.2.3/16', 'x');
    expect(`${formatIp(c.network)}/${c.prefix}`).toBe('10.1.0.0/16');
    const v6 = parseCidr('fd00::1:2/112', 'x');
    expect(`${formatIp(v6.network)}/${v6.prefix}`).toBe('fd00::1:0/112');
    expect(() => parseCidr('10.1.2.3/', 'ipam.subnet')).toThrow('ipam.subnet: not a CIDR: "10.1.2.3/"');
  });
});
