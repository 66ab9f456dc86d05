/**
 * Hostile runtime input, table-driven, against the four real plugin executables run as a
 * runtime runs them (in a "host" namespace, CNI_* env + stdin): each row must fail with its CNI
 * error code and a message naming the field, and leave the kernel and the IPAM store exactly
 * as they were — links in the host and pod namespaces, the host's /proc/sys/net/ipv4/conf/*
 * route_localnet values, its nft ruleset, and every file under the IPAM data directory.
 * NUL bytes appear only in JSON rows: execve cannot pass one in an environment variable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../test/harness/kernel.js';
import {
  addNetns,
  buildPlugins,
  delNetns,
  ipJsonIn,
  type RunOutput,
  removePlugins,
  runCni,
} from './testing/index.js';

type PluginName = 'bridge' | 'host-local' | 'loopback' | 'portmap';
const PLUGINS: readonly PluginName[] = ['bridge', 'host-local', 'loopback', 'portmap'];

/** What a row changes from the base call: env variables (undefined = unset) and/or the config. */
interface Row {
  readonly name: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly conf?: (base: Record<string, unknown>) => Record<string, unknown>;
  readonly command?: string;
  readonly code: number;
  /** What the message must name (the field). */
  readonly field: RegExp;
}

const sixteen = 'abcdefghijklmnop';

describeKernel('hostile runtime input (real plugin executables)', () => {
  let bin = '';
  let host = '';
  let pod = '';
  let podPath = '';
  let dataDir = '';
  let scratch = '';
  /** CNI_NETNS values prepared in beforeAll (they need real files). */
  const netns: Record<string, string> = {};

  beforeAll(() => {
    bin = buildPlugins();
    host = uniqueName('h');
    pod = uniqueName('p');
    addNetns(host);
    podPath = addNetns(pod);
    dataDir = mkdtempSync(join(tmpdir(), 'sy-hostile-ipam-'));
    scratch = mkdtempSync(join(tmpdir(), 'sy-hostile-'));
    // Two existing paths into the pod's namespace: `x`, and `x` + newline + an `ip` command.
    // Spliced unquoted into the host-side batch line (`… netns <path>`), the second would run
    // `link add syevil type bridge` in the host namespace.
    const x = join(scratch, 'x');
    symlinkSync(podPath, x);
    netns.injecting = `${x}\nlink add syevil type bridge`;
    symlinkSync(podPath, netns.injecting);
    netns.notNamespace = join(scratch, 'dir');
    mkdirSync(netns.notNamespace);
    netns.ghost = `/run/netns/${uniqueName('g')}`;
  });
  afterAll(() => {
    delNetns(pod);
    delNetns(host);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    removePlugins();
  });

  const ipam = () => ({ type: 'host-local', ranges: [[{ subnet: '10.86.0.0/24' }]], dataDir });
  const baseConf = (plugin: PluginName): Record<string, unknown> => {
    const common = { cniVersion: '1.1.0', name: 'hostile', type: plugin };
    switch (plugin) {
      case 'bridge':
        return { ...common, bridge: 'syhb0', isGateway: true, ipam: ipam() };
      case 'host-local':
        return { ...common, ipam: ipam() };
      case 'loopback':
        return common;
      case 'portmap':
        return {
          ...common,
          runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] },
          prevResult: {
            cniVersion: '1.1.0',
            interfaces: [{ name: 'syhb0' }, { name: 'vethsyhb0' }, { name: 'eth0', sandbox: podPath }],
            ips: [{ interface: 2, address: '10.86.0.5/24', gateway: '10.86.0.1' }],
          },
        };
    }
  };

  function run(plugin: PluginName, row: Pick<Row, 'env' | 'conf' | 'command'>): Promise<RunOutput> {
    const env: Record<string, string> = {};
    const merged = {
      CNI_COMMAND: row.command ?? 'ADD',
      CNI_CONTAINERID: 'hostile1',
      CNI_NETNS: podPath,
      CNI_IFNAME: 'eth0',
      CNI_PATH: bin,
      ...row.env,
    };
    for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
    const base = baseConf(plugin);
    return runCni({
      binary: join(bin, plugin),
      hostNetns: `/run/netns/${host}`,
      env,
      config: row.conf ? row.conf(base) : base,
    });
  }

  function files(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  }

  /** Everything a plugin could have touched. */
  function snapshot(): unknown {
    const names = (ns: string) =>
      ipJsonIn<{ ifname: string }>(ns, ['link', 'show'])
        .map((l) => l.ifname)
        .sort();
    const inHost = (cmd: string, args: readonly string[]) =>
      execFileSync('ip', ['netns', 'exec', host, cmd, ...args], { encoding: 'utf8' });
    return {
      hostLinks: names(host),
      podLinks: names(pod),
      routeLocalnet: inHost('sh', ['-c', 'grep -H . /proc/sys/net/ipv4/conf/*/route_localnet']),
      nft: inHost('nft', ['list', 'ruleset']),
      ipam: files(dataDir),
    };
  }

  it('the base call of each plugin succeeds, so every failure below is the hostile field', async () => {
    for (const plugin of PLUGINS) {
      const add = await run(plugin, {});
      expect(add.code, `${plugin}: ${add.stdout}`).toBe(0);
      const del = await run(plugin, { command: 'DEL' });
      expect(del.code, `${plugin}: ${del.stdout}`).toBe(0);
    }
  });

  const envRows = (): Row[] => [
    { name: 'CNI_IFNAME with a newline', env: { CNI_IFNAME: 'eth0\nlink' }, code: 4, field: /CNI_IFNAME/ },
    { name: 'CNI_IFNAME ..', env: { CNI_IFNAME: '..' }, code: 4, field: /CNI_IFNAME/ },
    { name: 'CNI_IFNAME .', env: { CNI_IFNAME: '.' }, code: 4, field: /CNI_IFNAME/ },
    { name: 'CNI_IFNAME ../../x', env: { CNI_IFNAME: '../../x' }, code: 4, field: /CNI_IFNAME/ },
    { name: 'CNI_IFNAME all', env: { CNI_IFNAME: 'all' }, code: 4, field: /CNI_IFNAME/ },
    { name: 'CNI_IFNAME default', env: { CNI_IFNAME: 'default' }, code: 4, field: /CNI_IFNAME/ },
    { name: 'CNI_IFNAME of 16 bytes', env: { CNI_IFNAME: sixteen }, code: 4, field: /CNI_IFNAME/ },
    {
      name: 'CNI_IFNAME of 9 characters, 18 bytes',
      env: { CNI_IFNAME: 'é'.repeat(9) },
      code: 4,
      field: /CNI_IFNAME/,
    },
    { name: 'CNI_IFNAME empty', env: { CNI_IFNAME: '' }, code: 4, field: /CNI_IFNAME/ },
    { name: 'CNI_NETNS relative', env: { CNI_NETNS: 'run/netns/x' }, code: 4, field: /CNI_NETNS/ },
    { name: 'CNI_NETNS does not exist', env: { CNI_NETNS: '<ghost>' }, code: 3, field: /CNI_NETNS/ },
    {
      name: 'CNI_NETNS existing, with a newline and an ip command',
      env: { CNI_NETNS: '<injecting>' },
      code: 4,
      field: /CNI_NETNS/,
    },
    { name: 'CNI_NETNS not a namespace', env: { CNI_NETNS: '<notNamespace>' }, code: 4, field: /CNI_NETNS/ },
    { name: 'CNI_NETNS empty', env: { CNI_NETNS: '' }, code: 4, field: /CNI_NETNS/ },
    { name: 'CNI_CONTAINERID ../x', env: { CNI_CONTAINERID: '../x' }, code: 4, field: /CNI_CONTAINERID/ },
    {
      name: 'CNI_CONTAINERID with a newline',
      env: { CNI_CONTAINERID: 'a\nb' },
      code: 4,
      field: /CNI_CONTAINERID/,
    },
    { name: 'CNI_CONTAINERID empty', env: { CNI_CONTAINERID: '' }, code: 4, field: /CNI_CONTAINERID/ },
    {
      name: 'CNI_PATH relative',
      env: { CNI_PATH: `opt/cni/bin:${'/usr/lib/cni'}` },
      code: 4,
      field: /CNI_PATH/,
    },
    { name: 'network name ../x', conf: (c) => ({ ...c, name: '../x' }), code: 7, field: /^name: / },
    { name: 'network name with NUL', conf: (c) => ({ ...c, name: 'a\u0000b' }), code: 7, field: /^name: / },
    { name: 'network name empty', conf: (c) => ({ ...c, name: '' }), code: 7, field: /^name: / },
  ];

  const bridgeName = (bridge: string, label = JSON.stringify(bridge)): Row => ({
    name: `bridge name ${label}`,
    conf: (c) => ({ ...c, bridge }),
    code: 7,
    field: /^bridge: /,
  });
  const dataDirRow = (dir: string, label: string): Row => ({
    name: `ipam.dataDir ${label}`,
    conf: (c) => ({ ...c, ipam: { ...(c.ipam as object), dataDir: dir } }),
    code: 7,
    field: /^ipam\.dataDir: /,
  });
  const hostSideName = (name: string, label = JSON.stringify(name)): Row => ({
    name: `prevResult host-side interface ${label}`,
    conf: (c) => {
      const prev = c.prevResult as { interfaces: { name: string }[] };
      return { ...c, prevResult: { ...prev, interfaces: [{ name }, ...prev.interfaces.slice(1)] } };
    },
    code: 7,
    field: /^prevResult\.interfaces\[0\]\.name: /,
  });

  const specificRows: Record<PluginName, Row[]> = {
    bridge: [
      bridgeName('all'),
      bridgeName('default'),
      bridgeName('../../x'),
      bridgeName('..'),
      bridgeName('syb\u0000x', 'with NUL'),
      bridgeName('syb\nlink add syevil type bridge', 'with a newline and an ip command'),
      bridgeName(sixteen, 'of 16 bytes'),
      bridgeName(''),
      dataDirRow('var/lib/cni', 'relative'),
      dataDirRow('/tmp/a\u0000b', 'with NUL'),
      {
        name: 'CHECK with prevResult naming interface all',
        command: 'CHECK',
        conf: (c) => ({ ...c, prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'all' }], ips: [] } }),
        code: 7,
        field: /^prevResult\.interfaces\[0\]\.name: /,
      },
      {
        name: 'DEL with a prevResult address holding nft syntax (ipMasq)',
        command: 'DEL',
        conf: (c) => ({
          ...c,
          ipMasq: true,
          prevResult: { cniVersion: '1.1.0', ips: [{ address: '10.86.0.9 } ; flush ruleset ; {' }] },
        }),
        code: 7,
        field: /^prevResult\.ips\[0\]\.address: /,
      },
    ],
    'host-local': [
      dataDirRow('var/lib/cni', 'relative'),
      dataDirRow('/tmp/a\u0000b', 'with NUL'),
      dataDirRow('/tmp/a\nb', 'with a newline'),
      {
        name: 'ipam.resolvConf relative',
        conf: (c) => ({ ...c, ipam: { ...(c.ipam as object), resolvConf: 'etc/resolv.conf' } }),
        code: 7,
        field: /^ipam\.resolvConf: /,
      },
    ],
    loopback: [],
    portmap: [
      hostSideName('all'),
      hostSideName('default'),
      hostSideName('../conf/all'),
      hostSideName('../../x'),
      hostSideName('..'),
      hostSideName('.'),
      hostSideName('x\u0000y', 'with NUL'),
      hostSideName('x\ny', 'with a newline'),
      hostSideName(sixteen, 'of 16 bytes'),
      hostSideName('', 'empty'),
      {
        name: 'prevResult address holding nft syntax',
        conf: (c) => ({
          ...c,
          prevResult: { cniVersion: '1.1.0', ips: [{ address: '10.86.0.5/24 } ; flush ruleset ; {' }] },
        }),
        code: 7,
        field: /^prevResult\.ips\[0\]\.address: /,
      },
      { name: 'CNI_IFNAME with a double quote', env: { CNI_IFNAME: 'e"0' }, code: 4, field: /^CNI_IFNAME: / },
    ],
  };

  const resolveEnv = (env: Row['env'] = {}): NonNullable<Row['env']> => {
    if (!env.CNI_NETNS?.startsWith('<')) return env;
    return { ...env, CNI_NETNS: netns[env.CNI_NETNS.slice(1, -1)] };
  };

  for (const plugin of PLUGINS) {
    describe(plugin, () => {
      const rows = [...envRows(), ...specificRows[plugin]];
      it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
        const before = snapshot();
        const out = await run(plugin, { ...row, env: resolveEnv(row.env) });
        expect(out.code, out.stdout).toBe(1);
        const json = out.json as { code?: number; msg?: string } | undefined;
        expect(json?.code, out.stdout).toBe(row.code);
        expect(json?.msg).toMatch(row.field);
        expect(snapshot()).toEqual(before);
      });
    });
  }

  it('route_localnet of all and default stayed 0 in the host namespace', () => {
    const inHost = (file: string) =>
      execFileSync('ip', ['netns', 'exec', host, 'cat', file], { encoding: 'utf8' }).trim();
    expect(inHost('/proc/sys/net/ipv4/conf/all/route_localnet')).toBe('0');
    expect(inHost('/proc/sys/net/ipv4/conf/default/route_localnet')).toBe('0');
  });

  it.each([
    ['a # (no batch line carries it: one exec per command)', 'e#0'],
    ['both quote characters (likewise)', `a'b"`],
    ['a leading quote (quoted in the batch)', "'e0"],
  ])('bridge ADD, CHECK and DEL work with a kernel-valid CNI_IFNAME holding %s', async (_what, ifname) => {
    const env = { CNI_IFNAME: ifname };
    const add = await run('bridge', { env });
    expect(add.code, add.stdout).toBe(0);
    expect(ipJsonIn<{ ifname: string }>(pod, ['link', 'show', 'dev', ifname])[0]?.ifname).toBe(ifname);
    const check = await run('bridge', {
      env,
      command: 'CHECK',
      conf: (c) => ({ ...c, prevResult: add.json }),
    });
    expect(check.code, check.stdout).toBe(0);
    const del = await run('bridge', { env, command: 'DEL' });
    expect(del.code, del.stdout).toBe(0);
    expect(ipJsonIn<{ ifname: string }>(pod, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    expect(files(dataDir).filter((f) => /\/[0-9.]+$/.test(f))).toEqual([]);
  });
});
