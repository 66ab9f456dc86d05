/**
 * Issue 12's node runtimes in a real lab (root): with the control plane running (the built
 * CLI's components), `upRuntimes` starts containerd inside each node's namespace, imports the
 * lab images, installs the CNI plugins and writes a kubeconfig the API server accepts as
 * `system:node:<name>`; a second run keeps every containerd (same pid) and imports nothing; a
 * killed containerd is started again; `downNodes` leaves no process, mount or node dir; and
 * after a crash (the owner gone) `lab clean` ends the runtime and removes it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureToken } from '../controlplane/apiserver/index.js';
import { CriClient } from '../lib/cri/index.js';
import { createNetlink } from '../lib/netlink/index.js';
import { repoRoot } from '../test/harness/cli.js';
import { describeKernel, runId } from '../test/harness/kernel.js';
import { cleanLabs } from './clean.js';
import { controlPlaneFiles } from './components.js';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, suiteImage } from './images/index.js';
import { downNodes, readNodes, upRuntimes } from './node-runtime.js';
import { labNodes } from './nodes.js';
import { isZombie, processNetnsInode, processStartTicks } from './owner.js';
import { netnsInode } from './procs.js';
import { leaseFile, readLease } from './state.js';
import { downComponents, upComponents } from './supervise.js';
import type { Lab } from './testing/start-lab.js';
import { startLab } from './testing/start-lab.js';

const netlink = createNetlink();
const labId = `${runId()}-n${process.pid.toString(36)}`;
const bundle = join(repoRoot, 'dist', 'switchyard.mjs');
const self = [process.execPath, bundle];

function mounts(under: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(under));
}

describeKernel('lab node runtimes', () => {
  // Short: containerd's socket path under it must fit in 108 bytes.
  const tmp = mkdtempSync(join(tmpdir(), 'sy-nd-'));
  const stateDir = join(tmp, 's');
  let lab: Lab | undefined;

  const up = () =>
    upRuntimes({
      state: (lab as Lab).state,
      stateDir,
      self,
      root: repoRoot,
      nodeToken: (user, groups) => ensureToken({ dir: controlPlaneFiles(stateDir).dataDir, user, groups }),
    });

  beforeAll(async () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run "node scripts/build.mjs" first`);
    lab = await startLab({ labId, nodes: 2, netlink, paths: { stateDir, runDir: join(tmp, 'run') } });
    await upComponents({ state: lab.state, stateDir, self });
  }, 120_000);

  afterAll(async () => {
    await downNodes(stateDir);
    await downComponents(stateDir);
    await lab?.down();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('starts containerd in each node namespace with the images, plugins and a node kubeconfig', async () => {
    const reports = await up();
    expect(reports.map((r) => [r.node, r.containerd.kind, [...r.imported].sort()])).toEqual([
      ['node-1', 'start', ['busybox', 'pause', 'switchyard']],
      ['node-2', 'start', ['busybox', 'pause', 'switchyard']],
    ]);
    for (const node of labNodes((lab as Lab).state, stateDir)) {
      const rec = readNodes(stateDir)?.nodes[node.name]?.containerd;
      expect(rec).toBeDefined();
      // containerd runs inside the node's namespace.
      expect(processNetnsInode(rec?.pid as number)).toBe(netnsInode(node.namespace));
      const config = readFileSync(join(node.containerd.dir, 'config.toml'), 'utf8');
      expect(config).toContain('restrict_oom_score_adj = true');
      expect(config).toContain(`conf_dir = "${node.containerd.cniConfDir}"`);
      const cri = new CriClient(join(node.containerd.dir, 'containerd.sock'));
      try {
        for (const ref of [
          PAUSE_IMAGE,
          BUSYBOX_IMAGE,
          'docker.io/library/busybox:latest',
          suiteImage(repoRoot),
        ]) {
          expect((await cri.imageStatus({ image: { image: ref } })).image, ref).not.toBeNull();
        }
      } finally {
        cri.close();
      }
      for (const plugin of ['bridge', 'host-local', 'loopback', 'portmap']) {
        expect(statSync(join(node.containerd.cniBinDir, plugin)).mode & 0o111).toBe(0o111);
      }
      expect(statSync(node.kubeconfig).mode & 0o777).toBe(0o600);
      // The node's identity as the API server sees it, asked from inside the node's namespace.
      const who = await (lab as Lab).run(node.name, [
        'kubectl',
        '--kubeconfig',
        node.kubeconfig,
        'auth',
        'whoami',
        '-o',
        'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
      ]);
      expect(who.stderr).toBe('');
      expect(who.stdout).toMatch(new RegExp(`^system:node:${node.name} .*"system:nodes"`));
    }
  }, 180_000);

  it('keeps running containerd on a second run and starts a killed one again', async () => {
    const before = readNodes(stateDir)?.nodes;
    const again = await up();
    expect(again.map((r) => [r.containerd.kind, r.imported])).toEqual([
      ['keep', []],
      ['keep', []],
    ]);
    expect(readNodes(stateDir)?.nodes).toEqual(before);
    const dead = before?.['node-1']?.containerd?.pid as number;
    process.kill(dead, 'SIGKILL');
    while (processStartTicks(dead) !== undefined) await new Promise((r) => setTimeout(r, 20));
    const third = await up();
    expect(third[0]?.containerd).toMatchObject({ kind: 'start', reason: `pid ${dead} is gone` });
    expect(third[0]?.imported).toEqual([]); // the images stay in its root
    expect(third[1]?.containerd.kind).toBe('keep');
  }, 120_000);

  it('downNodes leaves no containerd, mount or node dir', async () => {
    const pids = Object.values(readNodes(stateDir)?.nodes ?? {}).map((n) => n.containerd?.pid as number);
    expect(await downNodes(stateDir)).toEqual(['node-1', 'node-2']);
    // An exited child of this process may wait a moment to be reaped; it runs nothing meanwhile.
    for (const pid of pids)
      expect(processStartTicks(pid) === undefined || isZombie(pid), `pid ${pid}`).toBe(true);
    expect(mounts(join(stateDir, 'nodes'))).toEqual([]);
    expect(existsSync(join(stateDir, 'nodes'))).toBe(false);
    expect(existsSync(join(stateDir, 'nodes.json'))).toBe(false);
  }, 60_000);

  it('lab clean ends and removes the runtimes of a lab whose owner died', async () => {
    await up();
    const pids = Object.values(readNodes(stateDir)?.nodes ?? {}).map((n) => n.containerd?.pid as number);
    // The crash: the lease now names an owner process that is gone.
    const file = leaseFile({ runDir: join(tmp, 'run') }, labId);
    const lease = readLease(file);
    writeFileSync(
      file,
      JSON.stringify({ ...lease, owner: { kind: 'process', pid: 999_999_9, startTicks: 1 } }),
    );
    const report = await cleanLabs({ paths: { stateDir, runDir: join(tmp, 'run') }, scope: `sy-${labId}-` });
    expect(report.removeRuntimes.map((r) => r.name)).toEqual(
      labNodes((lab as Lab).state, stateDir).map((n) => n.dir),
    );
    for (const r of report.removeRuntimes) expect(r.reason).toContain('owner process 9999999 is gone');
    for (const pid of pids)
      expect(processStartTicks(pid) === undefined || isZombie(pid), `pid ${pid}`).toBe(true);
    expect(mounts(join(stateDir, 'nodes'))).toEqual([]);
    for (const n of labNodes((lab as Lab).state, stateDir)) expect(existsSync(n.dir)).toBe(false);
  }, 120_000);
});
