/**
 * End to end through the built CLI: `up`, `status`, `exec`, `down` and `lab clean` as a user
 * runs them, with the lab's files in a temporary directory (SWITCHYARD_STATE_DIR and
 * SWITCHYARD_RUN_DIR) and a lab id carrying this test run's id. `up` runs the whole lab:
 * control plane, containerd and a kubelet per node, and the demo.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listNetns } from '../lib/netns/index.js';
import { type CliResult, repoRoot, runCommand } from '../test/harness/cli.js';
import { describeKernel, runId } from '../test/harness/kernel.js';
import { cleanLabs } from './clean.js';

const labId = `${runId()}-cli${process.pid.toString(36)}`;
const prefix = `sy-${labId}-`;

describeKernel('switchyard CLI drives the lab', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-lab-cli-'));
  const env = {
    ...process.env,
    SWITCHYARD_STATE_DIR: join(tmp, 'state'),
    SWITCHYARD_RUN_DIR: join(tmp, 'run'),
    SWITCHYARD_LAB_ID: labId,
  };

  // The built CLI (node scripts/build.mjs): `up` installs dist/cni, builds the suite image from
  // dist/ and applies deploy/demo from the root the bundle sits in.
  const bundle = join(repoRoot, 'dist', 'switchyard.mjs');

  function cli(...args: string[]): Promise<CliResult> {
    return runCommand([process.execPath, bundle, ...args], { env });
  }

  beforeAll(async () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run "node scripts/build.mjs" first`);
  });

  afterAll(async () => {
    await cli('down');
    await cleanLabs({ paths: { stateDir: join(tmp, 'state'), runDir: join(tmp, 'run') }, scope: prefix });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('up builds the lab and says how to use it; a second up changes nothing', async () => {
    const first = await cli('up', '--nodes', '2');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`lab ${labId}: 2 node(s), lb-mode l2 (`);
    expect(first.stdout).toContain(`node-2         ${prefix}node-2`);
    expect(first.stdout).toContain('switchyard exec node-1 -- ping -c1 172.30.0.12');
    expect(listNetns().filter((n) => n.startsWith(prefix))).toEqual(
      ['client', 'control-plane', 'fabric', 'node-1', 'node-2', 'router'].map((t) => `${prefix}${t}`),
    );
    for (const node of ['node-1', 'node-2']) {
      expect(first.stdout).toMatch(
        new RegExp(
          `  ${node}  containerd started \\(pid \\d+\\), imported busybox, pause, switchyard, kubelet started \\(pid \\d+\\)`,
        ),
      );
    }
    expect(first.stdout).toMatch(/demo \(deploy\/demo\/hello\.yaml\) ready in [\d.]+ s/);
    const second = await cli('up');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('2 node(s), lb-mode l2 (already up, nothing changed)');
    // Healthy node processes stay (same pids); images already there are not imported again.
    for (const node of ['node-1', 'node-2']) {
      expect(second.stdout).toMatch(
        new RegExp(`  ${node}  containerd kept \\(pid \\d+\\), images present, kubelet kept \\(pid \\d+\\)`),
      );
    }
  });

  it('exec runs in the target namespace and passes the exit status through', async () => {
    const ping = await cli('exec', 'node-1', '--', 'ping', '-c1', '-W2', '172.30.0.12');
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stdout).toContain('1 received');
    expect((await cli('exec', 'client', '--', 'sh', '-c', 'exit 7')).code).toBe(7);
    const bad = await cli('exec', 'node-9', '--', 'true');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'switchyard: target: unknown target "node-9"; one of: fabric, control-plane, node-1, node-2, client, router\n',
    );
  });

  it('status shows a healthy lab', async () => {
    const status = await cli('status');
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain(`lab ${labId}: 2 node(s), lb-mode l2, owner detached`);
    expect(status.stdout).toContain('healthy');
    // containerd, its shims and the kubelet run in the node's namespace; a node with pods has
    // the kubelet's bridge cni0 with the podCIDR's gateway.
    expect(status.stdout).toMatch(
      /node-2 +\S+node-2 +172\.30\.0\.12\/16( 10\.244\.\d+\.1\/24)? {2}\[lo:UP eth0:UP.*\] {2}\d+ process\(es\) {2}ping ok/,
    );
    expect(status.stdout).toMatch(/ {2}node-2 {2}containerd pid \d+ ok {2}kubelet pid \d+ ok\n/);
    expect(status.stdout).toMatch(/ {2}node-1 +Ready +10\.244\.\d+\.0\/24\n/);
    expect(status.stdout).toMatch(/ {2}demo\/hello-\S+ +node-\d +yes +10\.244\.\d+\.\d+ +0 +Running\n/);
  });

  it('rejects bad flags with one clear line, and prints --help', async () => {
    const bad = await cli('up', '--nodes', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('switchyard: --nodes: must be an integer 1–89, got "0"\n');
    const mode = await cli('up', '--lb-mode', 'ospf');
    expect(mode.stderr).toBe('switchyard: --lb-mode: must be "l2" or "bgp", got "ospf"\n');
    // main.ts prints usage for every command alike; exec (whose arguments pass through) and the
    // two-word command are the cases that differ.
    for (const cmd of [['exec'], ['lab', 'clean']]) {
      const help = await cli(...cmd, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: switchyard /);
    }
  });

  it('lab clean keeps the live lab; down removes everything and is idempotent', async () => {
    const clean = await cli('lab', 'clean', '--scope', prefix);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain(`kept namespace ${prefix}node-1: lab ${labId} is alive`);
    const down = await cli('down');
    expect(down.code).toBe(0);
    expect(down.stdout).toBe(`lab ${labId} removed (2 node(s), 6 namespace(s))\n`);
    expect(existsSync(join(tmp, 'state', 'nodes'))).toBe(false);
    expect(listNetns().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect((await cli('down')).stdout).toBe('no lab to remove\n');
    const status = await cli('status');
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^switchyard: lab ".*" not found\n$/);
  });
});
