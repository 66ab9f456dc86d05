/**
 * A real runtime: Debian's containerd 1.6, started inside a test "host" namespace the way a
 * lab node runs it (lab/containerd.ts: nsenter --net, so runc still sees the cgroup mounts),
 * configured with our plugins in its CNI bin and conf dirs and the lab's pause image
 * (lab/images) imported as its sandbox image. Through CRI (lib/cri):
 * RunPodSandbox gives the pod an IP that answers ping from the node; StopPodSandbox +
 * RemovePodSandbox release it and the host-local store is empty again.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ContainerdProcess,
  containerdPaths,
  importImage,
  startContainerd,
  stopContainerd,
} from '../lab/containerd.js';
import { buildImages, imageCatalog, PAUSE_IMAGE } from '../lab/images/index.js';
import { CriClient } from '../lib/cri/index.js';
import { repoRoot } from '../test/harness/cli.js';
import { describeKernel, uniqueName } from '../test/harness/kernel.js';
import {
  addNetns,
  buildPlugins,
  delNetns,
  execIn,
  removePlugins,
  writePodConflist,
} from './testing/index.js';

const IMAGE = PAUSE_IMAGE;

describeKernel('containerd 1.6 invokes our plugins through CRI', () => {
  let host = '';
  let dir = '';
  let containerd: ContainerdProcess | undefined;
  let client: CriClient | undefined;

  beforeAll(async () => {
    const bin = buildPlugins();
    host = uniqueName('h');
    addNetns(host);
    // The run id in the path lets the suite's guard find containerd and its shims if this file dies.
    dir = mkdtempSync(join(tmpdir(), `${uniqueName('ctd')}-`));
    const paths = containerdPaths(join(dir, 'ctrd'));
    writePodConflist(paths.cniConfDir, {
      bridge: 'syctr0',
      subnet: '10.85.0.0/24',
      ipamDir: join(dir, 'ipam'),
      portmap: true,
    });
    containerd = await startContainerd({ dir: paths.dir, netns: host, cniBinDir: bin, sandboxImage: IMAGE });
    const [pause] = buildImages(
      imageCatalog({ root: repoRoot }).filter((s) => s.name === 'pause'),
      { out: join(dir, 'images') },
    );
    await importImage(containerd.paths.socket, pause?.archive ?? '');
    client = new CriClient(containerd.paths.socket);
  }, 120_000);

  afterAll(async () => {
    // A failed run still stops and removes its sandboxes (stopContainerd does, through CRI),
    // so containerd deletes their netns; then containerd, its shims and its mounts go.
    client?.close();
    if (containerd) await stopContainerd(containerd);
    if (host) delNetns(host);
    if (dir) rmSync(dir, { recursive: true, force: true });
    removePlugins();
  }, 60_000);

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
