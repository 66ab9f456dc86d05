/**
 * `bench pods` (issue 12): N pods created at once on one node, each timed from its create
 * request to its Ready condition, beside the same N sandboxes and containers started straight
 * through CRI on the same containerd. The topology is the lab's own, one node: the control
 * plane as `switchyard <component>` children (lab/components.ts), containerd in the node's
 * namespace with the lab images and our CNI plugins (lab/node-runtime.ts), and one
 * `switchyard kubelet` child. Each CNI plugin containerd runs is wrapped by a shell script that
 * logs its start and end (`date +%s%N`), so the network set-up of every sandbox is measured on
 * both paths alike. Kubelet and containerd CPU come from /proc/<pid>/stat.
 */
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureToken } from '../../controlplane/apiserver/index.js';
import { BUSYBOX_IMAGE } from '../../lab/images/index.js';
import {
  containerdPaths,
  controlPlaneFiles,
  downComponents,
  downNodes,
  labNodes,
  type NodeSpec,
  readNodes,
  removeAllPodSandboxes,
  stopProcess,
  upComponents,
  upKubelets,
  upRuntimes,
} from '../../lab/index.js';
import { startLab } from '../../lab/testing/start-lab.js';
import type { Pod } from '../../lib/api/core-v1.js';
import { isNotFound, KubeClient, loadKubeconfig, podsResource } from '../../lib/client/index.js';
import { CriClient, type PodSandboxConfigInput } from '../../lib/cri/index.js';
import { createNetlink } from '../../lib/netlink/index.js';
import type { BenchResult } from '../framework.js';
import { cniAddSpans, cpuTicks, parseCniLog, podsResult, type StartRun } from './measure.js';

/** Options of one run. */
export interface PodsBenchOptions {
  /** The repository root: dist/switchyard.mjs and dist/cni are run from there. */
  readonly root: string;
  /** Default 30 (the number). */
  readonly pods?: number;
  readonly log: (line: string) => void;
}

/** The plugins containerd executes itself (host-local runs inside bridge). */
const WRAPPED = ['loopback', 'bridge', 'portmap'] as const;
const NAMESPACE = 'default';
/** Clock ticks per second (getconf CLK_TCK on Linux). */
const TICKS_PER_SECOND = 100;

function cpuMs(pid: number): number {
  return (cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / TICKS_PER_SECOND;
}

/** Replaces each plugin by a wrapper that logs `<cmd> <id> <plugin> <startNs> <endNs>` to `log`. */
function wrapPlugins(binDir: string, log: string): void {
  for (const plugin of WRAPPED) {
    const real = join(binDir, `${plugin}.real`);
    renameSync(join(binDir, plugin), real);
    const script = `#!/bin/sh
s=$(date +%s%N)
${JSON.stringify(real)} "$@"
r=$?
echo "$CNI_COMMAND $CNI_CONTAINERID ${plugin} $s $(date +%s%N)" >> ${JSON.stringify(log)}
exit $r
`;
    writeFileSync(join(binDir, plugin), script);
    chmodSync(join(binDir, plugin), 0o755);
  }
}

function benchPod(name: string, node: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { bench: 'pods' } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [
        { name: 'main', image: BUSYBOX_IMAGE, imagePullPolicy: 'Never', command: ['sleep', '3600'] },
      ],
    },
  } as Pod;
}

function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench pods: ${what} not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The kubelet path: create every pod at once, watch each one become Ready. */
async function viaKubelet(o: {
  readonly client: KubeClient;
  readonly node: NodeSpec;
  readonly pods: number;
  readonly cniLog: string;
  readonly kubeletPid: number;
  readonly containerdPid: number;
}): Promise<StartRun> {
  const api = o.client.resource(podsResource);
  const list = await api.list({ namespace: NAMESPACE });
  const abort = new AbortController();
  const events = await api.watch({
    namespace: NAMESPACE,
    resourceVersion: list.metadata?.resourceVersion ?? '',
    signal: abort.signal,
  });
  writeFileSync(o.cniLog, '');
  const sent = new Map<string, number>();
  const ready = new Map<string, number>();
  const cpu0 = { kubelet: cpuMs(o.kubeletPid), containerd: cpuMs(o.containerdPid) };
  const t0 = performance.now();
  const names = Array.from({ length: o.pods }, (_, i) => `bench-${i}`);
  const created = Promise.all(
    names.map(async (name) => {
      sent.set(name, performance.now());
      await api.create(benchPod(name, o.node.name));
    }),
  );
  const timer = setTimeout(() => abort.abort(), 120_000);
  try {
    for await (const ev of events) {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
      const name = ev.object.metadata?.name ?? '';
      if (sent.has(name) && !ready.has(name) && isReady(ev.object)) ready.set(name, performance.now());
      if (ready.size === o.pods) break;
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  await created;
  if (ready.size < o.pods) throw new Error(`bench pods: ${ready.size} of ${o.pods} pods Ready within 120 s`);
  const wallMs = Math.max(...ready.values()) - t0;
  const cpu1 = { kubelet: cpuMs(o.kubeletPid), containerd: cpuMs(o.containerdPid) };
  return {
    latenciesMs: names.map((n) => (ready.get(n) ?? 0) - (sent.get(n) ?? 0)),
    wallMs,
    cniMs: [...cniAddSpans(parseCniLog(readFileSync(o.cniLog, 'utf8'))).values()],
    containerdCpuMs: cpu1.containerd - cpu0.containerd,
    kubeletCpuMs: cpu1.kubelet - cpu0.kubelet,
  };
}

/** The reference: the same sandboxes and containers, straight through CRI, all at once. */
async function viaCri(o: {
  readonly cri: CriClient;
  readonly node: NodeSpec;
  readonly pods: number;
  readonly cniLog: string;
  readonly containerdPid: number;
}): Promise<StartRun> {
  writeFileSync(o.cniLog, '');
  const cpu0 = cpuMs(o.containerdPid);
  const t0 = performance.now();
  const latenciesMs = await Promise.all(
    Array.from({ length: o.pods }, async (_, i) => {
      const start = performance.now();
      const uid = `bench-cri-${i}`;
      const config: PodSandboxConfigInput = {
        metadata: { name: `bench-cri-${i}`, uid, namespace: NAMESPACE, attempt: 0 },
        hostname: `bench-cri-${i}`,
        logDirectory: join(o.node.dir, 'bench-logs', uid),
        linux: {},
      };
      const { podSandboxId } = await o.cri.runPodSandbox({ config });
      const { containerId } = await o.cri.createContainer({
        podSandboxId,
        config: {
          metadata: { name: 'main', attempt: 0 },
          image: { image: BUSYBOX_IMAGE },
          command: ['sleep', '3600'],
          logPath: 'main/0.log',
        },
        sandboxConfig: config,
      });
      await o.cri.startContainer({ containerId });
      return performance.now() - start;
    }),
  );
  const wallMs = performance.now() - t0;
  return {
    latenciesMs,
    wallMs,
    cniMs: [...cniAddSpans(parseCniLog(readFileSync(o.cniLog, 'utf8'))).values()],
    containerdCpuMs: cpuMs(o.containerdPid) - cpu0,
  };
}

/** Builds the one-node lab, measures both paths, tears everything down. */
export async function runPodsBench(options: PodsBenchOptions): Promise<BenchResult> {
  const pods = options.pods ?? 30;
  const { log } = options;
  // Short: containerd's socket path under it must fit in 108 bytes.
  const tmp = mkdtempSync(join(tmpdir(), 'sy-pb-'));
  const stateDir = join(tmp, 's');
  const self = [process.execPath, join(options.root, 'dist', 'switchyard.mjs')];
  const lab = await startLab({
    labId: `pb${process.pid.toString(36)}`,
    nodes: 1,
    netlink: createNetlink(),
    paths: { stateDir, runDir: join(tmp, 'run') },
  });
  let client: KubeClient | undefined;
  let cri: CriClient | undefined;
  try {
    log('bench pods: control plane');
    const cp = await upComponents({ state: lab.state, stateDir, self });
    log('bench pods: containerd, images, CNI plugins');
    await upRuntimes({
      state: lab.state,
      stateDir,
      self,
      root: options.root,
      nodeToken: (user, groups) => ensureToken({ dir: controlPlaneFiles(stateDir).dataDir, user, groups }),
    });
    const node = labNodes(lab.state, stateDir)[0] as NodeSpec;
    const cniLog = join(tmp, 'cni-times.log');
    wrapPlugins(node.containerd.cniBinDir, cniLog);
    log('bench pods: kubelet');
    await upKubelets({ state: lab.state, stateDir, self });
    const rec = readNodes(stateDir)?.nodes[node.name];
    const kubelet = rec?.kubelet;
    const containerdPid = rec?.containerd?.pid;
    if (!kubelet || containerdPid === undefined) throw new Error('bench pods: node processes not recorded');
    client = new KubeClient({ config: loadKubeconfig({ path: cp.kubeconfig }) });
    const api = client;
    await waitUntil('the node Ready', 60_000, async () => {
      try {
        const n = await api.requestJson<{ status?: { conditions?: { type: string; status: string }[] } }>({
          method: 'GET',
          path: `/api/v1/nodes/${node.name}`,
        });
        return (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      } catch (err: unknown) {
        if (isNotFound(err)) return false; // not registered yet
        throw err;
      }
    });
    log(`bench pods: ${pods} pods through the kubelet`);
    const ours = await viaKubelet({ client, node, pods, cniLog, kubeletPid: kubelet.pid, containerdPid });
    // The reference runs on the same containerd with the kubelet stopped (it would remove
    // sandboxes it does not own); the CNI config the kubelet wrote stays. The kubelet's pods are
    // removed through CRI, quicker than waiting for the kubelet to act on 30 deletions.
    await stopProcess(kubelet);
    cri = new CriClient(containerdPaths(node.containerd.dir).socket);
    await removeAllPodSandboxes(cri);
    log(`bench pods: ${pods} pods straight through CRI`);
    const reference = await viaCri({ cri, node, pods, cniLog, containerdPid });
    await removeAllPodSandboxes(cri);
    return podsResult(ours, reference, pods);
  } finally {
    cri?.close();
    client?.close();
    await downNodes(stateDir);
    await downComponents(stateDir);
    await lab.down();
    rmSync(tmp, { recursive: true, force: true });
  }
}
