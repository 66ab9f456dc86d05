/**
 * The lab's nodes as data (issue 12): for each `node-i`, where its containerd, CNI plugins,
 * kubelet files and credentials live, and the `switchyard kubelet` it runs. Pure: `up` turns
 * this and what it observes into decisions (`planRuntime`, lab/components.ts `planComponents`
 * for the kubelets), and `node-runtime.ts` carries them out.
 *
 * Every node's files sit under `<stateDir>/nodes/<namespace>/`: the namespace name carries the
 * lab id (`sy-<id>-node-i`), so containerd's, the shims' and the kubelet's command lines name
 * their lab, and `lab clean` can tie a crashed lab's processes to it by their paths alone.
 */
import { join } from 'node:path';
import { isJsonObject } from '../lib/api/json.js';
import { invalid } from '../lib/errors/index.js';
import { type ComponentRecord, type ComponentSpec, controlPlaneFiles } from './components.js';
import { type ContainerdOptions, containerdPaths } from './containerd.js';
import { PAUSE_IMAGE } from './images/index.js';
import { nodeAddress } from './plan.js';
import type { LabState } from './state.js';

/** The kubelet's health port (upstream's --healthz-port), served on the node's address. */
export const KUBELET_HEALTH_PORT = 10248;

/** One node of the lab and everything it runs. */
export interface NodeSpec {
  /** `node-i`: the exec target, and the Node's name. */
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  /** Holds every file of the node. */
  readonly dir: string;
  readonly containerd: ContainerdOptions;
  /** The kubelet's identity: `system:node:<name>` in group `system:nodes` (the Node authorizer's). */
  readonly user: string;
  readonly groups: readonly string[];
  readonly kubeconfig: string;
  readonly kubelet: ComponentSpec;
}

/** The directories and files of a node under its dir. */
export function nodeFiles(dir: string): {
  readonly containerdDir: string;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  readonly rootDir: string;
  readonly podLogsDir: string;
  readonly kubeconfig: string;
  readonly kubeletLog: string;
} {
  return {
    containerdDir: join(dir, 'containerd'),
    cniBinDir: join(dir, 'cni-bin'),
    // containerd's conf_dir, where the kubelet writes the conflist for its podCIDR.
    cniConfDir: join(dir, 'net.d'),
    rootDir: join(dir, 'kubelet'),
    podLogsDir: join(dir, 'pods'),
    kubeconfig: join(dir, 'kubelet.kubeconfig'),
    kubeletLog: join(dir, 'kubelet.log'),
  };
}

/** The dir of all nodes' files under a state dir. */
export function nodesDir(stateDir: string): string {
  return join(stateDir, 'nodes');
}

/** The file recording the nodes' processes. */
export function nodesFile(stateDir: string): string {
  return join(stateDir, 'nodes.json');
}

/** The nodes of a lab, in order. Pure. */
export function labNodes(state: LabState, stateDir: string): NodeSpec[] {
  const ca = controlPlaneFiles(stateDir).caCert;
  const out: NodeSpec[] = [];
  for (let i = 1; i <= state.nodes; i++) {
    const name = `node-${i}`;
    const namespace = state.namespaces.find((n) => n.target === name)?.name;
    if (namespace === undefined) throw invalid('namespaces', `lab ${state.labId} has no ${name} namespace`);
    const dir = join(nodesDir(stateDir), namespace);
    const f = nodeFiles(dir);
    const address = nodeAddress(i);
    const socket = containerdPaths(f.containerdDir, f.cniConfDir).socket;
    out.push({
      name,
      namespace,
      address,
      dir,
      containerd: {
        dir: f.containerdDir,
        netns: namespace,
        cniBinDir: f.cniBinDir,
        cniConfDir: f.cniConfDir,
        sandboxImage: PAUSE_IMAGE,
      },
      user: `system:node:${name}`,
      groups: ['system:nodes'],
      kubeconfig: f.kubeconfig,
      kubelet: {
        name: `kubelet/${name}`,
        target: name,
        namespace,
        args: [
          'kubelet',
          '--kubeconfig',
          f.kubeconfig,
          '--node-name',
          name,
          '--node-ip',
          address,
          '--containerd-socket',
          socket,
          '--cni-conf-dir',
          f.cniConfDir,
          '--root-dir',
          f.rootDir,
          '--pod-logs-dir',
          f.podLogsDir,
          '--client-ca-file',
          ca,
          '--metrics-addr',
          `${address}:${KUBELET_HEALTH_PORT}`,
        ],
        health: { scheme: 'http', host: address, port: KUBELET_HEALTH_PORT, path: '/healthz' },
        log: f.kubeletLog,
      },
    });
  }
  return out;
}

/** A node's kubeconfig: the admin kubeconfig's cluster (server and CA) with the node's token. Pure. */
export function nodeKubeconfig(options: {
  /** The admin kubeconfig as the API server wrote it (JSON). */
  readonly admin: string;
  readonly user: string;
  readonly token: string;
}): string {
  let doc: unknown;
  try {
    doc = JSON.parse(options.admin);
  } catch {
    throw invalid('admin kubeconfig', 'not JSON as the API server writes it');
  }
  if (!isJsonObject(doc) || !Array.isArray(doc.clusters) || !isJsonObject(doc.clusters[0])) {
    throw invalid('admin kubeconfig: clusters', 'must be a non-empty list');
  }
  const cluster = doc.clusters[0];
  if (typeof cluster.name !== 'string' || !isJsonObject(cluster.cluster)) {
    throw invalid('admin kubeconfig: clusters[0]', 'must have a name and a cluster');
  }
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: cluster.cluster }],
    users: [{ name: options.user, user: { token: options.token } }],
    contexts: [{ name: 'node', context: { cluster: cluster.name, user: options.user } }],
    'current-context': 'node',
    preferences: {},
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** What was started for one node. */
export interface NodeRecord {
  readonly containerd?: { readonly pid: number; readonly startTicks: number };
  readonly kubelet?: ComponentRecord;
}

/** The nodes file: per node name, its processes. */
export interface NodesFile {
  readonly version: 1;
  readonly nodes: Readonly<Record<string, NodeRecord>>;
}

function proc(path: string, v: unknown): { pid: number; startTicks: number } {
  if (!isJsonObject(v) || typeof v.pid !== 'number' || typeof v.startTicks !== 'number') {
    throw invalid(path, 'must be {pid, startTicks}');
  }
  return { pid: v.pid, startTicks: v.startTicks };
}

/** Checks a parsed nodes file; errors name the file and field. */
export function parseNodesFile(path: string, raw: unknown): NodesFile {
  if (!isJsonObject(raw) || raw.version !== 1) throw invalid(`${path}: version`, 'must be 1');
  if (!isJsonObject(raw.nodes)) throw invalid(`${path}: nodes`, 'must be an object');
  const nodes: Record<string, NodeRecord> = {};
  for (const [name, rec] of Object.entries(raw.nodes)) {
    if (!isJsonObject(rec)) throw invalid(`${path}: nodes.${name}`, 'must be an object');
    const containerd =
      rec.containerd === undefined ? undefined : proc(`${path}: nodes.${name}.containerd`, rec.containerd);
    let kubelet: ComponentRecord | undefined;
    if (rec.kubelet !== undefined) {
      const k = rec.kubelet;
      const p = proc(`${path}: nodes.${name}.kubelet`, k);
      const args = isJsonObject(k) ? k.args : undefined;
      if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
        throw invalid(`${path}: nodes.${name}.kubelet.args`, 'must be a list of strings');
      }
      kubelet = { ...p, args: args as string[] };
    }
    nodes[name] = { ...(containerd ? { containerd } : {}), ...(kubelet ? { kubelet } : {}) };
  }
  return { version: 1, nodes };
}

/** A node's containerd as observed by `up`. */
export interface RuntimeObservation {
  /** The recorded process still runs (same pid and start time). */
  readonly running: boolean;
  /** It answered CRI Version. */
  readonly answers: boolean;
}

/** One decision about a node's containerd. */
export interface RuntimeAction {
  readonly kind: 'keep' | 'start' | 'restart';
  readonly reason: string;
}

/**
 * Keeps a running containerd that answers CRI; starts a dead one again (on the same root and
 * state, so it takes its shims and pods back); restarts one that runs but does not answer. Pure.
 */
export function planRuntime(pid: number | undefined, seen: RuntimeObservation): RuntimeAction {
  if (pid === undefined || !seen.running) {
    return { kind: 'start', reason: pid === undefined ? 'was not running' : `pid ${pid} is gone` };
  }
  if (!seen.answers) return { kind: 'restart', reason: `pid ${pid} does not answer CRI` };
  return { kind: 'keep', reason: `pid ${pid} running and answering CRI` };
}
