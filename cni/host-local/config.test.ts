import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NetConf } from '../../lib/cni/index.js';
import { readEnv } from '../skel/index.js';
import { formatIp, parseIpamConfig } from './index.js';

const netconf = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): NetConf => ({
  cniVersion: '1.1.0',
  name: 'net1',
  type: 'host-local',
  ipam: { type: 'host-local', ...ipam },
  ...extra,
});

describe('host-local config', () => {
  it('defaults rangeStart, rangeEnd, gateway and dataDir like the reference plugin', () => {
    const c = parseIpamConfig(
      netconf({ ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: 'fd00:1::/64' }]] }),
    );
    const [v4] = c.rangeSets[0] ?? [];
    const [v6] = c.rangeSets[1] ?? [];
    expect(v4 && [formatIp(v4.start), formatIp(v4.end), v4.gateway && formatIp(v4.gateway)]).toEqual([
      '10.1.2.1',
      '10.1.2.254',
      '10.1.2.1',
    ]);
    expect(v6 && [formatIp(v6.start), formatIp(v6.end)]).toEqual([
      'fd00:1::1',
      'fd00:1::ffff:ffff:ffff:ffff',
    ]);
    expect(c.dataDir).toBe('/var/lib/cni/networks');
    expect(c.network).toBe('net1');
  });

  it('accepts the deprecated single-range form and case-insensitive keys', () => {
    const c = parseIpamConfig(netconf({ Subnet: '10.3.0.0/16', RangeStart: '10.3.1.0', DataDir: '/tmp/x' }));
    expect(c.rangeSets).toHaveLength(1);
    expect(formatIp(c.rangeSets[0]?.[0]?.start ?? { family: 4, value: 0n })).toBe('10.3.1.0');
    expect(c.dataDir).toBe('/tmp/x');
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['no ranges', {}, 'ipam.ranges: no IP ranges specified'],
    [
      'bad subnet',
      { ranges: [[{ subnet: '10.1.2.0/33' }]] },
      'ipam.ranges[0][0].subnet: not a CIDR: "10.1.2.0/33"',
    ],
    [
      'tiny subnet',
      { ranges: [[{ subnet: '10.1.2.0/31' }]] },
      'ipam.ranges[0][0].subnet: network /31 or /32 is too small',
    ],
    [
      'start outside',
      { ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.3.5' }]] },
      'ipam.ranges[0][0].rangeStart: 10.1.3.5 is not in subnet 10.1.2.0/24',
    ],
    [
      'end before start',
      { ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.50', rangeEnd: '10.1.2.10' }]] },
      'ipam.ranges[0][0].rangeEnd: is before rangeStart',
    ],
    [
      'bad gateway',
      { ranges: [[{ subnet: '10.1.2.0/24', gateway: 'x' }]] },
      'ipam.ranges[0][0].gateway: not an IP address: "x"',
    ],
    [
      'overlap',
      { ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: '10.1.2.0/25' }]] },
      'ipam.ranges[1][0]: overlaps ipam.ranges[0][0]',
    ],
    [
      'mixed families',
      { ranges: [[{ subnet: '10.1.2.0/24' }, { subnet: 'fd00::/64' }]] },
      'ipam.ranges[0][1].subnet: mixes IPv4 and IPv6',
    ],
    [
      'bad route',
      { ranges: [[{ subnet: '10.1.2.0/24' }]], routes: [{ dst: 'nope' }] },
      'ipam.routes[0].dst: not a CIDR',
    ],
    ['ranges not list', { ranges: { subnet: '10.0.0.0/8' } }, 'ipam.ranges: must be a list of range sets'],
  ];
  it.each(bad)('%s: the error names the field', (_n, ipam, msg) => {
    expect(() => parseIpamConfig(netconf(ipam))).toThrow(msg);
  });

  it('requires an ipam object', () => {
    expect(() => parseIpamConfig({ cniVersion: '1.1.0', name: 'n', type: 'host-local' })).toThrow(
      'ipam: must be an object',
    );
  });

  it('collects requested IPs from args.cni.ips, runtimeConfig.ips and CNI_ARGS IP=', () => {
    const env = readEnv({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c',
      CNI_NETNS: '/x',
      CNI_IFNAME: 'e',
      CNI_ARGS: 'IP=10.1.2.9',
    });
    const c = parseIpamConfig(
      netconf(
        { ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: 'fd00::/64' }]] },
        { args: { cni: { ips: ['10.1.2.7'] } }, runtimeConfig: { ips: ['fd00::7/64'] } },
      ),
      env,
    );
    expect(c.requested.map(formatIp)).toEqual(['10.1.2.7', 'fd00::7', '10.1.2.9']);
    expect(() =>
      parseIpamConfig(
        netconf({ ranges: [[{ subnet: '10.1.2.0/24' }]] }, { runtimeConfig: { ips: ['10.9.9.9'] } }),
      ),
    ).toThrow('ips: requested IP 10.9.9.9 is not in any configured range');
  });

  it('prepends runtimeConfig.ipRanges to the configured range sets', () => {
    const c = parseIpamConfig(
      netconf(
        { ranges: [[{ subnet: '10.1.2.0/24' }]] },
        { runtimeConfig: { ipRanges: [[{ subnet: '10.9.0.0/16' }]] } },
      ),
    );
    expect(
      c.rangeSets.map((set) => set.map((r) => `${formatIp(r.subnet.network)}/${r.subnet.prefix}`)),
    ).toEqual([['10.9.0.0/16'], ['10.1.2.0/24']]);
    expect(() =>
      parseIpamConfig(
        netconf({ ranges: [[{ subnet: '10.1.2.0/24' }]] }, { runtimeConfig: { ipRanges: 'x' } }),
      ),
    ).toThrow('runtimeConfig.ipRanges: must be a list of range sets');
  });

  it('reads DNS from resolvConf', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-resolv-'));
    try {
      const file = join(dir, 'resolv.conf');
      writeFileSync(
        file,
        '# c\nnameserver 10.96.0.10\nsearch a.svc b.svc\noptions ndots:5\ndomain cluster.local\n',
      );
      const c = parseIpamConfig(netconf({ ranges: [[{ subnet: '10.1.2.0/24' }]], resolvConf: file }));
      expect(c.dns).toEqual({
        nameservers: ['10.96.0.10'],
        domain: 'cluster.local',
        search: ['a.svc', 'b.svc'],
        options: ['ndots:5'],
      });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
