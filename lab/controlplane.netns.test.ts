/**
 * Issues 4 and 5 in the lab, through the built CLI: `up` runs the API server, scheduler and
 * controller manager in the control-plane namespace plus the host forwarder; the real kubectl
 * reaches the API server from the root namespace with `.switchyard/kubeconfig`; `status` shows
 * each component healthy; the node runs containerd and a kubelet, and the demo's hello pods are
 * Ready with podCIDR addresses and answer HTTP from the node (issue 12); `up` again keeps them;
 * a killed scheduler or kubelet is restarted by `up` (containerd and the pods stay); `down`
 * leaves no process, namespace or listening port.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listNetns } from '../lib/netns/index.js';
import { type CliResult, repoRoot, runCommand } from '../test/harness/cli.js';
import { describeKernel, runId } from '../test/harness/kernel.js';
import { cleanLabs } from './clean.js';
import { parseComponentsFile } from './components.js';
import { isZombie, processStartTicks } from './owner.js';
import { pidsNamingNetns } from './procs.js';

const labId = `${runId()}-cp${process.pid.toString(36)}`;
const prefix = `sy-${labId}-`;
const NAMES = ['apiserver', 'forwarder', 'scheduler', 'controller-manager'];

describeKernel('switchyard up runs the control plane', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-lab-cp-'));
  const stateDir = join(tmp, 'state');
  const env = {
    ...process.env,
    SWITCHYARD_STATE_DIR: stateDir,
    SWITCHYARD_RUN_DIR: join(tmp, 'run'),
    SWITCHYARD_LAB_ID: labId,
    HOME: join(tmp, 'home'),
  };
  const kubeconfig = join(stateDir, 'kubeconfig');
  // The built CLI (node scripts/build.mjs): `up` installs dist/cni, builds the suite image from
  // dist/ and applies deploy/demo from the root the bundle sits in.
  const bundle = join(repoRoot, 'dist', 'switchyard.mjs');

  const cli = (...args: string[]): Promise<CliResult> =>
    runCommand([process.execPath, bundle, ...args], { env });
  const kubectl = (args: readonly string[], input?: string): Promise<CliResult> =>
    runCommand(
      ['kubectl', '--kubeconfig', kubeconfig, '--cache-dir', join(tmp, 'kube-cache'), ...args],
      input === undefined ? { env } : { env, input },
    );
  const pids = (): Record<string, number> => {
    const path = join(stateDir, 'components.json');
    const file = parseComponentsFile(path, JSON.parse(readFileSync(path, 'utf8')));
    return Object.fromEntries(Object.entries(file.components).map(([k, v]) => [k, v.pid]));
  };

  beforeAll(async () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run "node scripts/build.mjs" first`);
  });

  afterAll(async () => {
    await cli('down');
    await cleanLabs({ paths: { stateDir, runDir: join(tmp, 'run') }, scope: prefix });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('up starts the components and kubectl on the host reaches the API server', async () => {
    const up = await cli('up', '--nodes', '1');
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/control plane \(API server at 127\.0\.0\.1:\d+ from the host\):/);
    for (const name of NAMES)
      expect(up.stdout).toMatch(new RegExp(`  ${name} +started \\(was not running\\), pid \\d+`));
    expect(up.stdout).toContain(`kubectl --kubeconfig ${kubeconfig} get nodes`);

    const server = JSON.parse(readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server as string;
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ns = await kubectl(['get', 'ns', '-o', 'name']);
    expect(ns.stderr).toBe('');
    expect(ns.stdout.split('\n')).toEqual(
      expect.arrayContaining(['namespace/default', 'namespace/kube-system']),
    );
    const nodes = await kubectl(['get', 'nodes']);
    expect(nodes.code, nodes.stderr).toBe(0);
    const applied = await kubectl(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab-applied\n',
    );
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('namespace/lab-applied created\n');
    const got = await kubectl(['get', 'ns', 'lab-applied', '-o', 'jsonpath={.status.phase}']);
    expect(got.stdout).toBe('Active');
  });

  it('the controller manager runs each controller as its own service account, holding only its role', async () => {
    const made = await kubectl(['create', 'deployment', 'web', '--image=busybox:1', '-n', 'lab-applied']);
    expect(made.stderr).toBe('');
    // Written by kube-system/deployment-controller and kube-system/replicaset-controller.
    let pods = '';
    for (let i = 0; i < 100 && pods === ''; i++) {
      pods = (
        await kubectl(['get', 'pods', '-n', 'lab-applied', '-l', 'app=web', '-o', 'name'])
      ).stdout.trim();
      if (pods === '') await new Promise((r) => setTimeout(r, 200));
    }
    expect(pods).toMatch(/^pod\/web-[a-z0-9]+-[a-z0-9]+$/);
    const sas = await kubectl(['get', 'serviceaccounts', '-n', 'kube-system', '-o', 'name']);
    expect(sas.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'serviceaccount/deployment-controller',
        'serviceaccount/replicaset-controller',
        'serviceaccount/generic-garbage-collector',
      ]),
    );
    const asController = ['--as', 'system:serviceaccount:kube-system:deployment-controller'];
    const may = await kubectl([
      'auth',
      'can-i',
      'create',
      'replicasets.apps',
      '-n',
      'lab-applied',
      ...asController,
    ]);
    expect(may.stdout).toBe('yes\n');
    const mayNot = await kubectl(['auth', 'can-i', 'delete', 'nodes', ...asController]);
    expect(mayNot.stdout).toBe('no\n');
    expect(mayNot.code).toBe(1);
  });

  it('the demo runs on the node: Ready hello pods with podCIDR addresses answer HTTP from the node', async () => {
    const pods = await kubectl(['get', 'pods', '-n', 'demo', '-l', 'app=hello', '-o', 'json']);
    expect(pods.stderr).toBe('');
    const items = JSON.parse(pods.stdout).items as {
      status: { podIP: string; conditions: { type: string; status: string }[] };
    }[];
    expect(items).toHaveLength(3);
    const cidr = await kubectl(['get', 'node', 'node-1', '-o', 'jsonpath={.spec.podCIDR}']);
    const net = cidr.stdout.replace(/\.0\/24$/, '.');
    expect(net).toMatch(/^10\.244\.\d+\.$/);
    for (const pod of items) {
      expect(pod.status.conditions).toContainEqual(
        expect.objectContaining({ type: 'Ready', status: 'True' }),
      );
      expect(pod.status.podIP.startsWith(net)).toBe(true);
      const page = await cli('exec', 'node-1', '--', 'wget', '-qO-', `http://${pod.status.podIP}:8080/`);
      expect(page.stdout).toMatch(/^hello from hello-\S+ on node-1\n$/);
    }
  });

  it('up restarts a killed kubelet and keeps containerd and the pods', async () => {
    const nodes = (): { containerd: { pid: number }; kubelet: { pid: number } } =>
      JSON.parse(readFileSync(join(stateDir, 'nodes.json'), 'utf8')).nodes['node-1'];
    const before = nodes();
    const ips = (await kubectl(['get', 'pods', '-n', 'demo', '-o', 'jsonpath={.items[*].status.podIP}']))
      .stdout;
    process.kill(before.kubelet.pid, 'SIGKILL');
    const healed = await cli('up');
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stdout).toMatch(
      / {2}node-1 {2}containerd kept \(pid \d+\), images present, kubelet started/,
    );
    expect(nodes().containerd.pid).toBe(before.containerd.pid);
    expect(nodes().kubelet.pid).not.toBe(before.kubelet.pid);
    expect(
      (await kubectl(['get', 'pods', '-n', 'demo', '-o', 'jsonpath={.items[*].status.podIP}'])).stdout,
    ).toBe(ips);
  });

  it('status shows every component running and healthy', async () => {
    const status = await cli('status');
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const before = pids();
    for (const name of NAMES) {
      expect(status.stdout).toMatch(new RegExp(`  ${name} +\\S+( \\S+)? +pid ${before[name]} +healthy\\n`));
    }
    expect(status.stdout).toMatch(
      /control-plane +\S+ +172\.30\.0\.2\/16 +\[lo:UP eth0:UP\] +3 process\(es\)/,
    );
  });

  it('a second up keeps every component; after the scheduler dies, up restarts only it', async () => {
    const before = pids();
    const again = await cli('up');
    expect(again.code, again.stderr).toBe(0);
    for (const name of NAMES)
      expect(again.stdout).toMatch(new RegExp(`  ${name} +kept \\(pid ${before[name]} `));
    expect(pids()).toEqual(before);
    expect(again.stdout).toMatch(/ {2}node-1 {2}containerd kept \(pid \d+\), images present, kubelet kept/);

    process.kill(before.scheduler as number, 'SIGKILL');
    const dead = await cli('status');
    expect(dead.code).toBe(1);
    expect(dead.stdout).toMatch(/ {2}scheduler +control-plane +NOT RUNNING +UNHEALTHY/);

    const healed = await cli('up');
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stdout).toMatch(/ {2}scheduler +started \(was not running\), pid \d+/);
    const after = pids();
    expect(after.scheduler).not.toBe(before.scheduler);
    expect({ ...after, scheduler: 0 }).toEqual({ ...before, scheduler: 0 });
    expect((await cli('status')).code).toBe(0);
  });

  it('down stops every component, the forwarder included, and frees its port', async () => {
    const before = pids();
    const port = JSON.parse(readFileSync(join(stateDir, 'components.json'), 'utf8')).forwardPort as number;
    const down = await cli('down');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toBe(`lab ${labId} removed (1 node(s), 5 namespace(s))\n`);
    // An exited child may wait a moment for init to reap it; it runs nothing meanwhile.
    for (const pid of Object.values(before)) {
      expect(processStartTicks(pid) === undefined || isZombie(pid), `pid ${pid}`).toBe(true);
    }
    expect(pidsNamingNetns([`${prefix}control-plane`])).toEqual([]);
    expect(listNetns().filter((n) => n.startsWith(prefix))).toEqual([]);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    expect(free).toBe(true);
  });
});
