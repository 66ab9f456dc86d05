/**
 * The bridge, host-local and loopback executables against the real kernel. A "host" namespace
 * plays the runtime's (the bridge lives there, never in the root namespace); each pod is its own
 * namespace; plugins run as real processes with CNI_NETNS=/run/netns/<pod>.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import {
  addNetns,
  buildPlugins,
  delNetns,
  execIn,
  ipJsonIn,
  type RunOutput,
  removePlugins,
  runCni,
} from '../testing/index.js';

interface Link {
  ifname: string;
  master?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_slave_data?: { hairpin?: boolean } };
  addr_info?: { local: string; prefixlen: number; scope?: string }[];
}

describeKernel('bridge plugin (real kernel)', () => {
  const namespaces: string[] = [];
  let bin = '';
  let host = '';
  let dataDir = '';
  let n = 0;

  beforeAll(() => {
    bin = buildPlugins();
    host = uniqueName('h');
    namespaces.push(host);
    addNetns(host);
    dataDir = mkdtempSync(join(tmpdir(), 'sy-br-ipam-'));
  });
  afterAll(() => {
    for (const ns of namespaces) delNetns(ns);
    rmSync(dataDir, { recursive: true, force: true });
    removePlugins();
  });

  function pod(): { name: string; path: string; id: string } {
    const name = uniqueName('p');
    namespaces.push(name);
    n += 1;
    return { name, path: addNetns(name), id: `ctr${n}` };
  }

  const config = (extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}) => ({
    cniVersion: '1.1.0',
    name: 'brnet',
    type: 'bridge',
    bridge: 'sybr0',
    isGateway: true,
    isDefaultGateway: true,
    hairpinMode: true,
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.77.0.0/24' }]], dataDir, ...ipam },
    ...extra,
  });

  function run(
    plugin: string,
    cmd: string,
    p: { path: string; id: string },
    conf: unknown,
    extraEnv: Record<string, string> = {},
  ): Promise<RunOutput> {
    return runCni({
      binary: join(bin, plugin),
      hostNetns: `/run/netns/${host}`,
      env: {
        CNI_COMMAND: cmd,
        CNI_CONTAINERID: p.id,
        CNI_NETNS: p.path,
        CNI_IFNAME: 'eth0',
        CNI_PATH: bin,
        ...extraEnv,
      },
      config: conf,
    });
  }

  const reservations = (net = 'brnet') =>
    readdirSync(join(dataDir, net)).filter(
      (f) => !f.startsWith('last_') && f !== 'lock' && !f.startsWith('.'),
    );
  const ports = () => ipJsonIn<Link>(host, ['link', 'show', 'master', 'sybr0']).map((l) => l.ifname);

  it('ADD wires the pod to the bridge: result, addresses, routes, hairpin, gateway, reachability', async () => {
    const p = pod();
    const r = await run('bridge', 'ADD', p, config());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const res = r.json as {
      cniVersion: string;
      interfaces: { name: string; mac: string; sandbox?: string }[];
      ips: { address: string; gateway: string; interface: number }[];
      routes: { dst: string; gw?: string }[];
      dns: object;
    };
    expect(res.cniVersion).toBe('1.1.0');
    expect(res.interfaces.map((i) => i.name)).toEqual([
      'sybr0',
      expect.stringMatching(/^veth[0-9a-f]{8}$/),
      'eth0',
    ]);
    expect(res.interfaces[2]?.sandbox).toBe(p.path);
    expect(res.ips).toEqual([{ address: '10.77.0.2/24', gateway: '10.77.0.1', interface: 2 }]);
    expect(res.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.77.0.1' }]);
    expect(res.dns).toEqual({});

    const eth0 = ipJsonIn<Link>(p.name, ['addr', 'show', 'dev', 'eth0'])[0];
    expect(eth0?.flags).toContain('UP');
    expect(eth0?.addr_info?.map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.77.0.2/24');
    expect(execFileSync('ip', ['-n', p.name, 'route', 'show', 'default'], { encoding: 'utf8' })).toMatch(
      /default via 10.77.0.1 dev eth0/,
    );
    const veth = ipJsonIn<Link>(host, ['-details', 'link', 'show', 'dev', res.interfaces[1]?.name ?? ''])[0];
    expect(veth?.master).toBe('sybr0');
    expect(veth?.linkinfo?.info_slave_data?.hairpin).toBe(true);
    const br = ipJsonIn<Link>(host, ['addr', 'show', 'dev', 'sybr0'])[0];
    expect(br?.addr_info?.map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.77.0.1/24');
    expect(execIn(host, 'ping', ['-c1', '-W2', '10.77.0.2'])).toMatch(/1 received/);

    // ADD again on the same interface fails before IPAM: still exactly one reservation.
    const again = await run('bridge', 'ADD', p, config());
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({
      code: 100,
      msg: 'container veth name provided (eth0) already exists',
    });
    expect(reservations()).toEqual(['10.77.0.2']);

    // CHECK passes with the result, fails once the address is gone.
    const check = await run('bridge', 'CHECK', p, { ...config(), prevResult: res });
    expect(check.code, check.stdout).toBe(0);
    const noPrev = await run('bridge', 'CHECK', p, config());
    expect(noPrev.json).toMatchObject({ code: 7, msg: 'prevResult: required for CHECK' });
    execFileSync('ip', ['-n', p.name, 'addr', 'del', '10.77.0.2/24', 'dev', 'eth0']);
    const broken = await run('bridge', 'CHECK', p, { ...config(), prevResult: res });
    expect(broken.json).toMatchObject({ code: 104, msg: 'eth0 lacks address 10.77.0.2/24' });

    // DEL, then the runtime's second DEL with no netns and no prevResult: both succeed.
    const del = await run('bridge', 'DEL', p, { ...config(), prevResult: res });
    expect(del.code, del.stdout).toBe(0);
    expect(ipJsonIn<Link>(p.name, ['link', 'show'])).toHaveLength(1);
    expect(ports()).toEqual([]);
    expect(reservations()).toEqual([]);
    const del2 = await run('bridge', 'DEL', { ...p, path: '' }, config());
    expect(del2.code, del2.stdout).toBe(0);
  });

  it('DEL releases the address when the namespace is already gone or CNI_NETNS is empty', async () => {
    const a = pod();
    const b = pod();
    expect((await run('bridge', 'ADD', a, config())).code).toBe(0);
    expect((await run('bridge', 'ADD', b, config())).code).toBe(0);
    expect(reservations()).toHaveLength(2);
    delNetns(a.name);
    expect((await run('bridge', 'DEL', a, config())).code).toBe(0);
    expect((await run('bridge', 'DEL', { ...b, path: '' }, config())).code).toBe(0);
    expect(reservations()).toEqual([]);
    // b's interface is still in b (no netns given); the runtime deletes the namespace with it.
    delNetns(b.name);
    expect(ports()).toEqual([]);
  });

  it('a failed ADD leaves nothing behind: no veth, no reservation (exhausted IPAM, bad route)', async () => {
    const p = pod();
    const tiny = { ranges: [[{ subnet: '10.78.0.0/24', rangeStart: '10.78.0.5', rangeEnd: '10.78.0.5' }]] };
    const first = pod();
    expect((await run('bridge', 'ADD', first, config({ name: 'tiny', bridge: 'sybr4' }, tiny))).code).toBe(0);
    const before = ports();
    const tinyPorts = ipJsonIn<Link>(host, ['link', 'show', 'master', 'sybr4']).map((l) => l.ifname);
    const full = await run('bridge', 'ADD', p, config({ name: 'tiny', bridge: 'sybr4' }, tiny));
    expect(full.json).toMatchObject({ code: 101 });
    expect(ipJsonIn<Link>(host, ['link', 'show', 'master', 'sybr4']).map((l) => l.ifname)).toEqual(tinyPorts);
    expect(ipJsonIn<Link>(p.name, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    expect(reservations('tiny')).toEqual(['10.78.0.5']);
    // STATUS is forwarded to IPAM: the exhausted range makes the network unavailable (code 50).
    const status = await run('bridge', 'STATUS', p, config({ name: 'tiny', bridge: 'sybr4' }, tiny));
    expect(status.json).toMatchObject({ code: 50 });
    const ready = await run('bridge', 'STATUS', p, config());
    expect(ready).toMatchObject({ code: 0, stdout: '' });

    const badRoute = await run(
      'bridge',
      'ADD',
      p,
      config({ name: 'badroute' }, { routes: [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }] }),
    );
    expect(badRoute.code).toBe(1);
    expect(ports()).toEqual(before);
    expect(reservations('badroute')).toEqual([]);
    expect(ipJsonIn<Link>(p.name, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);

    const badConf = await run('bridge', 'ADD', p, config({}, { ranges: [[{ subnet: '10.79.0.0/33' }]] }));
    expect(badConf.json).toMatchObject({
      code: 7,
      msg: 'ipam.ranges[0][0].subnet: not a CIDR: "10.79.0.0/33"',
    });
    expect(ports()).toEqual(before);
    expect((await run('bridge', 'DEL', first, config({ name: 'tiny', bridge: 'sybr4' }, tiny))).code).toBe(0);
  });

  it('ipMasq adds the pod to the plugin nft table and DEL removes exactly it', async () => {
    const p = pod();
    const conf = config(
      { name: 'masqnet', bridge: 'sybr1', ipMasq: true },
      { ranges: [[{ subnet: '10.80.0.0/24' }]] },
    );
    expect((await run('bridge', 'ADD', p, conf)).code).toBe(0);
    const set = () =>
      execFileSync(
        'ip',
        ['netns', 'exec', host, 'nft', 'list', 'set', 'ip', 'switchyard-cni-bridge', 'masq-pods'],
        { encoding: 'utf8' },
      );
    expect(set()).toMatch(/elements = \{ 10\.80\.0\.2 \}/);
    const chain = execFileSync(
      'ip',
      ['netns', 'exec', host, 'nft', 'list', 'chain', 'ip', 'switchyard-cni-bridge', 'postrouting'],
      {
        encoding: 'utf8',
      },
    );
    expect(chain).toMatch(
      /ip saddr @masq-pods ip daddr != @masq-local ip daddr != 224\.0\.0\.0\/4 masquerade/,
    );
    const del = await run('bridge', 'DEL', p, conf);
    expect(del.code, del.stdout).toBe(0);
    expect(set()).not.toMatch(/10\.80\.0\.2/);
    expect((await run('bridge', 'DEL', p, conf)).code).toBe(0);
  });

  it('50 concurrent ADDs give 50 distinct reachable IPs; 50 concurrent DELs leave no ports and an empty store', async () => {
    const pods = Array.from({ length: 50 }, () => pod());
    const conf = config({ name: 'conc', bridge: 'sybr2' }, { ranges: [[{ subnet: '10.81.0.0/24' }]] });
    const adds = await Promise.all(pods.map((p) => run('bridge', 'ADD', p, conf)));
    for (const r of adds) expect(r.code, r.stdout + r.stderr).toBe(0);
    const ips = adds.map(
      (r) => ((r.json?.ips as { address: string }[])[0]?.address ?? '').split('/')[0] ?? '',
    );
    expect(new Set(ips).size).toBe(50);
    for (const a of ips) expect(execIn(host, 'ping', ['-c1', '-W2', a])).toMatch(/1 received/);
    expect(ipJsonIn<Link>(host, ['link', 'show', 'master', 'sybr2'])).toHaveLength(50);
    const dels = await Promise.all(pods.map((p) => run('bridge', 'DEL', p, conf)));
    for (const r of dels) expect(r.code, r.stdout).toBe(0);
    expect(ipJsonIn<Link>(host, ['link', 'show', 'master', 'sybr2'])).toEqual([]);
    expect(reservations('conc')).toEqual([]);
  });

  it('a different bridge address fails unless forceAddress replaces it (mtu applied to both ends)', async () => {
    // (vlan is not covered here: this kernel has no bridge VLAN filtering, "Operation not supported".)
    const p = pod();
    const conf = config(
      { name: 'forcenet', bridge: 'sybr5', mtu: 1400 },
      { ranges: [[{ subnet: '10.84.0.0/24' }]] },
    );
    const add = await run('bridge', 'ADD', p, conf);
    expect(add.code, add.stdout).toBe(0);
    expect(ipJsonIn<Link & { mtu: number }>(p.name, ['link', 'show', 'dev', 'eth0'])[0]?.mtu).toBe(1400);
    const veth = (add.json?.interfaces as { name: string }[])[1]?.name ?? '';
    expect(ipJsonIn<Link & { mtu: number }>(host, ['link', 'show', 'dev', veth])[0]?.mtu).toBe(1400);
    expect((await run('bridge', 'DEL', p, conf)).code).toBe(0);

    // Same bridge, another subnet: the reference's "already has an IP address different" rule.
    const q = pod();
    const other = config({ name: 'forcenet2', bridge: 'sybr5' }, { ranges: [[{ subnet: '10.86.0.0/24' }]] });
    const refused = await run('bridge', 'ADD', q, other);
    expect(refused.json).toMatchObject({
      code: 7,
      msg: 'bridge: sybr5 already has an IP address 10.84.0.1/24 different from 10.86.0.1/24',
    });
    expect(reservations('forcenet2')).toEqual([]);
    expect(ipJsonIn<Link>(host, ['link', 'show', 'master', 'sybr5'])).toEqual([]);
    const forced = await run(
      'bridge',
      'ADD',
      q,
      config(
        { name: 'forcenet2', bridge: 'sybr5', forceAddress: true },
        { ranges: [[{ subnet: '10.86.0.0/24' }]] },
      ),
    );
    expect(forced.code, forced.stdout).toBe(0);
    const br = ipJsonIn<Link>(host, ['addr', 'show', 'dev', 'sybr5'])[0];
    expect(br?.addr_info?.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([
      '10.86.0.1/24',
    ]);
    expect((await run('bridge', 'DEL', q, other)).code).toBe(0);
  });

  it('GC through the bridge releases every reservation not in cni.dev/valid-attachments', async () => {
    const a = pod();
    const b = pod();
    const conf = config({ name: 'gcnet', bridge: 'sybr6' }, { ranges: [[{ subnet: '10.87.0.0/24' }]] });
    for (const p of [a, b]) expect((await run('bridge', 'ADD', p, conf)).code).toBe(0);
    const gc = await runCni({
      binary: join(bin, 'bridge'),
      hostNetns: `/run/netns/${host}`,
      env: { CNI_COMMAND: 'GC', CNI_PATH: bin },
      config: { ...conf, 'cni.dev/valid-attachments': [{ containerID: b.id, ifname: 'eth0' }] },
    });
    expect(gc).toMatchObject({ code: 0, stdout: '' });
    expect(reservations('gcnet')).toEqual(['10.87.0.3']);
    for (const p of [a, b]) expect((await run('bridge', 'DEL', p, conf)).code).toBe(0);
    expect(reservations('gcnet')).toEqual([]);
  });

  it('works with CNI_NETNS=/proc/PID/ns/net (entered through nsenter) as well as /run/netns paths', async () => {
    const p = pod();
    const holder = spawn('ip', ['netns', 'exec', p.name, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const byPid = { ...p, path: `/proc/${holder.pid}/ns/net` };
      const conf = config({ name: 'pidnet', bridge: 'sybr7' }, { ranges: [[{ subnet: '10.88.0.0/24' }]] });
      const add = await run('bridge', 'ADD', byPid, conf);
      expect(add.code, add.stdout).toBe(0);
      expect(
        ipJsonIn<Link>(p.name, ['addr', 'show', 'dev', 'eth0'])[0]?.addr_info?.map((a) => a.local),
      ).toContain('10.88.0.2');
      expect((await run('bridge', 'DEL', byPid, conf)).code).toBe(0);
      expect(ipJsonIn<Link>(p.name, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
      expect(reservations('pidnet')).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('ADD into a namespace that does not exist fails with code 3 and creates nothing, not even the bridge', async () => {
    const ghost = { path: `/run/netns/${uniqueName('gone')}`, id: 'ghost' };
    const conf = config({ name: 'ghostnet', bridge: 'sybr8' }, { ranges: [[{ subnet: '10.91.0.0/24' }]] });
    const add = await run('bridge', 'ADD', ghost, conf);
    expect(add.json).toMatchObject({
      code: 3,
      msg: `CNI_NETNS: network namespace ${ghost.path} does not exist`,
    });
    expect(ipJsonIn<Link>(host, ['link', 'show']).map((l) => l.ifname)).not.toContain('sybr8');
    expect((await run('bridge', 'DEL', ghost, conf)).code).toBe(0);
  });

  it('delegates IPAM by exec to a foreign plugin (the reference host-local, cniVersion 1.0.0)', async () => {
    const p = pod();
    const conf = {
      ...config({ name: 'refipam', bridge: 'sybr3' }, { ranges: [[{ subnet: '10.82.0.0/24' }]] }),
      cniVersion: '1.0.0',
    };
    const add = await run('bridge', 'ADD', p, conf, { CNI_PATH: '/usr/lib/cni' });
    expect(add.code, add.stdout).toBe(0);
    expect((add.json?.ips as { address: string }[])[0]?.address).toBe('10.82.0.2/24');
    expect(reservations('refipam')).toEqual(['10.82.0.2']);
    expect((await run('bridge', 'DEL', { ...p, path: '' }, conf, { CNI_PATH: '/usr/lib/cni' })).code).toBe(0);
    expect(reservations('refipam')).toEqual([]);
  });

  it('loopback brings lo up on ADD (result with 127.0.0.1/8) and down on DEL; DEL without netns succeeds', async () => {
    const p = pod();
    execFileSync('ip', ['-n', p.name, 'link', 'set', 'lo', 'down']);
    const conf = { cniVersion: '1.1.0', name: 'lo', type: 'loopback' };
    const add = await run('loopback', 'ADD', p, conf);
    expect(add.code, add.stdout).toBe(0);
    expect(add.json).toMatchObject({
      interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: p.path }],
      ips: expect.arrayContaining([{ interface: 0, address: '127.0.0.1/8' }]),
    });
    expect(ipJsonIn<Link>(p.name, ['link', 'show', 'dev', 'lo'])[0]?.flags).toContain('UP');
    expect((await run('loopback', 'CHECK', p, { ...conf, prevResult: add.json })).code).toBe(0);
    expect((await run('loopback', 'DEL', p, conf)).code).toBe(0);
    expect(ipJsonIn<Link>(p.name, ['link', 'show', 'dev', 'lo'])[0]?.flags).not.toContain('UP');
    expect((await run('loopback', 'DEL', { ...p, path: '' }, conf)).code).toBe(0);
  });
});
