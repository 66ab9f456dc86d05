/** The node's conflist: its shape on IPv4 and IPv6 pod CIDRs, and the atomic, idempotent write. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFLIST_FILE, gatewayOf, podConflist, writeConflist } from './cni-config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('podConflist', () => {
  it('chains bridge + host-local on the podCIDR, portmap and loopback', () => {
    expect(podConflist({ podCIDR: '10.244.1.7/24', bridge: 'cni0', ipamDir: '/var/lib/cni' })).toEqual({
      cniVersion: '1.0.0',
      name: 'switchyard',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          isDefaultGateway: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.244.1.0/24', gateway: '10.244.1.1' }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: '/var/lib/cni',
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    });
  });

  it('routes ::/0 on an IPv6 pod CIDR, through its first address', () => {
    const conf = podConflist({ podCIDR: 'fd00:10:244:1::/64', bridge: 'cni0', ipamDir: '/d' });
    expect(conf.plugins[0]?.ipam).toMatchObject({
      ranges: [[{ subnet: 'fd00:10:244:1::/64', gateway: 'fd00:10:244:1::1' }]],
      routes: [{ dst: '::/0' }],
    });
    expect(gatewayOf('10.96.0.0/12')).toBe('10.96.0.1');
  });

  it('names the field of a malformed CIDR', () => {
    expect(() => podConflist({ podCIDR: '10.244.1.0/40', bridge: 'cni0', ipamDir: '/d' })).toThrow(/podCIDR/);
  });
});

describe('writeConflist', () => {
  it('writes the file through a rename, and leaves an unchanged file alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-cniconf-'));
    dirs.push(dir);
    const conf = podConflist({ podCIDR: '10.244.2.0/24', bridge: 'cni0', ipamDir: '/d' });
    const nested = join(dir, 'net.d');
    expect(writeConflist(nested, conf)).toBe(true);
    expect(JSON.parse(readFileSync(join(nested, CONFLIST_FILE), 'utf8'))).toEqual(conf);
    expect(readdirSync(nested)).toEqual([CONFLIST_FILE]);
    expect(writeConflist(nested, conf)).toBe(false);
    const other = podConflist({ podCIDR: '10.244.3.0/24', bridge: 'cni0', ipamDir: '/d' });
    expect(writeConflist(nested, other)).toBe(true);
    expect(JSON.parse(readFileSync(join(nested, CONFLIST_FILE), 'utf8'))).toEqual(other);
  });
});
