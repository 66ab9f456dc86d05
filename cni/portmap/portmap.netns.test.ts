/**
 * portmap chained after bridge, as real processes in a "host" namespace: DNAT from the host's
 * address and from localhost, hairpin (a pod reaching itself through its host port), DEL that
 * removes exactly its own entries with or without prevResult, CHECK, GC.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { addNetns, buildPlugins, delNetns, type RunOutput, removePlugins, runCni } from '../testing/index.js';

describeKernel('portmap plugin (real kernel)', () => {
  const namespaces: string[] = [];
  const servers: ChildProcess[] = [];
  let bin = '';
  let host = '';
  let dataDir = '';
  let n = 0;

  beforeAll(() => {
    bin = buildPlugins();
    host = uniqueName('h');
    namespaces.push(host);
    addNetns(host);
    dataDir = mkdtempSync(join(tmpdir(), 'sy-pm-ipam-'));
  });
  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
    for (const ns of namespaces) delNetns(ns);
    rmSync(dataDir, { recursive: true, force: true });
    removePlugins();
  });

  const bridgeConf = () => ({
    cniVersion: '1.1.0',
    name: 'pmnet',
    type: 'bridge',
    bridge: 'sypm0',
    isGateway: true,
    isDefaultGateway: true,
    hairpinMode: true,
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.83.0.0/24' }]], dataDir },
  });
  const pmConf = (prevResult: unknown, portMappings: unknown[], extra: Record<string, unknown> = {}) => ({
    cniVersion: '1.1.0',
    name: 'pmnet',
    type: 'portmap',
    capabilities: { portMappings: true },
    runtimeConfig: { portMappings },
    ...(prevResult === undefined ? {} : { prevResult }),
    ...extra,
  });

  function run(
    plugin: string,
    cmd: string,
    p: { path: string; id: string },
    conf: unknown,
  ): Promise<RunOutput> {
    return runCni({
      binary: join(bin, plugin),
      hostNetns: `/run/netns/${host}`,
      env: { CNI_COMMAND: cmd, CNI_CONTAINERID: p.id, CNI_NETNS: p.path, CNI_IFNAME: 'eth0', CNI_PATH: bin },
      config: conf,
    });
  }

  async function podWithServer(
    reply: string,
  ): Promise<{ name: string; path: string; id: string; result: unknown }> {
    const name = uniqueName('p');
    namespaces.push(name);
    n += 1;
    const p = { name, path: addNetns(name), id: `pm${n}` };
    const add = await run('bridge', 'ADD', p, bridgeConf());
    expect(add.code, add.stdout).toBe(0);
    const server = spawn(
      'ip',
      ['netns', 'exec', name, 'socat', 'TCP-LISTEN:80,fork,reuseaddr', `SYSTEM:echo ${reply}`],
      {
        stdio: 'ignore',
      },
    );
    servers.push(server);
    return { ...p, result: add.json };
  }

  function fetchFrom(ns: string, target: string): string {
    for (let i = 0; i < 20; i++) {
      try {
        const proto = target.startsWith('[') ? 'TCP6' : 'TCP';
        const out = execFileSync(
          'ip',
          ['netns', 'exec', ns, 'socat', '-T2', 'STDIO', `${proto}:${target},connect-timeout=2`],
          {
            encoding: 'utf8',
            input: '',
          },
        ).trim();
        if (out) return out;
      } catch {
        // server not listening yet
      }
      execFileSync('sleep', ['0.1']);
    }
    return '';
  }

  const nftSet = (fam: string, set: string) =>
    execFileSync('ip', ['netns', 'exec', host, 'nft', 'list', 'map', fam, 'switchyard-cni-portmap', set], {
      encoding: 'utf8',
    });

  it('forwards host ports (containerd-style capitalised keys) from the host address, localhost and hairpin', async () => {
    const a = await podWithServer('from-a');
    const b = await podWithServer('from-b');
    const mapsA = [{ HostPort: 18080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }];
    const mapsB = [{ hostPort: 18081, containerPort: 80, protocol: 'tcp' }];
    const addA = await run('portmap', 'ADD', a, pmConf(a.result, mapsA));
    expect(addA.code, addA.stdout).toBe(0);
    expect(addA.json).toEqual(a.result);
    expect((await run('portmap', 'ADD', b, pmConf(b.result, mapsB))).code).toBe(0);

    expect(fetchFrom(host, '10.83.0.1:18080')).toBe('from-a');
    expect(fetchFrom(host, '10.83.0.1:18081')).toBe('from-b');
    expect(fetchFrom(host, '127.0.0.1:18080')).toBe('from-a');
    // Hairpin: pod a reaches itself through its own host port (needs the masquerade entry).
    expect(fetchFrom(a.name, '10.83.0.1:18080')).toBe('from-a');

    const check = await run('portmap', 'CHECK', a, pmConf(a.result, mapsA));
    expect(check.code, check.stdout).toBe(0);

    // DEL of a removes exactly a's entries; b still answers. A second DEL without prevResult is fine.
    const del = await run('portmap', 'DEL', a, pmConf(undefined, mapsA));
    expect(del.code, del.stdout).toBe(0);
    const map = nftSet('ip', 'hostports');
    expect(map).not.toMatch(/18080/);
    expect(map).toMatch(/tcp \. 18081 comment "pm\d+\/eth0" : 10\.83\.0\.\d+ \. 80/);
    expect(fetchFrom(host, '10.83.0.1:18081')).toBe('from-b');
    expect((await run('portmap', 'DEL', { ...a, path: '' }, pmConf(undefined, []))).code).toBe(0);
    const broken = await run('portmap', 'CHECK', a, pmConf(a.result, mapsA));
    expect(broken.json).toMatchObject({ code: 104 });

    // GC keeps only valid attachments: b is not listed, so its entries go.
    const gc = await runCni({
      binary: join(bin, 'portmap'),
      hostNetns: `/run/netns/${host}`,
      env: { CNI_COMMAND: 'GC', CNI_PATH: bin },
      config: {
        ...pmConf(undefined, []),
        'cni.dev/valid-attachments': [{ containerID: a.id, ifname: 'eth0' }],
      },
    });
    expect(gc).toMatchObject({ code: 0, stdout: '' });
    expect(nftSet('ip', 'hostports')).not.toMatch(/18081/);
    for (const p of [a, b]) expect((await run('bridge', 'DEL', p, bridgeConf())).code).toBe(0);
  });

  it('forwards over IPv6 too (dual-stack pod, ip6 table)', async () => {
    const name = uniqueName('p');
    namespaces.push(name);
    const p = { name, path: addNetns(name), id: 'pm6' };
    const dual = {
      ...bridgeConf(),
      name: 'pm6net',
      bridge: 'sypm1',
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: '10.89.0.0/24' }], [{ subnet: 'fd89::/64' }]],
        dataDir,
      },
    };
    const add = await run('bridge', 'ADD', p, dual);
    expect(add.code, add.stdout).toBe(0);
    servers.push(
      spawn('ip', ['netns', 'exec', name, 'socat', 'TCP6-LISTEN:80,fork,reuseaddr', 'SYSTEM:echo from-v6'], {
        stdio: 'ignore',
      }),
    );
    const maps = [{ hostPort: 18100, containerPort: 80, protocol: 'tcp' }];
    expect((await run('portmap', 'ADD', p, pmConf(add.json, maps, { name: 'pm6net' }))).code).toBe(0);
    expect(nftSet('ip6', 'hostports')).toMatch(/tcp \. 18100 comment "pm6\/eth0" : fd89::2 \. 80/);
    expect(fetchFrom(host, '[fd89::1]:18100')).toBe('from-v6');
    expect((await run('portmap', 'DEL', p, pmConf(undefined, [], { name: 'pm6net' }))).code).toBe(0);
    expect(nftSet('ip6', 'hostports')).not.toMatch(/18100/);
    expect((await run('bridge', 'DEL', p, dual)).code).toBe(0);
  });

  it('honours hostIP and rejects bad mappings with the field named', async () => {
    const c = await podWithServer('from-c');
    execFileSync('ip', ['-n', host, 'addr', 'add', '192.0.2.10/32', 'dev', 'lo']);
    const maps = [{ hostPort: 18090, containerPort: 80, hostIP: '192.0.2.10' }];
    expect((await run('portmap', 'ADD', c, pmConf(c.result, maps))).code).toBe(0);
    expect(fetchFrom(host, '192.0.2.10:18090')).toBe('from-c');
    expect(nftSet('ip', 'hostip-ports')).toMatch(/192\.0\.2\.10 \. tcp \. 18090/);
    const bad = await run('portmap', 'ADD', c, pmConf(c.result, [{ hostPort: 70000, containerPort: 80 }]));
    expect(bad.json).toMatchObject({
      code: 7,
      msg: 'runtimeConfig.portMappings[0].hostPort: must be a port 1–65535, got 70000',
    });
    const noPrev = await run('portmap', 'ADD', c, pmConf(undefined, maps));
    expect(noPrev.json).toMatchObject({ code: 7 });
    expect((await run('portmap', 'DEL', c, pmConf(c.result, maps))).code).toBe(0);
    expect(nftSet('ip', 'hostip-ports')).not.toMatch(/18090/);
    expect((await run('bridge', 'DEL', c, bridgeConf())).code).toBe(0);
  });
});
