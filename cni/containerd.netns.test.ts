/**
 * A real runtime: Debian's containerd 1.6, started inside a test "host" namespace (nsenter
 * --net, so runc still sees the cgroup mounts), configured with our plugins in its CNI bin
 * and conf dirs and the lab's pause image (lab/images) imported as its sandbox image. Through CRI (gRPC):
 * RunPodSandbox gives the pod an IP that answers ping from the node; StopPodSandbox +
 * RemovePodSandbox release it and the host-local store is empty again.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildImages, imageCatalog, PAUSE_IMAGE } from '../lab/images/index.js';
import { repoRoot } from '../test/harness/cli.js';
import { describeKernel, uniqueName } from '../test/harness/kernel.js';
import { addNetns, buildPlugins, delNetns, execIn, removePlugins } from './testing/index.js';

const IMAGE = PAUSE_IMAGE;

type Unary = (req: object, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;
type CriClient = grpc.Client & Record<string, Unary>;

function call(client: CriClient, method: string, req: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const fn = client[method];
    if (!fn) throw new Error(`no CRI method ${method}`);
    fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Our containerd's shims: found by the unique socket path in their command line, killed by pid. */
function shimPids(sock: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(sock);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describeKernel('containerd 1.6 invokes our plugins through CRI', () => {
  let host = '';
  let dir = '';
  let sock = '';
  let containerd: ChildProcess | undefined;
  let client: CriClient | undefined;
  const sandboxes: string[] = [];

  beforeAll(async () => {
    const bin = buildPlugins();
    host = uniqueName('h');
    addNetns(host);
    dir = mkdtempSync(join(tmpdir(), 'sy-ctrd-'));
    sock = join(dir, 'containerd.sock');
    const netd = join(dir, 'net.d');
    mkdirSync(netd);
    writeFileSync(
      join(netd, '10-sy.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'sypods',
        plugins: [
          {
            type: 'bridge',
            bridge: 'syctr0',
            isGateway: true,
            isDefaultGateway: true,
            hairpinMode: true,
            ipam: { type: 'host-local', ranges: [[{ subnet: '10.85.0.0/24' }]], dataDir: join(dir, 'ipam') },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
          { type: 'loopback' },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'config.toml'),
      `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${IMAGE}"
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "${bin}"
      conf_dir = "${netd}"
  [plugins."io.containerd.internal.v1.opt"]
    path = "${dir}/opt"
`,
    );
    const log = join(dir, 'containerd.log');
    containerd = spawn(
      'nsenter',
      [`--net=/run/netns/${host}`, 'containerd', '--config', join(dir, 'config.toml')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    containerd.stderr?.on('data', (d: Buffer) => writeFileSync(log, d, { flag: 'a' }));
    for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(100);
    const [pause] = buildImages(
      imageCatalog({ root: repoRoot }).filter((s) => s.name === 'pause'),
      { out: join(dir, 'images') },
    );
    execFileSync('ctr', ['-a', sock, '-n', 'k8s.io', 'images', 'import', pause?.archive ?? ''], {
      stdio: 'ignore',
    });
    const def = protoLoader.loadSync(new URL('./testing/cri.proto', import.meta.url).pathname, {
      keepCase: false,
      enums: String,
      defaults: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      runtime: { v1: { RuntimeService: new (addr: string, creds: grpc.ChannelCredentials) => CriClient } };
    };
    client = new pkg.runtime.v1.RuntimeService(`unix://${sock}`, grpc.credentials.createInsecure());
  }, 120_000);

  afterAll(async () => {
    // A failed run still stops and removes its sandboxes, so containerd deletes their netns.
    for (const id of sandboxes) {
      if (!client) break;
      await call(client, 'stopPodSandbox', { podSandboxId: id }).catch(() => undefined);
      await call(client, 'removePodSandbox', { podSandboxId: id }).catch(() => undefined);
    }
    client?.close();
    if (containerd?.pid) {
      containerd.kill('SIGTERM');
      await new Promise((r) => containerd?.once('exit', r));
    }
    for (const pid of shimPids(sock)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    // Unmount whatever a failed run left under our root (sandbox rootfs, shm), deepest first.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => dir && m.startsWith(dir))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    if (host) delNetns(host);
    if (dir) rmSync(dir, { recursive: true, force: true });
    removePlugins();
  }, 60_000);

  it('RunPodSandbox gives a pingable IP; Stop + Remove release it', async () => {
    const c = client as CriClient;
    const version = await call(c, 'version', { version: 'v1' });
    expect(version.runtimeName).toBe('containerd');
    const run = await call(c, 'runPodSandbox', {
      config: {
        metadata: { name: 'web', uid: `uid-${host}`, namespace: 'default', attempt: 0 },
        hostname: 'web',
        portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 18085 }],
        linux: {},
      },
    });
    const id = String(run.podSandboxId);
    sandboxes.push(id);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const status = await call(c, 'podSandboxStatus', { podSandboxId: id });
    const sandbox = status.status as { state: string; network: { ip: string } };
    expect(sandbox.state).toBe('SANDBOX_READY');
    expect(sandbox.network.ip).toMatch(/^10\.85\.0\.\d+$/);
    expect(execIn(host, 'ping', ['-c1', '-W2', sandbox.network.ip])).toMatch(/1 received/);
    const ipam = join(dir, 'ipam', 'sypods');
    expect(readdirSync(ipam)).toContain(sandbox.network.ip);
    // portmap got containerd's capitalised keys and installed the DNAT entry.
    expect(execIn(host, 'nft', ['list', 'map', 'ip', 'switchyard-cni-portmap', 'hostports'])).toMatch(
      new RegExp(`tcp \\. 18085 comment "${id}/eth0" : ${sandbox.network.ip.replaceAll('.', '\\.')} \\. 80`),
    );

    await call(c, 'stopPodSandbox', { podSandboxId: id });
    await call(c, 'removePodSandbox', { podSandboxId: id });
    expect(readdirSync(ipam).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))).toEqual([]);
    expect(execIn(host, 'nft', ['list', 'map', 'ip', 'switchyard-cni-portmap', 'hostports'])).not.toMatch(
      /18085/,
    );
    expect(
      execFileSync('ip', ['-n', host, '-o', 'link', 'show', 'master', 'syctr0'], { encoding: 'utf8' }),
    ).toBe('');
  }, 120_000);
});
