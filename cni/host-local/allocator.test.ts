import { describe, expect, it } from 'vitest';
import type { NetConf } from '../../lib/cni/index.js';
import {
  allocate,
  formatIp,
  type Ip,
  parseIp,
  parseIpamConfig,
  type RangeSet,
  requestProblem,
} from './index.js';

function setOf(ranges: Record<string, unknown>[]): RangeSet {
  const conf: NetConf = { cniVersion: '1.1.0', name: 'n', type: 'x', ipam: { ranges: [ranges] } };
  return parseIpamConfig(conf).rangeSets[0] ?? [];
}

function run(set: RangeSet, taken: string[], last?: string): string | undefined {
  const reserved = new Set(taken);
  const ip = allocate({
    set,
    isReserved: (x: Ip) => reserved.has(formatIp(x)),
    reservedCount: reserved.size,
    lastReserved: last === undefined ? undefined : parseIp(last),
  });
  return ip && formatIp(ip);
}

describe('allocator', () => {
  const small = setOf([{ subnet: '10.0.0.0/29' }]); // .1 gateway, .2–.6 usable, .7 broadcast

  it('starts after the gateway and goes round-robin after the last reserved address', () => {
    expect(run(small, [])).toBe('10.0.0.2');
    expect(run(small, ['10.0.0.2'], '10.0.0.2')).toBe('10.0.0.3');
    // .3 was freed, but the next pick continues after .4 (the reference plugin's behaviour).
    expect(run(small, ['10.0.0.2', '10.0.0.4'], '10.0.0.4')).toBe('10.0.0.5');
  });

  it('wraps to the start, skipping the gateway, and reports exhaustion', () => {
    expect(run(small, ['10.0.0.5', '10.0.0.6'], '10.0.0.6')).toBe('10.0.0.2');
    expect(
      run(small, ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'], '10.0.0.3'),
    ).toBeUndefined();
  });

  it('ignores a last-reserved address outside the set', () => {
    expect(run(small, [], '192.168.0.1')).toBe('10.0.0.2');
  });

  it('moves across the ranges of one set in order', () => {
    const two = setOf([
      { subnet: '10.0.0.0/24', rangeStart: '10.0.0.10', rangeEnd: '10.0.0.11' },
      { subnet: '10.0.1.0/24', rangeStart: '10.0.1.20', rangeEnd: '10.0.1.21' },
    ]);
    expect(run(two, [], '10.0.0.11')).toBe('10.0.1.20');
    expect(run(two, [], '10.0.1.21')).toBe('10.0.0.10');
    expect(run(two, ['10.0.0.10', '10.0.0.11', '10.0.1.20'], '10.0.0.11')).toBe('10.0.1.21');
  });

  it('finds a free address in a huge IPv6 range quickly and never hands out the subnet address', () => {
    const v6 = setOf([{ subnet: 'fd00::/64', rangeStart: 'fd00::' }]);
    expect(run(v6, [])).toBe('fd00::2');
    expect(run(v6, ['fd00::2'], 'fd00::2')).toBe('fd00::3');
    expect(run(v6, [], 'fd00::ffff:ffff:ffff:ffff')).toBe('fd00::2');
  });

  it('checks requested addresses', () => {
    const none = (): boolean => false;
    const at = (s: string): Ip => parseIp(s) ?? { family: 4, value: 0n };
    expect(requestProblem(small, { ip: at('10.0.0.4'), isReserved: none })).toBeUndefined();
    expect(requestProblem(small, { ip: at('10.0.0.1'), isReserved: none })).toMatch(/is the gateway/);
    expect(requestProblem(small, { ip: at('10.0.0.7'), isReserved: none })).toMatch(/not in the range set/);
    expect(requestProblem(small, { ip: at('10.0.0.4'), isReserved: () => true })).toMatch(
      /already allocated/,
    );
  });
});
