import { describe, expect, it } from 'vitest';
import { CniError } from '../../lib/cni/index.js';
import { invalid } from '../../lib/errors/index.js';
import { type Plugin, readEnv, runPlugin } from './index.js';

interface Conf {
  readonly mtu: number;
  readonly nested: { readonly list: number[] };
}

const calls: string[] = [];
const plugin: Plugin<Conf> = {
  name: 'test',
  cniArgs: ['IP'],
  parse(conf) {
    const mtu = conf.mtu ?? 1500;
    if (typeof mtu !== 'number' || mtu < 68)
      throw invalid('mtu', `must be at least 68, got ${JSON.stringify(mtu)}`);
    return { mtu, nested: { list: [1] } };
  },
  async add({ conf, env }) {
    calls.push(`ADD ${env.containerId} ${env.args.get('K8S_POD_NAME') ?? ''}`);
    expect(Object.isFrozen(conf.nested.list)).toBe(true);
    return { cniVersion: 'x', ips: [{ address: '10.0.0.2/24', interface: 0 }] };
  },
  async del({ env }) {
    calls.push(`DEL netns=${env.netns}`);
  },
  async check() {
    throw new CniError(104, 'eth0 is gone');
  },
  async gc(_call, valid) {
    calls.push(`GC ${JSON.stringify(valid)}`);
  },
};

async function run(
  env: Record<string, string>,
  stdin: string,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runPlugin(plugin, {
    env,
    stdin: async () => stdin,
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

const base = {
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/proc/self/ns/net',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
};
const conf = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ cniVersion: '1.1.0', name: 'net1', type: 'test', ...extra });

describe('skel', () => {
  it('prints the about line on stderr and exits 0 without CNI_COMMAND', async () => {
    const r = await run({}, '');
    expect(r).toMatchObject({ code: 0, out: '' });
    expect(r.err).toMatch(
      /^CNI test plugin .*\nCNI protocol versions supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n$/,
    );
  });

  it('answers VERSION with the input version and the supported list, whatever stdin holds', async () => {
    expect(JSON.parse((await run({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}')).out)).toEqual({
      cniVersion: '1.0.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
    expect(JSON.parse((await run({ CNI_COMMAND: 'VERSION' }, 'garbage')).out).cniVersion).toBe('1.1.0');
  });

  it('runs ADD, stamps the config version on the result and tolerates unknown keys', async () => {
    const r = await run(
      { ...base, CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web' },
      conf({ somethingNew: { x: 1 }, capabilities: { ips: true } }),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.0.0.2/24', interface: 0 }],
      dns: {},
    });
    expect(calls).toContain('ADD c1 web');
    // Keys the plugin reads need no IgnoreUnknown.
    expect((await run({ ...base, CNI_COMMAND: 'ADD', CNI_ARGS: 'IP=10.0.0.2' }, conf())).code).toBe(0);
    const old = await run({ ...base, CNI_COMMAND: 'ADD' }, conf({ cniVersion: '0.4.0' }));
    expect(JSON.parse(old.out).ips).toEqual([{ version: '4', address: '10.0.0.2/24', interface: 0 }]);
  });

  it('lets DEL run with CNI_NETNS missing: the namespace may be gone already', async () => {
    const r = await run({ ...base, CNI_COMMAND: 'DEL', CNI_NETNS: '/run/netns/sy-none' }, conf());
    expect(r.code).toBe(0);
  });

  it('lets DEL run with CNI_NETNS empty', async () => {
    const r = await run(
      { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c2', CNI_IFNAME: 'eth0', CNI_NETNS: '' },
      conf(),
    );
    expect(r.code).toBe(0);
    expect(calls).toContain('DEL netns=');
  });

  it('passes cni.dev/valid-attachments to GC and prints nothing', async () => {
    const valid = [{ containerID: 'a', ifname: 'eth0' }];
    const r = await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf({ 'cni.dev/valid-attachments': valid }));
    expect(r).toMatchObject({ code: 0, out: '' });
    expect(calls).toContain(`GC ${JSON.stringify(valid)}`);
  });

  const errors: [string, Record<string, string>, string, number, RegExp][] = [
    ['unknown command', { ...base, CNI_COMMAND: 'FOO' }, conf(), 4, /unknown CNI_COMMAND: FOO/],
    [
      'missing env',
      { CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' },
      conf(),
      4,
      /required env variables \[CNI_CONTAINERID,CNI_NETNS\] missing/,
    ],
    [
      'bad container id',
      { ...base, CNI_COMMAND: 'ADD', CNI_CONTAINERID: '-x' },
      conf(),
      4,
      /CNI_CONTAINERID/,
    ],
    [
      'container id with space',
      { ...base, CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'a b' },
      conf(),
      4,
      /CNI_CONTAINERID/,
    ],
    [
      '16-byte ifname',
      { ...base, CNI_COMMAND: 'ADD', CNI_IFNAME: 'a234567890123456' },
      conf(),
      4,
      /CNI_IFNAME/,
    ],
    ['ifname with slash', { ...base, CNI_COMMAND: 'ADD', CNI_IFNAME: 'a/b' }, conf(), 4, /CNI_IFNAME/],
    ['ifname dot', { ...base, CNI_COMMAND: 'ADD', CNI_IFNAME: '.' }, conf(), 4, /CNI_IFNAME/],
    [
      'bad CNI_ARGS',
      { ...base, CNI_COMMAND: 'ADD', CNI_ARGS: 'novalue' },
      conf(),
      4,
      /CNI_ARGS: invalid pair/,
    ],
    [
      'CNI_ARGS key the plugin does not read, without IgnoreUnknown',
      { ...base, CNI_COMMAND: 'ADD', CNI_ARGS: 'IP=10.0.0.9;K8S_POD_NAME=web' },
      conf(),
      4,
      /^CNI_ARGS: unknown args \["K8S_POD_NAME=web"\]/,
    ],
    [
      'ifname all',
      { ...base, CNI_COMMAND: 'DEL', CNI_IFNAME: 'all' },
      conf(),
      4,
      /^CNI_IFNAME: "all" is reserved/,
    ],
    [
      'relative CNI_NETNS',
      { ...base, CNI_COMMAND: 'ADD', CNI_NETNS: 'proc/self/ns/net' },
      conf(),
      4,
      /^CNI_NETNS: "proc\/self\/ns\/net" is not an absolute path$/,
    ],
    [
      'CNI_NETNS with a newline, on DEL too',
      { ...base, CNI_COMMAND: 'DEL', CNI_NETNS: '/proc/self/ns/net\nlink del lo' },
      conf(),
      4,
      /^CNI_NETNS: .* contains a line break$/,
    ],
    [
      'missing CNI_NETNS on ADD (after the config checks)',
      { ...base, CNI_COMMAND: 'ADD', CNI_NETNS: '/run/netns/sy-none' },
      conf(),
      3,
      /^CNI_NETNS: network namespace \/run\/netns\/sy-none does not exist$/,
    ],
    [
      'CNI_NETNS that is not a namespace',
      { ...base, CNI_COMMAND: 'CHECK', CNI_NETNS: '/proc/self/status' },
      conf(),
      4,
      /^CNI_NETNS: "\/proc\/self\/status" is not a namespace file/,
    ],
    [
      'relative CNI_PATH entry',
      { ...base, CNI_COMMAND: 'ADD', CNI_PATH: '/opt/cni/bin:bin' },
      conf(),
      4,
      /^CNI_PATH: entry "bin" is not an absolute path$/,
    ],
    ['not JSON', { ...base, CNI_COMMAND: 'ADD' }, '{garbage', 6, /error decoding network config/],
    ['missing name', { ...base, CNI_COMMAND: 'ADD' }, '{"cniVersion":"1.1.0"}', 7, /^name: missing/],
    ['bad name', { ...base, CNI_COMMAND: 'ADD' }, conf({ name: 'a b' }), 7, /^name: /],
    ['missing cniVersion', { ...base, CNI_COMMAND: 'ADD' }, '{"name":"n"}', 1, /incompatible CNI versions/],
    ['old version', { ...base, CNI_COMMAND: 'ADD' }, conf({ cniVersion: '0.2.0' }), 1, /incompatible/],
    ['GC on 1.0.0', { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf({ cniVersion: '1.0.0' }), 1, /GC/],
    [
      'invalid config field',
      { ...base, CNI_COMMAND: 'ADD' },
      conf({ mtu: 5 }),
      7,
      /^mtu: must be at least 68, got 5$/,
    ],
    ['plugin error', { ...base, CNI_COMMAND: 'CHECK' }, conf(), 104, /eth0 is gone/],
  ];
  it.each(errors)('%s → spec error JSON on stdout, exit 1', async (_name, env, stdin, code, msg) => {
    const r = await run(env, stdin);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as { code: number; msg: string; cniVersion: string };
    expect(json.code).toBe(code);
    expect(json.msg).toMatch(msg);
    expect(typeof json.cniVersion).toBe('string');
  });

  it('readEnv returns undefined without a command and splits CNI_PATH', () => {
    expect(readEnv({})).toBeUndefined();
    expect(readEnv({ CNI_COMMAND: 'STATUS', CNI_PATH: '/a::/b' })?.path).toEqual(['/a', '/b']);
  });
});
