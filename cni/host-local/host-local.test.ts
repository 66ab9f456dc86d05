import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CniCode, isCniError, type NetConf } from '../../lib/cni/index.js';
import { DiskStore, ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus, parseIpamConfig } from './index.js';

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'sy-hl-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function conf(ranges: unknown, extra: Record<string, unknown> = {}) {
  const nc: NetConf = {
    cniVersion: '1.1.0',
    name: 'net1',
    type: 'host-local',
    ipam: { type: 'host-local', ranges, dataDir, routes: [{ dst: '0.0.0.0/0' }] },
    ...extra,
  };
  return parseIpamConfig(nc);
}
const att = (containerId: string, ifname = 'eth0') => ({ containerId, ifname });
const files = (): string[] => readdirSync(join(dataDir, 'net1')).sort();

describe('host-local operations', () => {
  it('allocates one IPv4 and one IPv6 per attachment, with gateway and routes, in the reference layout', async () => {
    const c = conf([[{ subnet: '10.5.0.0/24' }], [{ subnet: 'fd05::/64' }]]);
    const r = await ipamAdd(c, att('c1'));
    expect(r.ips).toEqual([
      { address: '10.5.0.2/24', gateway: '10.5.0.1' },
      { address: 'fd05::2/64', gateway: 'fd05::1' },
    ]);
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    expect(files()).toEqual(['10.5.0.2', 'fd05::2', 'last_reserved_ip.0', 'last_reserved_ip.1']);
    expect(readFileSync(join(dataDir, 'net1', '10.5.0.2'), 'utf8')).toBe('c1\r\neth0');
    expect(readFileSync(join(dataDir, 'net1', 'last_reserved_ip.1'), 'utf8')).toBe('fd05::2');
  });

  it('refuses a second allocation for the same attachment without touching the store', async () => {
    const c = conf([[{ subnet: '10.5.0.0/24' }]]);
    await ipamAdd(c, att('c1'));
    const err = await ipamAdd(c, att('c1')).catch((e: unknown) => e);
    expect(isCniError(err, CniCode.DuplicateAllocation)).toBe(true);
    expect((err as Error).message).toBe(
      '10.5.0.2 has been allocated to c1, duplicate allocation is not allowed',
    );
    expect((await ipamAdd(c, att('c1', 'net1'))).ips?.[0]?.address).toBe('10.5.0.3/24');
  });

  it('is round-robin across DEL and ADD, and DEL is idempotent', async () => {
    const c = conf([[{ subnet: '10.5.0.0/24' }]]);
    await ipamAdd(c, att('a'));
    expect(await ipamDel(c, att('a'))).toEqual(['10.5.0.2']);
    expect(await ipamDel(c, att('a'))).toEqual([]);
    expect((await ipamAdd(c, att('b'))).ips?.[0]?.address).toBe('10.5.0.3/24');
  });

  it('honours a requested IP, refuses a taken one, and rolls back earlier sets when a later one fails', async () => {
    const c = conf(
      [[{ subnet: '10.5.0.0/24' }], [{ subnet: 'fd05::/120', rangeStart: 'fd05::2', rangeEnd: 'fd05::2' }]],
      {
        runtimeConfig: { ips: ['10.5.0.77'] },
      },
    );
    expect((await ipamAdd(c, att('a'))).ips?.map((i) => i.address)).toEqual(['10.5.0.77/24', 'fd05::2/120']);
    const again = conf([
      [{ subnet: '10.5.0.0/24' }],
      [{ subnet: 'fd05::/120', rangeStart: 'fd05::2', rangeEnd: 'fd05::2' }],
    ]);
    const err = await ipamAdd(again, att('b')).catch((e: unknown) => e);
    expect(isCniError(err, CniCode.NoAddressAvailable)).toBe(true);
    // b's IPv4 address from the first set was released again: only a's addresses remain.
    expect(files().filter((f) => !f.startsWith('last') && f !== 'lock')).toEqual(['10.5.0.77', 'fd05::2']);
    const taken = await ipamAdd(c, att('c')).catch((e: unknown) => e);
    expect((taken as Error).message).toMatch(/10.5.0.77 is already allocated/);
  });

  it('GC keeps exactly the valid attachments', async () => {
    const c = conf([[{ subnet: '10.5.0.0/24' }]]);
    for (const id of ['a', 'b', 'c']) await ipamAdd(c, att(id));
    const released = await ipamGc(c, { valid: [{ containerID: 'b', ifname: 'eth0' }] });
    expect(released.sort()).toEqual(['10.5.0.2', '10.5.0.4']);
    expect(new DiskStore(dataDir, 'net1').list()).toEqual([
      { ip: '10.5.0.3', containerId: 'b', ifname: 'eth0' },
    ]);
  });

  it('CHECK passes for the held address and fails once it is released', async () => {
    const c = conf([[{ subnet: '10.5.0.0/24' }]]);
    const r = await ipamAdd(c, att('a'));
    await ipamCheck(c, { ...att('a'), prev: r });
    await ipamDel(c, att('a'));
    await expect(ipamCheck(c, { ...att('a'), prev: r })).rejects.toThrow(/no address reserved/);
  });

  it('STATUS reports code 50 when a range set is exhausted', async () => {
    const c = conf([[{ subnet: '10.5.0.0/24', rangeStart: '10.5.0.2', rangeEnd: '10.5.0.3' }]]);
    await ipamStatus(c);
    await ipamAdd(c, att('a'));
    await ipamAdd(c, att('b'));
    const err = await ipamStatus(c).catch((e: unknown) => e);
    expect(isCniError(err, CniCode.NotAvailable)).toBe(true);
    const full = await ipamAdd(c, att('c')).catch((e: unknown) => e);
    expect((full as Error).message).toBe('no IP addresses available in range set: 10.5.0.0/24');
  });
});
