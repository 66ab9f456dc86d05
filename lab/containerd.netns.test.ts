/**
 * A node's containerd (lab/containerd.ts) driven through the CRI client (lib/cri), for real:
 * containerd 1.6 in a throwaway `sy-` namespace with our CNI plugins and the lab's busybox and
 * pause images (lab/images). Version and Status; images; a pod sandbox with an IP from our bridge + host-local;
 * a busybox container created, started, exec'd into (zero and non-zero exits), listed by label,
 * measured, logged, stopped and removed; the sandbox stopped and removed with its IP released;
 * NotFound for what is gone. A containerd that cannot serve CRI is ended with a clear error;
 * stopping one leaves no shim or container behind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execIn } from '../cni/testing/index.js';
import {
  type CriClient,
  type CriError,
  isCriNotFound,
  type PodSandboxConfigInput,
} from '../lib/cri/index.js';
import { startTestRuntime, type TestRuntime } from '../test/harness/containerd.js';
import { describeKernel } from '../test/harness/kernel.js';
import {
  type ContainerdProcess,
  isContainerdRunning,
  startContainerd,
  stopContainerd,
} from './containerd.js';
import { runcContainerPids, shimPids } from './containerd-leftovers.js';
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from './images/index.js';
import { isZombie, processStartTicks } from './owner.js';

const IMAGE = BUSYBOX_IMAGE;
const SUBNET = '10.86.0';

describeKernel('a node containerd through the CRI client', () => {
  let host = '';
  let dir = '';
  let rt: TestRuntime | undefined;
  let proc: ContainerdProcess | undefined;
  let client: CriClient | undefined;
  let sandboxConfig: PodSandboxConfigInput = {};

  const cri = (): CriClient => {
    if (!client) throw new Error('containerd did not start');
    return client;
  };

  beforeAll(async () => {
    rt = await startTestRuntime({
      tag: 'cr',
      bridge: 'sycri0',
      subnet: `${SUBNET}.0/24`,
      images: ['busybox', 'pause'],
    });
    ({ host, dir, containerd: proc, cri: client } = rt);
  }, 120_000);

  afterAll(() => rt?.stop(), 60_000);

  it('answers Version and Status, and lists the imported image', async () => {
    const version = await cri().version();
    expect(version).toMatchObject({ version: '0.1.0', runtimeName: 'containerd', runtimeApiVersion: 'v1' });
    const status = await cri().status();
    const conditions = Object.fromEntries((status.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toEqual({ RuntimeReady: true, NetworkReady: true });

    const image = (await cri().imageStatus({ image: { image: IMAGE } })).image;
    expect(image?.repoTags).toContain(IMAGE);
    expect(Number(image?.size)).toBeGreaterThan(100_000);
    expect((await cri().listImages()).images.map((i) => i.id)).toContain(image?.id);
    expect((await cri().imageStatus({ image: { image: 'docker.io/library/missing:1' } })).image).toBeNull();
    const fs = await cri().imageFsInfo();
    expect(fs.imageFilesystems[0]?.fsId?.mountpoint).toContain(dir);
  });

  it('runs a pod and a container: exec, list by label, stats, logs, stop, remove', async () => {
    const uid = `uid-${host}`;
    sandboxConfig = {
      metadata: { name: 'web', uid, namespace: 'default', attempt: 0 },
      hostname: 'web',
      logDirectory: join(dir, 'logs', `default_web_${uid}`),
      labels: { 'switchyard.io/pod-uid': uid },
      linux: {},
    };
    const { podSandboxId } = await cri().runPodSandbox({ config: sandboxConfig });
    expect(podSandboxId).toMatch(/^[0-9a-f]{64}$/);
    const sandbox = (await cri().podSandboxStatus({ podSandboxId })).status;
    expect(sandbox?.state).toBe('SANDBOX_READY');
    expect(sandbox?.network?.ip).toMatch(new RegExp(`^${SUBNET.replaceAll('.', '\\.')}\\.\\d+$`));
    expect(BigInt(sandbox?.createdAt ?? '0')).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
    expect(execIn(host, 'ping', ['-c1', '-W2', sandbox?.network?.ip ?? ''])).toMatch(/1 received/);
    const pods = await cri().listPodSandbox({ filter: { labelSelector: { 'switchyard.io/pod-uid': uid } } });
    expect(pods.items.map((p) => p.id)).toEqual([podSandboxId]);

    const { containerId } = await cri().createContainer({
      podSandboxId,
      sandboxConfig,
      config: {
        metadata: { name: 'sleeper', attempt: 0 },
        image: { image: IMAGE },
        command: ['/bin/sh', '-c', 'echo started; exec sleep 3600'],
        envs: [{ key: 'GREETING', value: 'hi' }],
        labels: { 'switchyard.io/container': 'sleeper', 'switchyard.io/pod-uid': uid },
        logPath: 'sleeper/0.log',
      },
    });
    await cri().startContainer({ containerId });
    const running = (await cri().containerStatus({ containerId })).status;
    expect(running).toMatchObject({
      id: containerId,
      state: 'CONTAINER_RUNNING',
      metadata: { name: 'sleeper' },
    });
    expect(BigInt(running?.startedAt ?? '0')).toBeGreaterThan(0n);
    expect(running?.logPath).toBe(join(dir, 'logs', `default_web_${uid}`, 'sleeper', '0.log'));

    const hi = await cri().execSync({ containerId, cmd: ['sh', '-c', 'echo $GREETING'], timeout: 10 });
    expect({ stdout: hi.stdout.toString(), stderr: hi.stderr.toString(), exitCode: hi.exitCode }).toEqual({
      stdout: 'hi\n',
      stderr: '',
      exitCode: 0,
    });
    const fail = await cri().execSync({
      containerId,
      cmd: ['sh', '-c', 'echo oops >&2; exit 3'],
      timeout: 10,
    });
    expect({ stderr: fail.stderr.toString(), exitCode: fail.exitCode }).toEqual({
      stderr: 'oops\n',
      exitCode: 3,
    });

    const listed = await cri().listContainers({
      filter: { labelSelector: { 'switchyard.io/container': 'sleeper' } },
    });
    expect(listed.containers.map((c) => [c.id, c.podSandboxId, c.state])).toEqual([
      [containerId, podSandboxId, 'CONTAINER_RUNNING'],
    ]);
    expect(
      (await cri().listContainers({ filter: { labelSelector: { 'switchyard.io/container': 'other' } } }))
        .containers,
    ).toEqual([]);

    const stats = (await cri().containerStats({ containerId })).stats;
    expect(stats?.attributes?.id).toBe(containerId);
    expect(Number(stats?.memory?.workingSetBytes?.value)).toBeGreaterThan(0);
    expect(Number(stats?.cpu?.usageCoreNanoSeconds?.value)).toBeGreaterThan(0);
    const all = await cri().listContainerStats({ filter: { podSandboxId } });
    expect(all.stats.map((s) => s.attributes?.id)).toEqual([containerId]);

    const exec = await cri().exec({ containerId, cmd: ['sh'], stdin: true, stdout: true });
    expect(exec.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/exec\//);
    const forward = await cri().portForward({ podSandboxId, port: [80] });
    expect(forward.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/portforward\//);

    expect(readFileSync(running?.logPath ?? '', 'utf8')).toMatch(/^\S+ stdout F started\n/);

    await cri().stopContainer({ containerId, timeout: 1 });
    const exited = (await cri().containerStatus({ containerId })).status;
    expect(exited?.state).toBe('CONTAINER_EXITED');
    expect(BigInt(exited?.finishedAt ?? '0')).toBeGreaterThan(0n);
    await cri().removeContainer({ containerId });
    const gone = await cri()
      .containerStatus({ containerId })
      .catch((e: unknown) => e);
    expect(isCriNotFound(gone)).toBe(true);
    expect((gone as CriError).method).toBe('ContainerStatus');

    await cri().stopPodSandbox({ podSandboxId });
    await cri().removePodSandbox({ podSandboxId });
    expect(readdirSync(join(dir, 'ipam', 'sypods')).filter((f) => f.startsWith(SUBNET))).toEqual([]);
    expect(
      isCriNotFound(
        await cri()
          .podSandboxStatus({ podSandboxId })
          .catch((e: unknown) => e),
      ),
    ).toBe(true);
    expect((await cri().listPodSandbox()).items).toEqual([]);
  }, 120_000);

  it('ends a containerd whose CRI plugin cannot load; the error says why and names the log', async () => {
    const bad = join(dir, 'bad');
    const err = await startContainerd(
      { dir: bad, netns: host, cniBinDir: '/nonexistent', sandboxImage: PAUSE_IMAGE, snapshotter: 'nosuch' },
      { timeoutMs: 20_000 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^containerd \\(pid \\d+\\) runs without CRI: .*snapshotter "nosuch".*; see ${bad}/containerd\\.log$`,
      ),
    );
    const pid = Number(/pid (\d+)/.exec((err as Error).message)?.[1]);
    expect(processStartTicks(pid) === undefined || isZombie(pid)).toBe(true);
  }, 30_000);

  it('stops containerd with a pod still running and leaves nothing behind', async () => {
    if (!proc) throw new Error('containerd did not start');
    const { podSandboxId } = await cri().runPodSandbox({
      config: { ...sandboxConfig, metadata: { name: 'left', uid: `uid2-${host}`, namespace: 'default' } },
    });
    expect(podSandboxId).toMatch(/^[0-9a-f]{64}$/);
    expect(shimPids(proc.paths.socket).length).toBeGreaterThan(0);
    expect(runcContainerPids(proc.paths.runcRoot).length).toBeGreaterThan(0);
    await stopContainerd(proc);
    expect(isContainerdRunning(proc)).toBe(false);
    await sleep(100);
    expect(shimPids(proc.paths.socket)).toEqual([]);
    expect(runcContainerPids(proc.paths.runcRoot)).toEqual([]);
    expect(readdirSync(join(dir, 'ipam', 'sypods')).filter((f) => f.startsWith(SUBNET))).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(proc.paths.dir);
  }, 60_000);
});
