/**
 * host-local as real processes: concurrency across processes (the lock) and crash safety
 * (SIGKILL at arbitrary points of ADD never leaves an address reserved twice or the lock held).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugins, removePlugins, runCni } from '../testing/index.js';

let bin = '';
let dataDir = '';
beforeAll(() => {
  bin = join(buildPlugins(), 'host-local');
  dataDir = mkdtempSync(join(tmpdir(), 'sy-hlp-'));
});
afterAll(() => {
  removePlugins();
  rmSync(dataDir, { recursive: true, force: true });
});

const config = (name: string) => ({
  cniVersion: '1.1.0',
  name,
  type: 'host-local',
  ipam: { type: 'host-local', ranges: [[{ subnet: '10.7.0.0/24' }], [{ subnet: 'fd07::/64' }]], dataDir },
});
const env = (cmd: string, id: string) => ({
  CNI_COMMAND: cmd,
  CNI_CONTAINERID: id,
  CNI_NETNS: '/proc/self/ns/net',
  CNI_IFNAME: 'eth0',
});
const reservations = (name: string) =>
  readdirSync(join(dataDir, name)).filter(
    (f) => !f.startsWith('.') && !f.startsWith('last_') && f !== 'lock',
  );

describe('host-local processes', () => {
  it('20 concurrent ADDs get 20 distinct address pairs; 20 concurrent DELs empty the store', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const adds = await Promise.all(
      ids.map((id) => runCni({ binary: bin, env: env('ADD', id), config: config('conc') })),
    );
    for (const r of adds) expect(r.code, r.stdout).toBe(0);
    const v4 = adds.map((r) => (r.json?.ips as { address: string }[])[0]?.address);
    const v6 = adds.map((r) => (r.json?.ips as { address: string }[])[1]?.address);
    expect(new Set(v4).size).toBe(20);
    expect(new Set(v6).size).toBe(20);
    expect(reservations('conc')).toHaveLength(40);
    const dels = await Promise.all(
      ids.map((id) => runCni({ binary: bin, env: env('DEL', id), config: config('conc') })),
    );
    for (const r of dels) expect(r.code, r.stdout).toBe(0);
    expect(reservations('conc')).toEqual([]);
  });

  it('a process killed at any point of ADD never leaves an address twice, a torn file or the lock held', async () => {
    const name = 'crash';
    const input = JSON.stringify(config(name));
    for (let i = 0; i < 16; i++) {
      // Kill after a delay spread over a whole ADD (start-up, lock, allocation, write).
      const delay = 40 + i * 12;
      await new Promise<void>((resolve) => {
        const child = spawn(bin, [], { env: { PATH: process.env.PATH ?? '', ...env('ADD', `k${i}`) } });
        child.stdin.end(input);
        const t = setTimeout(() => child.kill('SIGKILL'), delay);
        child.on('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    // Every reservation is complete (id + ifname), each attachment holds at most one per family.
    const owners = new Map<string, string[]>();
    for (const ip of reservations(name)) {
      const text = readFileSync(join(dataDir, name, ip), 'utf8');
      expect(text).toMatch(/^k\d+\r\neth0$/);
      owners.set(text, [...(owners.get(text) ?? []), ip]);
    }
    for (const ips of owners.values()) {
      expect(ips.filter((ip) => ip.includes(':')).length).toBeLessThanOrEqual(1);
      expect(ips.filter((ip) => !ip.includes(':')).length).toBeLessThanOrEqual(1);
    }
    // The lock is free and the store usable: a fresh ADD works and gets an unused address.
    const fresh = await runCni({ binary: bin, env: env('ADD', 'fresh'), config: input });
    expect(fresh.code, fresh.stdout).toBe(0);
    const got = (fresh.json?.ips as { address: string }[]).map((x) => x.address.split('/')[0]);
    for (const ip of got) expect(readFileSync(join(dataDir, name, ip ?? ''), 'utf8')).toBe('fresh\r\neth0');
    // DEL of every killed attachment (as the runtime would after a failed ADD) empties the store.
    for (let i = 0; i < 16; i++) await runCni({ binary: bin, env: env('DEL', `k${i}`), config: input });
    await runCni({ binary: bin, env: env('DEL', 'fresh'), config: input });
    expect(reservations(name)).toEqual([]);
    expect(readdirSync(join(dataDir, name)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('GC from the executable removes what is not in cni.dev/valid-attachments and prints nothing', async () => {
    const name = 'gc';
    for (const id of ['g1', 'g2'])
      expect((await runCni({ binary: bin, env: env('ADD', id), config: config(name) })).code).toBe(0);
    const gc = await runCni({
      binary: bin,
      env: { CNI_COMMAND: 'GC', CNI_PATH: '/nonexistent' },
      config: { ...config(name), 'cni.dev/valid-attachments': [{ containerID: 'g2', ifname: 'eth0' }] },
    });
    expect(gc).toMatchObject({ code: 0, stdout: '' });
    expect(reservations(name).map((ip) => readFileSync(join(dataDir, name, ip), 'utf8'))).toEqual([
      'g2\r\neth0',
      'g2\r\neth0',
    ]);
  });

  it('a bad config fails with code 7 naming the field', async () => {
    const r = await runCni({
      binary: bin,
      env: env('ADD', 'x'),
      config: {
        ...config('bad'),
        ipam: { ranges: [[{ subnet: '10.7.0.0/24', gateway: '10.8.0.1' }]], dataDir },
      },
    });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({
      code: 7,
      msg: 'ipam.ranges[0][0].gateway: 10.8.0.1 is not in subnet 10.7.0.0/24',
    });
  });
});
