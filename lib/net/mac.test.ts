import { describe, expect, it } from 'vitest';
import { formatMac, macFromString, normalizeMac, parseMac } from './index.js';

describe('MAC addresses', () => {
  it('parses and formats both separators', () => {
    expect(Array.from(parseMac('02:42:AC:11:00:02'))).toEqual([2, 0x42, 0xac, 0x11, 0, 2]);
    expect(normalizeMac('02-42-AC-11-00-02')).toBe('02:42:ac:11:00:02');
    expect(formatMac([0, 1, 2, 3, 4, 255])).toBe('00:01:02:03:04:ff');
  });
  it('rejects malformed text naming the field', () => {
    expect(() => parseMac('02:42:ac:11:00', 'spec.mac')).toThrow(
      'spec.mac: invalid MAC address "02:42:ac:11:00": want six hex octets like 02:42:ac:11:00:02',
    );
    expect(() => parseMac('02:42-ac:11:00:02')).toThrow(/invalid MAC/);
    expect(() => formatMac([1, 2, 3])).toThrow(/want 6 octets/);
  });
  it('derives a stable, unicast, locally administered MAC from a string', () => {
    const a = macFromString('node-1/eth0');
    expect(a).toBe(macFromString('node-1/eth0'));
    expect(a).not.toBe(macFromString('node-2/eth0'));
    const first = parseMac(a)[0] ?? 0;
    expect(first & 1).toBe(0);
    expect(first & 2).toBe(2);
  });
});
