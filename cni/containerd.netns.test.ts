/**
 * A real runtime: Debian's containerd 1.6, started inside a test "host" namespace the way a
 * lab node runs it (lab/containerd.ts: nsenter --net, so runc still sees the cgroup mounts),
 * configured with our plugins in its CNI bin and conf dirs and the lab's pause image
 * (lab/images) imported as its sandbox image. Through CRI (lib/cri):
 * RunPodSandbox gives the pod an IP that answers ping from the node; StopPodSandbox +
 * RemovePodSandbox release it and the host-local store is empty again.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CriClient } from '../lib/cri/index.js';
import { startTestRuntime, type TestRuntime } from '../test/harness/containerd.js';
import { describeKernel } from '../test/harness/kernel.js';
import { execIn } from './testing/index.js';

describeKernel('containerd 1.6 invokes our plugins through CRI', () => {
  let rt: TestRuntime | undefined;
  let host = '';
  let dir = '';
  let client: CriClient | undefined;

  beforeAll(async () => {
    rt = await startTestRuntime({ tag: 'h', bridge: 'syctr0', subnet: '10.85.0.0/24', portmap: true });
    ({ host, dir, cri: client } = rt);
  }, 120_000);

  // A failed run still stops and removes its sandboxes (through CRI), so containerd deletes
  // their netns; then containerd, its shims and its mounts go.
  afterAll(() => rt?.stop(), 60_000);

  it('RunPodSandbox gives a pingable IP; Stop + Remove release it', async () => {
    const c = client as CriClient;
    const version = await c.version({ version: 'v1' });
    expect(version.runtimeName).toBe('containerd');
    const run = await c.runPodSandbox({
      config: {
        metadata: { name: 'web', uid: `uid-${host}`, namespace: 'default', attempt: 0 },
        hostname: 'web',
        portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 18085 }],
        linux: {},
      },
    });
    const id = run.podSandboxId;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const sandbox = (await c.podSandboxStatus({ podSandboxId: id })).status;
    expect(sandbox?.state).toBe('SANDBOX_READY');
    const ip = sandbox?.network?.ip ?? '';
    expect(ip).toMatch(/^10\.85\.0\.\d+$/);
    expect(execIn(host, 'ping', ['-c1', '-W2', ip])).toMatch(/1 received/);
    const ipam = join(dir, 'ipam', 'sypods');
    expect(readdirSync(ipam)).toContain(ip);
    // portmap got containerd's capitalised keys and installed the DNAT entry.
    expect(execIn(host, 'nft', ['list', 'map', 'ip', 'switchyard-cni-portmap', 'hostports'])).toMatch(
      new RegExp(`tcp \\. 18085 comment "${id}/eth0" : ${ip.replaceAll('.', '\\.')} \\. 80`),
    );

    await c.stopPodSandbox({ podSandboxId: id });
    await c.removePodSandbox({ podSandboxId: id });
    expect(readdirSync(ipam).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))).toEqual([]);
    expect(execIn(host, 'nft', ['list', 'map', 'ip', 'switchyard-cni-portmap', 'hostports'])).not.toMatch(
      /18085/,
    );
    expect(
      execFileSync('ip', ['-n', host, '-o', 'link', 'show', 'master', 'syctr0'], { encoding: 'utf8' }),
    ).toBe('');
  }, 120_000);
});
