/**
 * Side-by-side conformance: one scenario table runs against our bridge + host-local and the
 * reference ones from Debian's containernetworking-plugins (they speak cniVersion 1.0.0), same
 * configs, each in its own "host" namespace; the normalised results and the kernel state they
 * leave (pod interfaces, addresses, routes; bridge address, ports, hairpin, promisc, MTU) must
 * be equal. Known, intended differences are listed in cni/README.md and asserted below.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

const REFERENCE = '/usr/lib/cni';

interface Impl {
  readonly label: 'ours' | 'reference';
  readonly dir: string;
  host: string;
  dataDir: string;
}

interface Scenario {
  readonly name: string;
  readonly conf: Record<string, unknown>;
  readonly ipam: Record<string, unknown>;
  readonly args?: string;
}

const scenarios: Scenario[] = [
  {
    name: 'gateway + default gateway + hairpin',
    conf: { isGateway: true, isDefaultGateway: true, hairpinMode: true },
    ipam: { ranges: [[{ subnet: '10.90.1.0/24' }]] },
  },
  {
    name: 'gateway with IPAM routes, custom range and gateway',
    conf: { isGateway: true },
    ipam: {
      ranges: [
        [
          {
            subnet: '10.90.2.0/24',
            rangeStart: '10.90.2.100',
            rangeEnd: '10.90.2.110',
            gateway: '10.90.2.254',
          },
        ],
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.90.2.254' }],
    },
  },
  {
    name: 'mtu and promiscMode, no gateway',
    conf: { mtu: 1400, promiscMode: true },
    ipam: { ranges: [[{ subnet: '10.90.3.0/24' }]] },
  },
  {
    name: 'dual-stack',
    conf: { isGateway: true, isDefaultGateway: true },
    ipam: { ranges: [[{ subnet: '10.90.4.0/24' }], [{ subnet: 'fd90:4::/64' }]] },
  },
  {
    name: 'requested IP via CNI_ARGS',
    conf: { isGateway: true },
    ipam: { ranges: [[{ subnet: '10.90.5.0/24' }]] },
    args: 'IgnoreUnknown=1;IP=10.90.5.42',
  },
];

function normaliseResult(json: Record<string, unknown> | undefined, podPath: string): unknown {
  return JSON.parse(
    JSON.stringify(json ?? {})
      .replaceAll(podPath, 'POD')
      .replace(/veth[0-9a-f]{8}/g, 'vethX')
      .replace(/"([0-9a-f]{2}:){5}[0-9a-f]{2}"/g, '"MAC"'),
  );
}

interface Addr {
  local: string;
  prefixlen: number;
  scope?: string;
}
interface Link {
  ifname: string;
  flags?: string[];
  mtu?: number;
  promiscuity?: number;
  master?: string;
  operstate?: string;
  linkinfo?: { info_kind?: string; info_slave_data?: { hairpin?: boolean } };
  addr_info?: Addr[];
}
interface Route {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
}

const globalAddrs = (l: Link | undefined) =>
  (l?.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);

function kernelState(impl: Impl, pod: string, bridge: string): unknown {
  const eth0 = ipJsonIn<Link>(pod, ['-details', 'addr', 'show', 'dev', 'eth0'])[0];
  const routes = [
    ...ipJsonIn<Route>(pod, ['-4', 'route', 'show']),
    ...ipJsonIn<Route>(pod, ['-6', 'route', 'show']).filter(
      (r) => !r.dst.startsWith('fe80') && r.dst !== 'multicast',
    ),
  ].map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}`);
  const br = ipJsonIn<Link>(impl.host, ['-details', 'addr', 'show', 'dev', bridge])[0];
  const ports = ipJsonIn<Link>(impl.host, ['-details', 'link', 'show', 'master', bridge]);
  return {
    eth0: { up: eth0?.flags?.includes('UP'), mtu: eth0?.mtu, addrs: globalAddrs(eth0) },
    routes: routes.sort(),
    bridge: {
      up: br?.flags?.includes('UP'),
      mtu: br?.mtu,
      promisc: (br?.promiscuity ?? 0) > 0,
      addrs: globalAddrs(br),
    },
    ports: ports.map((p) => ({
      mtu: p.mtu,
      hairpin: p.linkinfo?.info_slave_data?.hairpin ?? false,
      up: p.flags?.includes('UP'),
    })),
  };
}

describeKernel('side-by-side conformance with the reference plugins', () => {
  const impls: Impl[] = [];
  const namespaces: string[] = [];
  let n = 0;

  beforeAll(() => {
    const ours = buildPlugins();
    for (const [label, dir] of [
      ['ours', ours],
      ['reference', REFERENCE],
    ] as const) {
      const host = uniqueName('h');
      namespaces.push(host);
      addNetns(host);
      impls.push({ label, dir, host, dataDir: mkdtempSync(join(tmpdir(), `sy-conf-${label}-`)) });
    }
  });
  afterAll(() => {
    for (const ns of namespaces) delNetns(ns);
    for (const i of impls) rmSync(i.dataDir, { recursive: true, force: true });
    removePlugins();
  });

  function newPod(): { name: string; path: string; id: string } {
    const name = uniqueName('p');
    namespaces.push(name);
    n += 1;
    return { name, path: addNetns(name), id: `conf${n}` };
  }

  function run(
    impl: Impl,
    cmd: string,
    pod: { path: string; id: string },
    conf: unknown,
    extra: Record<string, string> = {},
  ): Promise<RunOutput> {
    return runCni({
      binary: join(impl.dir, 'bridge'),
      hostNetns: `/run/netns/${impl.host}`,
      env: {
        CNI_COMMAND: cmd,
        CNI_CONTAINERID: pod.id,
        CNI_NETNS: pod.path,
        CNI_IFNAME: 'eth0',
        CNI_PATH: impl.dir,
        ...extra,
      },
      config: conf,
    });
  }

  const configFor = (impl: Impl, s: Scenario, i: number) => ({
    cniVersion: '1.0.0',
    name: `conf${i}`,
    type: 'bridge',
    bridge: `sycf${i}`,
    ...s.conf,
    ipam: { type: 'host-local', dataDir: impl.dataDir, ...s.ipam },
  });

  it.each(
    scenarios.map((s, i) => [s.name, s, i] as const),
  )('%s: same result and kernel state', async (_name, s, i) => {
    const seen: Record<string, unknown> = {};
    for (const impl of impls) {
      const pod = newPod();
      const conf = configFor(impl, s, i);
      const extra = s.args ? { CNI_ARGS: s.args } : {};
      const add = await run(impl, 'ADD', pod, conf, extra);
      expect(add.code, `${impl.label}: ${add.stdout}${add.stderr}`).toBe(0);
      const state = kernelState(impl, pod.name, `sycf${i}`);
      const del = await run(impl, 'DEL', pod, { ...conf, prevResult: add.json }, extra);
      const del2 = await run(impl, 'DEL', { ...pod, path: '' }, conf, extra);
      seen[impl.label] = {
        result: normaliseResult(add.json, pod.path),
        state,
        del: del.code,
        del2: del2.code,
        ipamLeft: readdirSync(join(impl.dataDir, `conf${i}`)).filter((f) => /^[0-9a-f.:]+$/.test(f)),
        portsLeft: ipJsonIn<Link>(impl.host, ['link', 'show', 'master', `sycf${i}`]).length,
      };
    }
    expect(seen.ours).toEqual(seen.reference);
  });

  it('error behaviour: same codes for decode, environment and config-version errors', async () => {
    const pod = newPod();
    const codes: Record<string, number[]> = {};
    for (const impl of impls) {
      const conf = configFor(impl, scenarios[0] as Scenario, 9);
      const outs = [
        await run(impl, 'ADD', pod, '{not json'),
        await run(impl, 'FOO', pod, conf),
        await runCni({
          binary: join(impl.dir, 'bridge'),
          env: { CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' },
          config: conf,
        }),
        await run(impl, 'ADD', pod, { ...conf, cniVersion: '0.0.9' }),
      ];
      codes[impl.label] = outs.map((o) => (o.json?.code as number | undefined) ?? -o.code);
    }
    expect(codes.ours).toEqual(codes.reference);
    expect(codes.ours).toEqual([6, 4, 4, 1]);
  });

  it('CNI_ARGS the bridge does not read fail ADD for both unless IgnoreUnknown=1, leaving nothing (codes differ: 4 vs 999)', async () => {
    const seen: Record<string, unknown> = {};
    for (const impl of impls) {
      const pod = newPod();
      const conf = configFor(impl, scenarios[0] as Scenario, 11);
      const bad = await run(impl, 'ADD', pod, conf, { CNI_ARGS: 'K8S_POD_NAME=web' });
      const links = ipJsonIn<{ ifname: string }>(pod.name, ['link', 'show']).map((l) => l.ifname);
      const ok = await run(impl, 'ADD', pod, conf, { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web' });
      seen[impl.label] = { exit: bad.code, code: bad.json?.code, links, withIgnoreUnknown: ok.code };
      expect((await run(impl, 'DEL', pod, conf)).code).toBe(0);
    }
    expect(seen.ours).toEqual({ exit: 1, code: 4, links: ['lo'], withIgnoreUnknown: 0 });
    expect(seen.reference).toEqual({ exit: 1, code: 999, links: ['lo'], withIgnoreUnknown: 0 });
  });

  it('ADD on an existing interface fails for both without reserving a second IP (codes differ: 100 vs 999)', async () => {
    const codes: Record<string, unknown> = {};
    for (const impl of impls) {
      const pod = newPod();
      const conf = configFor(impl, scenarios[0] as Scenario, 8);
      expect((await run(impl, 'ADD', pod, conf)).code).toBe(0);
      const again = await run(impl, 'ADD', pod, conf);
      const files = readdirSync(join(impl.dataDir, 'conf8')).filter((f) => /^[0-9a-f.:]+$/.test(f));
      codes[impl.label] = { exit: again.code, code: again.json?.code, reservations: files.length };
      expect((await run(impl, 'DEL', pod, conf)).code).toBe(0);
    }
    expect(codes.ours).toEqual({ exit: 1, code: 100, reservations: 1 });
    expect(codes.reference).toEqual({ exit: 1, code: 999, reservations: 1 });
  });

  it('a failed IPAM leaves no veth with ours; the reference leaves its veth behind (documented)', async () => {
    const left: Record<string, number> = {};
    for (const impl of impls) {
      const pod = newPod();
      const conf = {
        ...configFor(impl, scenarios[0] as Scenario, 7),
        ipam: {
          type: 'host-local',
          dataDir: impl.dataDir,
          ranges: [[{ subnet: '10.90.7.0/24', rangeStart: '10.90.7.5', rangeEnd: '10.90.7.5' }]],
        },
      };
      const first = newPod();
      expect((await run(impl, 'ADD', first, conf)).code).toBe(0);
      const full = await run(impl, 'ADD', pod, conf);
      expect(full.code).toBe(1);
      left[impl.label] = ipJsonIn<Link>(impl.host, ['link', 'show', 'master', 'sycf7']).length - 1;
      expect((await run(impl, 'DEL', first, conf)).code).toBe(0);
    }
    expect(left.ours).toBe(0);
    expect(left.reference).toBe(1);
  });

  it('hostile runtime input: codes side by side, and neither leaves a port, a pod link or a reservation', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'sy-conf-hostile-'));
    const target = newPod();
    const withNewline = join(scratch, 'x\nlink add syevil type bridge');
    symlinkSync(target.path, withNewline);
    mkdirSync(join(scratch, 'dir'));
    const rows: [string, Record<string, string>, Record<string, unknown>][] = [
      ['CNI_IFNAME ..', { CNI_IFNAME: '..' }, {}],
      ['CNI_IFNAME all', { CNI_IFNAME: 'all' }, {}],
      ['CNI_IFNAME of 16 bytes', { CNI_IFNAME: 'abcdefghijklmnop' }, {}],
      ['CNI_IFNAME with a newline', { CNI_IFNAME: 'eth0\nx' }, {}],
      ['CNI_NETNS relative', { CNI_NETNS: 'run/netns/x' }, {}],
      ['CNI_NETNS missing', { CNI_NETNS: `/run/netns/${uniqueName('g')}` }, {}],
      ['CNI_NETNS not a namespace', { CNI_NETNS: join(scratch, 'dir') }, {}],
      ['CNI_NETNS with a newline', { CNI_NETNS: withNewline }, {}],
      ['CNI_CONTAINERID ../x', { CNI_CONTAINERID: '../x' }, {}],
      ['bridge all', {}, { bridge: 'all' }],
      ['bridge ../../x', {}, { bridge: '../../x' }],
    ];
    const seen: Record<string, Record<string, unknown>> = { ours: {}, reference: {} };
    try {
      for (const impl of impls) {
        // The base call works (and leaves the bridge, as bridges stay), so each row's failure is its own.
        const base = configFor(impl, scenarios[0] as Scenario, 12);
        expect((await run(impl, 'ADD', target, base)).code).toBe(0);
        expect((await run(impl, 'DEL', target, base)).code).toBe(0);
        for (const [name, env, conf] of rows) {
          const pod = newPod();
          const c = { ...base, ...conf };
          const out = await run(impl, 'ADD', pod, c, env);
          const reservations = () =>
            readdirSync(impl.dataDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
              /\/[0-9a-f.:]+$/.test(f),
            ).length;
          const state = {
            code: out.code === 0 ? 0 : out.json?.code,
            ports: ipJsonIn<Link>(impl.host, ['link', 'show', 'master', 'sycf12']).length,
            podLinks: [pod.name, target.name].flatMap((ns) => ipJsonIn<Link>(ns, ['link', 'show'])).length,
            reservations: reservations(),
          };
          (seen[impl.label] as Record<string, unknown>)[name] = state;
          if (out.code === 0) {
            const path = env.CNI_NETNS ?? pod.path;
            expect((await run(impl, 'DEL', pod, c, { ...env, CNI_NETNS: path })).code).toBe(0);
            expect(reservations()).toBe(0);
          }
        }
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const nothing = { ports: 0, podLinks: 2, reservations: 0 };
    const codes = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (v as { code: unknown }).code]));
    expect(codes(seen.ours as Record<string, unknown>)).toEqual({
      'CNI_IFNAME ..': 4,
      'CNI_IFNAME all': 4,
      'CNI_IFNAME of 16 bytes': 4,
      'CNI_IFNAME with a newline': 4,
      'CNI_NETNS relative': 4,
      'CNI_NETNS missing': 3,
      'CNI_NETNS not a namespace': 4,
      'CNI_NETNS with a newline': 4,
      'CNI_CONTAINERID ../x': 4,
      'bridge all': 7,
      'bridge ../../x': 7,
    });
    // libcni checks the interface name's length and characters and the container ID (code 4);
    // everything the kernel or the netns library refuses comes back as 999. A CNI_NETNS with a
    // line break is just a path to netlink, so the reference attaches the pod through it.
    expect(codes(seen.reference as Record<string, unknown>)).toEqual({
      'CNI_IFNAME ..': 4,
      'CNI_IFNAME all': 999,
      'CNI_IFNAME of 16 bytes': 4,
      'CNI_IFNAME with a newline': 4,
      'CNI_NETNS relative': 999,
      'CNI_NETNS missing': 999,
      'CNI_NETNS not a namespace': 999,
      'CNI_NETNS with a newline': 0,
      'CNI_CONTAINERID ../x': 4,
      'bridge all': 999,
      'bridge ../../x': 999,
    });
    for (const [label, rowsSeen] of Object.entries(seen)) {
      for (const [name, state] of Object.entries(rowsSeen)) {
        if ((state as { code: unknown }).code === 0) continue;
        expect(state, `${label}: ${name}`).toMatchObject(nothing);
      }
    }
  });
});
