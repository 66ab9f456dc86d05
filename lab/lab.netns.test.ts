import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNetlink, dumpNetlink, FakeNetlink } from '../lib/netlink/index.js';
import { createNetns, deleteNetns, listNetns, spawnInNetns } from '../lib/netns/index.js';
import { describeKernel, runId, uniqueName } from '../test/harness/kernel.js';
import { applyPlan } from './apply.js';
import { type CleanReport, cleanLabs } from './clean.js';
import { execInLab, upLab } from './lab.js';
import { processOwner } from './owner.js';
import { pidsInNetns } from './procs.js';
import { labSpec } from './spec.js';
import { leaseFile, readLease, readState, stateFile } from './state.js';
import { readStatus } from './status.js';
import { fakeNetns } from './testing/fake-netns.js';
import type { Lab } from './testing/start-lab.js';
import { startLab } from './testing/start-lab.js';

const netlink = createNetlink();
// Every lab of this file shares this prefix, which carries the run id for the global guard.
const scope = `sy-${runId()}-lab${process.pid.toString(36)}`;
const labId = (tag: string): string => `${scope.slice('sy-'.length)}-${tag}`;

/** Starts `sleep` inside a namespace and waits until it is really in there (nsenter has run). */
async function sleeperIn(
  ns: string,
): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | null> }> {
  const child = spawnInNetns(ns, { cmd: 'sleep', args: ['300'] }, { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, sig) => resolve(sig)),
  );
  for (
    let i = 0;
    i < 100 &&
    !pidsInNetns([ns])
      .get(ns)
      ?.includes(child.pid as number);
    i++
  )
    await sleep(20);
  expect(pidsInNetns([ns]).get(ns)).toContain(child.pid);
  return { child, exited };
}

describeKernel('lab in the real kernel', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-lab-netns-'));
  const runDir = join(tmp, 'run');
  let lab: Lab | undefined;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    lab = await startLab({
      labId: labId('a'),
      nodes: 2,
      netlink,
      paths: { stateDir: join(tmp, 'a'), runDir },
    });
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await lab?.down();
    // Whatever a failed test left under our prefix goes too.
    await cleanLabs({ paths: { stateDir: join(tmp, 'a'), runDir }, scope: `${scope}-` });
    for (const ns of listNetns().filter((n) => n.startsWith(scope))) {
      execFileSync('ip', ['netns', 'delete', ns]);
    }
    rmSync(tmp, { recursive: true, force: true });
    netlink.dispose();
  });

  it('connects the nodes and the client on the fabric', async () => {
    const l = lab as Lab;
    for (const dst of ['172.30.0.12', '172.30.0.100', '172.30.0.1', '172.30.0.2', '172.30.0.254']) {
      const r = await l.run('node-1', ['ping', '-c1', '-W2', dst]);
      expect(r.exitCode, `node-1 → ${dst}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    const r = await l.run('client', ['ping', '-c1', '-W2', '172.30.0.11']);
    expect(r.exitCode).toBe(0);
    // No uplink and no default route: anything off the LAN is unreachable at once.
    const off = await l.run('node-1', ['ping', '-c1', '-W1', '192.0.2.1']);
    expect(off.exitCode).not.toBe(0);
    expect(off.stderr).toMatch(/unreachable/i);
  });

  it('sets the sysctls and reports a healthy status', async () => {
    const l = lab as Lab;
    expect(await netlink.getSysctl(l.namespace('node-2'), 'net.ipv4.ip_forward')).toBe('1');
    expect(await netlink.getSysctl(l.namespace('router'), 'net.ipv4.conf.all.send_redirects')).toBe('0');
    expect(await netlink.getSysctl(l.namespace('client'), 'net.ipv4.ip_forward')).toBe('0');
    const status = await readStatus(l.state, { netlink });
    expect(status.namespaces.map((n) => [n.target, n.exists, n.reachable])).toEqual([
      ['fabric', true, undefined],
      ['control-plane', true, true],
      ['node-1', true, true],
      ['node-2', true, true],
      ['client', true, true],
      ['router', true, true],
    ]);
    const fabric = status.namespaces[0];
    expect(fabric?.links.find((k) => k.name === 'veth-node-2')).toEqual({
      name: 'veth-node-2',
      up: true,
      lowerUp: true,
      master: 'fabric0',
    });
  });

  it('leaves the kernel in the same state as FakeNetlink given the same plan', async () => {
    const l = lab as Lab;
    const fake = new FakeNetlink();
    await applyPlan(l.plan, { netlink: fake, netns: fakeNetns(fake) });
    // Compared: the IPv4 links, addresses and routes the lab makes. Left out: bridge FDB entries
    // the kernel learned from the pings above, and loopback's IPv6 (the kernel's, not the lab's).
    const ours = (dump: string): string =>
      dump
        .split('\n')
        .filter((line) => !line.startsWith('fdb ') && !line.includes('::'))
        .join('\n');
    for (const n of l.plan.namespaces) {
      expect(ours(await dumpNetlink(netlink, n.name)), n.target).toBe(ours(fake.dump(n.name)));
    }
  });

  it('converges: a second up changes nothing, and repairs what was broken', async () => {
    const l = lab as Lab;
    const env = { paths: l.paths, netlink };
    const again = await upLab(env, { spec: l.spec, owner: processOwner() });
    expect(again.actions).toEqual([]);
    await netlink.setLink(l.namespace('fabric'), { name: 'veth-node-2', up: false });
    await netlink.deleteLink(l.namespace('client'), 'eth0');
    const repaired = await upLab(env, { spec: l.spec, owner: processOwner() });
    expect(repaired.actions).toEqual([
      `create-veth ${l.namespace('client')}/eth0 ${l.namespace('fabric')}/veth-client`,
      `set-master ${l.namespace('fabric')}/veth-client fabric0`,
      `add-address ${l.namespace('client')}/eth0 172.30.0.100/16`,
      `set-up ${l.namespace('fabric')}/veth-node-2`,
      `set-up ${l.namespace('fabric')}/veth-client`,
      `set-up ${l.namespace('client')}/eth0`,
    ]);
    expect((await l.run('client', ['ping', '-c1', '-W2', '172.30.0.12'])).exitCode).toBe(0);
  });

  it('exec passes the exit status through, 128 + N for a signal', async () => {
    const l = lab as Lab;
    const run = (argv: string[]) => execInLab(l.state, { target: 'router', argv, stdio: 'ignore' });
    expect(await run(['ping', '-c1', '-W2', '172.30.0.100'])).toBe(0);
    expect(await run(['sh', '-c', 'exit 3'])).toBe(3);
    expect(await run(['sh', '-c', 'kill -TERM $$'])).toBe(128 + 15);
    await expect(run([])).rejects.toThrow('command: missing');
    await expect(execInLab(l.state, { target: 'node-7', argv: ['true'] })).rejects.toThrow(
      'unknown target "node-7"',
    );
  });

  it('lab clean removes a crashed lab and its processes but keeps a live one', async () => {
    const l = lab as Lab;
    // The "crashed" lab is owned by a child process that we then kill.
    const owner = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(owner);
    const paths = { stateDir: join(tmp, 'b'), runDir };
    const crashed = await upLab(
      { paths, netlink },
      { spec: labSpec({ labId: labId('b'), nodes: 1 }), owner: processOwner(owner.pid as number) },
    );
    const straggler = await sleeperIn(crashed.plan.namespaces[2]?.name as string);
    children.push(straggler.child);
    await new Promise((resolve) => {
      owner.once('exit', resolve);
      owner.kill('SIGKILL');
    });

    // A namespace no lab holds, of this (live) test run, as other tests make them.
    const loose = uniqueName(`${scope.slice(`sy-${runId()}-`.length)}-x`);
    createNetns(loose);
    let report: CleanReport;
    try {
      report = await cleanLabs({ paths, scope: `${scope}-` });
      expect(listNetns()).toContain(loose);
    } finally {
      deleteNetns(loose, { ignoreMissing: true });
    }
    const crashedNames = crashed.plan.namespaces.map((n) => n.name).sort();
    expect(report.deleteNamespaces.map((d) => d.name)).toEqual(crashedNames);
    expect(report.deleteNamespaces[0]?.reason).toBe(`lab ${labId('b')}: owner process ${owner.pid} is gone`);
    expect(report.keepNamespaces).toEqual(
      [
        ...l.plan.namespaces.map((n) => ({ name: n.name, reason: `lab ${labId('a')} is alive` })),
        { name: loose, reason: `test run ${runId()} is alive` },
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
    expect(report.removeFiles.map((f) => f.name).sort()).toEqual(
      [leaseFile(paths, labId('b')), stateFile(paths)].sort(),
    );
    expect(await straggler.exited).toBe('SIGTERM');
    const left = listNetns();
    for (const name of crashedNames) expect(left).not.toContain(name);
    for (const n of l.plan.namespaces) expect(left).toContain(n.name);
    expect(readState(stateFile(paths))).toBeUndefined();
    expect(readLease(leaseFile(paths, labId('a')))?.owner).toEqual(processOwner());
    expect((await l.run('node-1', ['ping', '-c1', '-W2', '172.30.0.12'])).exitCode).toBe(0);
  });

  it('down removes every namespace and process of the lab, and a second down does nothing', async () => {
    const l = lab as Lab;
    const sleeper = await sleeperIn(l.namespace('node-1'));
    children.push(sleeper.child);
    const report = await l.down();
    expect(report.namespaces).toEqual(l.plan.namespaces.map((n) => n.name).sort());
    expect(listNetns().filter((n) => n.startsWith(l.plan.prefix))).toEqual([]);
    expect(await sleeper.exited).toBe('SIGTERM');
    expect(await l.down()).toEqual({ labId: undefined, namespaces: [], components: [], nodes: [] });
    lab = undefined;
  });
});
