/**
 * The adapter that runs the lab's nodes (nodes.ts decides): per node, containerd in the node's
 * namespace, the lab images imported into it, our CNI plugins installed for it, a kubeconfig
 * for `system:node:<name>`; then one `switchyard kubelet` per node. The nodes work in parallel
 * (containerd start and image import dominate `up`'s time). `downNodes` stops kubelets, then
 * containerd (pods first, through CRI), unmounts and removes the node dirs.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../lib/cri/index.js';
import { ErrorCode, SwitchyardError } from '../lib/errors/index.js';
import { runInNetns } from '../lib/netns/index.js';
import {
  APISERVER_PORT,
  type ComponentAction,
  type ComponentObservation,
  controlPlaneFiles,
  planComponents,
} from './components.js';
import {
  type ContainerdProcess,
  containerdPaths,
  importImage,
  isContainerdRunning,
  startContainerd,
  stopContainerd,
} from './containerd.js';
import { removeContainerdLeftovers, unmountUnder } from './containerd-leftovers.js';
import { type BuiltImage, buildImages, imageCatalog } from './images/index.js';
import {
  labNodes,
  type NodeRecord,
  type NodeSpec,
  type NodesFile,
  nodeKubeconfig,
  nodesDir,
  nodesFile,
  parseNodesFile,
  planRuntime,
  type RuntimeAction,
} from './nodes.js';
import { FABRIC } from './plan.js';
import { type LabState, readJsonFile } from './state.js';
import { isRunning, probeHealth, startComponent, stopProcess, waitHealthy } from './supervise.js';

/** Reads the nodes file, or undefined when there is none. */
export function readNodes(stateDir: string): NodesFile | undefined {
  const path = nodesFile(stateDir);
  const raw = readJsonFile(path);
  return raw === undefined ? undefined : parseNodesFile(path, raw);
}

/** The nodes file, updated in place as processes start (one writer: the `up` at work). */
class NodeRecords {
  readonly #path: string;
  readonly #nodes: Record<string, NodeRecord>;

  constructor(stateDir: string) {
    this.#path = nodesFile(stateDir);
    this.#nodes = { ...(readNodes(stateDir)?.nodes ?? {}) };
  }

  get(name: string): NodeRecord {
    return this.#nodes[name] ?? {};
  }

  set(name: string, change: Partial<NodeRecord>): void {
    this.#nodes[name] = { ...this.get(name), ...change };
    mkdirSync(dirname(this.#path), { recursive: true });
    const tmp = `${this.#path}.${process.pid}.tmp`;
    const file: NodesFile = { version: 1, nodes: this.#nodes };
    writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(tmp, this.#path);
  }
}

function containerdOf(node: NodeSpec, rec: NodeRecord): ContainerdProcess | undefined {
  if (!rec.containerd) return undefined;
  return { ...rec.containerd, paths: containerdPaths(node.containerd.dir, node.containerd.cniConfDir) };
}

async function answersCri(socket: string): Promise<boolean> {
  const client = new CriClient(socket, { timeoutMs: 2000 });
  try {
    await client.version();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** Imports each image unless containerd already has every one of its names at the same config. */
async function ensureImages(socket: string, images: readonly BuiltImage[]): Promise<string[]> {
  const client = new CriClient(socket, { timeoutMs: 10_000 });
  try {
    const missing: BuiltImage[] = [];
    for (const image of images) {
      const seen = await Promise.all(image.refs.map((ref) => client.imageStatus({ image: { image: ref } })));
      if (!seen.every((s) => s.image?.id === image.config.digest)) missing.push(image);
    }
    // One at a time: parallel imports into one containerd contend for the same content store.
    for (const image of missing) await importImage(socket, image.archive);
    return missing.map((i) => i.name);
  } finally {
    client.close();
  }
}

/** Options for {@link upRuntimes}. */
export interface UpRuntimesOptions {
  readonly state: LabState;
  readonly stateDir: string;
  /** How to run `switchyard` (for `cni install`). */
  readonly self: readonly string[];
  /** The repository root: the images are built from its dist/ and Debian's packages. */
  readonly root: string;
  /**
   * The bearer token of a node's user, added to the API server's token file when missing
   * (the CLI passes controlplane/apiserver's `ensureToken`; the lab imports no component).
   */
  readonly nodeToken: (user: string, groups: readonly string[]) => string;
  /** How long the API server gets to accept a new token. Default 15 s. */
  readonly timeoutMs?: number;
}

/** What {@link upRuntimes} did for one node. */
export interface RuntimeReport {
  readonly node: string;
  readonly containerd: RuntimeAction & { readonly pid: number };
  /** The images imported now (the others were present). */
  readonly imported: readonly string[];
}

async function upRuntime(
  node: NodeSpec,
  records: NodeRecords,
  images: readonly BuiltImage[],
  options: UpRuntimesOptions,
): Promise<RuntimeReport> {
  const old = containerdOf(node, records.get(node.name));
  const running = old !== undefined && isContainerdRunning(old);
  const action = planRuntime(old?.pid, {
    running,
    answers: running && (await answersCri(old.paths.socket)),
  });
  let proc = old;
  if (action.kind === 'restart' && old) {
    await stopProcess({ pid: old.pid, startTicks: old.startTicks, args: [] }, 5000);
  }
  // CNI plugins first: containerd loads its CNI config (and checks the bin dir) as it starts.
  const [cmd, ...pre] = options.self;
  await runInNetns(
    undefined,
    { cmd: cmd ?? 'switchyard', args: [...pre, 'cni', 'install', node.containerd.cniBinDir] },
    { check: true, timeoutMs: 30_000 },
  );
  if (action.kind !== 'keep' || proc === undefined) {
    proc = await startContainerd(node.containerd);
    records.set(node.name, { containerd: { pid: proc.pid, startTicks: proc.startTicks } });
  }
  const imported = await ensureImages(proc.paths.socket, images);
  const admin = readFileSync(controlPlaneFiles(options.stateDir).adminKubeconfig, 'utf8');
  const token = options.nodeToken(node.user, node.groups);
  mkdirSync(node.dir, { recursive: true });
  writeFileSync(node.kubeconfig, nodeKubeconfig({ admin, user: node.user, token }), { mode: 0o600 });
  return { node: node.name, containerd: { ...action, pid: proc.pid }, imported };
}

/**
 * Waits until the API server takes the token (it rereads its token file every few seconds):
 * anything but 401 for the node's own Node means the user is known.
 */
async function waitTokenAccepted(state: LabState, stateDir: string, node: NodeSpec, timeoutMs: number) {
  const cp = state.namespaces.find((n) => n.target === 'control-plane')?.name;
  const token = JSON.parse(readFileSync(node.kubeconfig, 'utf8')).users[0].user.token as string;
  const ca = readFileSync(controlPlaneFiles(stateDir).caCert);
  const probe = {
    scheme: 'https',
    host: FABRIC.controlPlaneAddress,
    port: APISERVER_PORT,
    path: `/api/v1/nodes/${node.name}`,
  } as const;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await probeHealth(cp, probe, { ca, headers: { Authorization: `Bearer ${token}` } });
    if (/^\d{3}$/.test(r.detail) && r.detail !== '401') return;
    last = r.detail;
    await sleep(250);
  }
  throw new SwitchyardError(
    ErrorCode.Timeout,
    `the API server did not accept ${node.user}'s token within ${timeoutMs} ms (last answer: ${last})`,
  );
}

/**
 * Converges every node's runtime: containerd (kept, started or restarted), the lab images
 * (built once, imported where missing), the CNI plugins and the node's kubeconfig. Nodes
 * in parallel; a failure names the node.
 */
export async function upRuntimes(options: UpRuntimesOptions): Promise<RuntimeReport[]> {
  const nodes = labNodes(options.state, options.stateDir);
  const records = new NodeRecords(options.stateDir);
  const images = buildImages(imageCatalog({ root: options.root }), {
    out: join(options.stateDir, 'images'),
  });
  const reports = await Promise.all(
    nodes.map(async (node) => {
      try {
        const report = await upRuntime(node, records, images, options);
        await waitTokenAccepted(options.state, options.stateDir, node, options.timeoutMs ?? 15_000);
        return report;
      } catch (err: unknown) {
        throw new SwitchyardError(
          ErrorCode.System,
          `${node.name}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
    }),
  );
  return reports;
}

/** Options for {@link upKubelets}. */
export interface UpKubeletsOptions {
  readonly state: LabState;
  readonly stateDir: string;
  readonly self: readonly string[];
  /** Per kubelet. Default 60 s. */
  readonly timeoutMs?: number;
}

/** What {@link upKubelets} did: one action per node, with the kubelet's pid. */
export type KubeletReport = ComponentAction & { readonly pid: number };

/**
 * Converges the kubelets (after {@link upRuntimes}): a running, healthy one with the same flags
 * stays; others are (re)started; each is waited for until its /healthz answers.
 */
export async function upKubelets(options: UpKubeletsOptions): Promise<KubeletReport[]> {
  const nodes = labNodes(options.state, options.stateDir);
  const records = new NodeRecords(options.stateDir);
  const specs = nodes.map((n) => n.kubelet);
  const observed = new Map<string, ComponentObservation>();
  await Promise.all(
    nodes.map(async (n) => {
      const rec = records.get(n.name).kubelet;
      if (!rec || !isRunning(rec)) {
        observed.set(n.kubelet.name, { healthy: false });
        return;
      }
      const probe = await probeHealth(n.namespace, n.kubelet.health);
      observed.set(n.kubelet.name, { running: rec, healthy: probe.ok });
    }),
  );
  const actions = planComponents(specs, observed);
  return Promise.all(
    nodes.map(async (node, i): Promise<KubeletReport> => {
      const action = actions[i] as ComponentAction;
      let rec = records.get(node.name).kubelet;
      if (action.kind !== 'keep' || rec === undefined) {
        if (rec) await stopProcess(rec);
        rec = await startComponent(node.kubelet, options.self);
        records.set(node.name, { kubelet: rec });
      }
      await waitHealthy(node.kubelet, rec, {
        stateDir: options.stateDir,
        timeoutMs: options.timeoutMs ?? 60_000,
      });
      return { ...action, pid: rec.pid };
    }),
  );
}

/**
 * Stops every node: its kubelet (SIGTERM, then SIGKILL), then its containerd with its pods
 * (through CRI, so IPs and veths are released), shims, containers and mounts; then removes the
 * node dirs and the nodes file. Node dirs the file does not know are cleaned the same way.
 */
export async function downNodes(stateDir: string): Promise<string[]> {
  const file = readNodes(stateDir);
  const records = Object.entries(file?.nodes ?? {});
  await Promise.all(
    records.map(async ([, rec]) => {
      if (rec.kubelet) await stopProcess(rec.kubelet);
    }),
  );
  const dir = nodesDir(stateDir);
  const dirs = listDirs(dir);
  await Promise.all(
    dirs.map(async (name) => {
      const paths = containerdPaths(join(dir, name, 'containerd'), join(dir, name, 'net.d'));
      // The dir is named for the node's namespace, `sy-<id>-node-i`.
      const containerd = records.find(([node]) => name.endsWith(`-${node}`))?.[1].containerd;
      if (containerd && isContainerdRunning({ ...containerd, paths }))
        await stopContainerd({ ...containerd, paths });
      else await removeContainerdLeftovers(paths);
      // The kubelet's volumes (tmpfs for secrets, bind mounts) sit beside containerd's.
      unmountUnder(join(dir, name));
    }),
  );
  rmSync(dir, { recursive: true, force: true });
  rmSync(nodesFile(stateDir), { force: true });
  return records.map(([name]) => name).sort();
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return []; // no nodes dir
  }
}

/** One node in `switchyard status`. */
export interface NodeProcessStatus {
  readonly name: string;
  readonly containerd?: number;
  readonly containerdAnswers: boolean;
  readonly kubelet?: number;
  readonly kubeletHealthy: boolean;
}

/** Reads each node's containerd and kubelet: pid when running, and whether they answer. */
export async function readNodeProcesses(state: LabState, stateDir: string): Promise<NodeProcessStatus[]> {
  const file = readNodes(stateDir);
  return Promise.all(
    labNodes(state, stateDir).map(async (node): Promise<NodeProcessStatus> => {
      const rec = file?.nodes[node.name] ?? {};
      const c = containerdOf(node, rec);
      const cRunning = c !== undefined && isContainerdRunning(c);
      const k = rec.kubelet;
      const kRunning = k !== undefined && isRunning(k);
      return {
        name: node.name,
        ...(cRunning ? { containerd: c.pid } : {}),
        containerdAnswers: cRunning && (await answersCri(c.paths.socket)),
        ...(kRunning ? { kubelet: k.pid } : {}),
        kubeletHealthy: kRunning && (await probeHealth(node.namespace, node.kubelet.health)).ok,
      };
    }),
  );
}

/** What `up` prints about the nodes: one line per node. Pure. */
export function formatNodesUp(
  runtimes: readonly RuntimeReport[],
  kubelets: readonly KubeletReport[],
): string {
  const verb = { keep: 'kept', start: 'started', restart: 'restarted' } as const;
  const lines = runtimes.map((r) => {
    const k = kubelets.find((x) => x.name === `kubelet/${r.node}`);
    const images = r.imported.length > 0 ? `imported ${r.imported.join(', ')}` : 'images present';
    const kubelet = k ? `kubelet ${verb[k.kind]} (pid ${k.pid})` : 'no kubelet';
    return `  ${r.node}  containerd ${verb[r.containerd.kind]} (pid ${r.containerd.pid}), ${images}, ${kubelet}`;
  });
  return ['nodes:', ...lines, ''].join('\n');
}

/** Node process lines for `switchyard status`. Pure. */
export function formatNodeProcesses(nodes: readonly NodeProcessStatus[]): string {
  if (nodes.length === 0) return '';
  const part = (what: string, pid: number | undefined, ok: boolean, bad: string): string =>
    pid === undefined ? `${what} NOT RUNNING` : `${what} pid ${pid} ${ok ? 'ok' : bad}`;
  const lines = nodes.map(
    (n) =>
      `  ${n.name}  ${part('containerd', n.containerd, n.containerdAnswers, 'NOT ANSWERING CRI')}  ${part('kubelet', n.kubelet, n.kubeletHealthy, 'UNHEALTHY')}`,
  );
  return `node processes:\n${lines.join('\n')}\n`;
}
