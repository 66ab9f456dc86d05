/**
 * The Node the kubelet registers and the status it reports, pure: addresses, capacity and
 * allocatable (capacity less the reserved amounts, 0 by default), nodeInfo, the kubelet's
 * endpoint and the four conditions (MemoryPressure, DiskPressure, PIDPressure, Ready) with
 * upstream's times: lastHeartbeatTime is every report's, lastTransitionTime moves only when the
 * status changes. Also the parsers of /proc/meminfo and /etc/os-release the adapter reads.
 */
import type { Condition, Node } from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';

/** The version the kubelet reports (upstream's minor it follows, then ours). */
export const KUBELET_VERSION = 'v1.32.0-switchyard';

/** What the kubelet knows of its machine and runtime. */
export interface NodeFacts {
  readonly nodeName: string;
  readonly nodeIP: string;
  /** The machine's hostname (the Hostname address). */
  readonly hostname: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Size of the root dir's filesystem, when known. */
  readonly ephemeralStorageBytes?: number;
  readonly maxPods: number;
  /** os.release(). */
  readonly kernelVersion: string;
  /** PRETTY_NAME of /etc/os-release. */
  readonly osImage: string;
  /** Node's process.arch. */
  readonly arch: string;
  /** `containerd://<version>` once CRI Version answered. */
  readonly containerRuntimeVersion?: string;
  readonly kubeletPort: number;
  /** Subtracted from capacity for allocatable (kube-reserved + system-reserved); default 0. */
  readonly reserved?: { readonly cpuMillis?: number; readonly memoryBytes?: number };
}

/** Whether the runtime is ready (CRI Status: RuntimeReady and NetworkReady). */
export interface RuntimeHealth {
  readonly ready: boolean;
  /** Why not, e.g. `container runtime network not ready: cni config uninitialized`. */
  readonly message?: string;
}

/** The node status the kubelet writes (the fields of core/v1 NodeStatus it owns). */
export interface KubeletNodeStatus {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  conditions: Condition[];
  addresses: { type: 'InternalIP' | 'Hostname'; address: string }[];
  daemonEndpoints: { kubeletEndpoint: { Port: number } };
  nodeInfo: {
    kubeletVersion: string;
    osImage: string;
    kernelVersion: string;
    containerRuntimeVersion: string;
    architecture: string;
    operatingSystem: string;
  };
}

/** Go's GOARCH for Node's process.arch (x64 → amd64). */
export function goArch(arch: string): string {
  const table: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
  return table[arch] ?? arch;
}

/** MemTotal of /proc/meminfo in bytes, or undefined. */
export function parseMeminfo(text: string): number | undefined {
  const m = /^MemTotal:\s+(\d+)\s*kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** PRETTY_NAME of /etc/os-release (quotes removed), else `Linux`. */
export function parseOsRelease(text: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  const v = m?.[1]?.trim().replace(/^(["'])(.*)\1$/, '$2');
  return v ? v : 'Linux';
}

const kibibytes = (bytes: number): string => `${Math.max(0, Math.floor(bytes / 1024))}Ki`;

function cpuQuantity(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Capacity and allocatable as upstream writes them (memory and storage in Ki). */
export function nodeResources(f: NodeFacts): Pick<KubeletNodeStatus, 'capacity' | 'allocatable'> {
  const cpuMillis = f.cpus * 1000;
  const capacity: Record<string, string> = {
    cpu: cpuQuantity(cpuMillis),
    memory: kibibytes(f.memoryBytes),
    pods: String(f.maxPods),
    ...(f.ephemeralStorageBytes !== undefined
      ? { 'ephemeral-storage': kibibytes(f.ephemeralStorageBytes) }
      : {}),
  };
  const allocatable: Record<string, string> = {
    ...capacity,
    cpu: cpuQuantity(Math.max(0, cpuMillis - (f.reserved?.cpuMillis ?? 0))),
    memory: kibibytes(f.memoryBytes - (f.reserved?.memoryBytes ?? 0)),
  };
  return { capacity, allocatable };
}

type ConditionCore = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

function wantedConditions(runtime: RuntimeHealth): ConditionCore[] {
  return [
    {
      type: 'MemoryPressure',
      status: 'False',
      reason: 'KubeletHasSufficientMemory',
      message: 'kubelet has sufficient memory available',
    },
    {
      type: 'DiskPressure',
      status: 'False',
      reason: 'KubeletHasNoDiskPressure',
      message: 'kubelet has no disk pressure',
    },
    {
      type: 'PIDPressure',
      status: 'False',
      reason: 'KubeletHasSufficientPID',
      message: 'kubelet has sufficient PID available',
    },
    runtime.ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          message: runtime.message ?? 'container runtime is not ready',
        },
  ];
}

/**
 * The node's conditions at `now`: every heartbeat is `now`; a transition time is kept from
 * `previous` while that condition's status is unchanged (node lifecycle's Unknown counts as a
 * change when the kubelet reports again).
 */
export function nodeConditions(
  runtime: RuntimeHealth,
  previous: readonly Condition[] | undefined,
  now: number,
): Condition[] {
  const stamp = formatTime(now);
  return wantedConditions(runtime).map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    const since = prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp;
    return { ...c, lastHeartbeatTime: stamp, lastTransitionTime: since };
  });
}

/** The whole status the kubelet reports at `now`, given the conditions the server holds. */
export function nodeStatus(
  facts: NodeFacts,
  runtime: RuntimeHealth,
  previous: readonly Condition[] | undefined,
  now: number,
): KubeletNodeStatus {
  return {
    ...nodeResources(facts),
    conditions: nodeConditions(runtime, previous, now),
    addresses: [
      { type: 'InternalIP', address: facts.nodeIP },
      { type: 'Hostname', address: facts.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: facts.kubeletPort } },
    nodeInfo: {
      kubeletVersion: KUBELET_VERSION,
      osImage: facts.osImage,
      kernelVersion: facts.kernelVersion,
      containerRuntimeVersion: facts.containerRuntimeVersion ?? '',
      architecture: goArch(facts.arch),
      operatingSystem: 'linux',
    },
  };
}

/** The Node to create at registration: the well-known labels and the first status. */
export function nodeToRegister(facts: NodeFacts, runtime: RuntimeHealth, now: number): Node {
  const arch = goArch(facts.arch);
  const node: Node & { status: KubeletNodeStatus } = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: facts.nodeName,
      labels: {
        'kubernetes.io/hostname': facts.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': arch,
      },
    },
    status: nodeStatus(facts, runtime, undefined, now),
  };
  return node;
}

/** Canonical JSON (sorted keys) without the heartbeat times: what decides whether a report changes anything. */
function comparable(status: unknown): string {
  return JSON.stringify(status, (key, value: unknown) => {
    if (key === 'lastHeartbeatTime') return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]]),
    );
  });
}

/**
 * Whether `next` differs from what the server holds (upstream's nodeStatusHasChanged: the
 * heartbeat times do not count; the fields the kubelet does not own are not compared).
 */
export function nodeStatusChanged(server: Node['status'] | undefined, next: KubeletNodeStatus): boolean {
  const held = (server ?? {}) as Record<string, unknown>;
  const owned = Object.fromEntries(Object.keys(next).map((k) => [k, held[k]]));
  return comparable(owned) !== comparable(next);
}
