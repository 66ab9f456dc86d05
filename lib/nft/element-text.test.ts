import { describe, expect, it } from 'vitest';
import { intervalOf, normalizeElementText } from './element-text.js';

describe('normalizeElementText', () => {
  it('prints addresses, prefixes and ranges as nft 1.0.6 lists them', () => {
    expect(normalizeElementText('10.0.0.1/32')).toBe('10.0.0.1');
    expect(normalizeElementText('10.1.2.3/16')).toBe('10.1.0.0/16');
    expect(normalizeElementText('10.2.0.0-10.2.0.255')).toBe('10.2.0.0/24');
    expect(normalizeElementText('10.2.0.1-10.2.0.9')).toBe('10.2.0.1-10.2.0.9');
    expect(normalizeElementText('fd00:0:1::1')).toBe('fd00:0:1::1');
    expect(normalizeElementText('FD00:0::/64')).toBe('fd00::/64');
    expect(normalizeElementText('  10.96.0.1  .  tcp . 0080 ')).toBe('10.96.0.1 . tcp . 80');
    expect(normalizeElementText('goto service-abc')).toBe('goto service-abc');
    expect(normalizeElementText('30000-32767')).toBe('30000-32767');
  });

  it('gives intervals for overlap checks', () => {
    expect(intervalOf('10.0.0.0/30')).toEqual({ family: 4, lo: 0x0a000000n, hi: 0x0a000003n });
    expect(intervalOf('80-90')).toEqual({ family: 'number', lo: 80n, hi: 90n });
    expect(intervalOf('tcp')).toBeUndefined();
  });
});
