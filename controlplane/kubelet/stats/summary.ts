/**
 * The Summary built from one round of CRI stats (pure): pods from the ready sandboxes
 * (ListPodSandbox), their running containers (ListContainers + ContainerStatus for the start
 * time) with ListContainerStats' cpu, memory and writable layer; a pod's own usage from
 * ListPodSandboxStats when the runtime could give it (containerd 1.6 needs the sandbox's cgroup
 * parent), else the sum of its containers — as upstream's CRI stats provider falls back. CPU rates
 * come from the caller's RateBook; where it has none yet, the runtime's own `usage_nano_cores`.
 */
import type {
  CpuUsage,
  ContainerStats as CriContainerStats,
  FilesystemUsage,
  MemoryUsage,
  PodSandbox,
  PodSandboxStats,
  UInt64Value,
} from '../../../lib/cri/index.js';
import type { HostSample } from './host.js';
import type { CpuSample } from './rates.js';
import type {
  ContainerStats,
  CpuStats,
  FsStats,
  InterfaceStats,
  MemoryStats,
  NetworkStats,
  PodStats,
  Summary,
} from './types.js';

/** The key of the node's own CPU sample in the rate book. */
export const NODE_RATE_KEY = 'node';

/** A running container, from ListContainers and its ContainerStatus. */
export interface RunningContainer {
  readonly id: string;
  readonly podSandboxId: string;
  readonly name: string;
  /** Epoch ms. */
  readonly startedAtMs: number;
}

/** One round of everything the Summary is made of. */
export interface StatsRound {
  readonly nodeName: string;
  readonly host: HostSample;
  /** CRI ImageFsInfo's first image filesystem, with statfs of its mountpoint when known. */
  readonly imageFs?: FsStats;
  readonly sandboxes: readonly PodSandbox[];
  readonly containers: readonly RunningContainer[];
  readonly containerStats: readonly CriContainerStats[];
  /** ListPodSandboxStats' answer; empty when the runtime could not give it. */
  readonly sandboxStats: readonly PodSandboxStats[];
  /** CPU rates by rate key (NODE_RATE_KEY, a container id, `pod:<sandbox id>`). */
  readonly rates: ReadonlyMap<string, number>;
  /** Log usage by container id, when the kubelet's log directory was read. */
  readonly logs?: ReadonlyMap<string, FsStats>;
}

/** metav1.Time's JSON: RFC 3339 at second precision. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function nsToMs(ns: string): number {
  return /^\d+$/.test(ns) ? Number(BigInt(ns) / 1_000_000n) : 0;
}

function num(v: UInt64Value | null | undefined): number | undefined {
  return v ? Number(v.value) : undefined;
}

/** `T` with every optional field allowed to be undefined (what the builders produce). */
type Loose<T> = { [K in keyof T]: T[K] | undefined };

/** Keeps only the defined fields, so the JSON leaves out what the runtime did not report. */
function defined<T extends object>(o: Loose<T>): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function podRateKey(sandboxId: string): string {
  return `pod:${sandboxId}`;
}

/** The rate samples of one round, for the RateBook: the node, each container, each sandbox. */
export function cpuSamples(
  host: HostSample,
  containerStats: readonly CriContainerStats[],
  sandboxStats: readonly PodSandboxStats[],
): CpuSample[] {
  const samples: CpuSample[] = [
    {
      key: NODE_RATE_KEY,
      timeNs: BigInt(host.timeMs) * 1_000_000n,
      usageCoreNanoSeconds: host.cpu.usageCoreNanoSeconds,
    },
  ];
  const add = (key: string, cpu: CpuUsage | null | undefined): void => {
    const used = num(cpu?.usageCoreNanoSeconds);
    if (cpu && used !== undefined && /^\d+$/.test(cpu.timestamp))
      samples.push({ key, timeNs: BigInt(cpu.timestamp), usageCoreNanoSeconds: used });
  };
  for (const c of containerStats) if (c.attributes) add(c.attributes.id, c.cpu);
  for (const s of sandboxStats) if (s.attributes) add(podRateKey(s.attributes.id), s.linux?.cpu);
  return samples;
}

function cpuStats(cpu: CpuUsage, rate: number | undefined): CpuStats {
  const runtimeRate = num(cpu.usageNanoCores);
  return defined<CpuStats>({
    time: rfc3339(nsToMs(cpu.timestamp)),
    // containerd's own rate is since anyone's previous call (0 on the first); ours is preferred.
    usageNanoCores: rate ?? runtimeRate,
    usageCoreNanoSeconds: num(cpu.usageCoreNanoSeconds),
  });
}

function memoryStats(m: MemoryUsage): MemoryStats {
  return defined<MemoryStats>({
    time: rfc3339(nsToMs(m.timestamp)),
    availableBytes: num(m.availableBytes),
    usageBytes: num(m.usageBytes),
    workingSetBytes: num(m.workingSetBytes),
    rssBytes: num(m.rssBytes),
    pageFaults: num(m.pageFaults),
    majorPageFaults: num(m.majorPageFaults),
  });
}

function layerStats(fs: FilesystemUsage): FsStats {
  return defined<FsStats>({
    time: rfc3339(nsToMs(fs.timestamp)),
    usedBytes: num(fs.usedBytes),
    inodesUsed: num(fs.inodesUsed),
  });
}

/** The node: CPU (busy time and its rate), memory, the root filesystem, the image store. */
function nodeStats(r: StatsRound): Summary['node'] {
  const { host } = r;
  const time = rfc3339(host.timeMs);
  const m = host.memory;
  return defined<Summary['node']>({
    nodeName: r.nodeName,
    startTime: rfc3339(host.cpu.bootTimeMs),
    cpu: defined<CpuStats>({
      time,
      usageNanoCores: r.rates.get(NODE_RATE_KEY),
      usageCoreNanoSeconds: Math.round(host.cpu.usageCoreNanoSeconds),
    }),
    memory: {
      time,
      availableBytes: m.availableBytes,
      usageBytes: m.totalBytes - m.freeBytes,
      workingSetBytes: m.totalBytes - m.availableBytes,
      rssBytes: m.anonBytes,
      pageFaults: host.pageFaults,
      majorPageFaults: host.majorPageFaults,
    },
    fs: host.fs && { time, ...host.fs, inodesUsed: host.fs.inodes - host.fs.inodesFree },
    runtime: r.imageFs && { imageFs: r.imageFs },
  });
}

function sumOf(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

/** A pod's usage as the sum of its containers' (the fallback without sandbox stats). */
function summed(containers: readonly ContainerStats[], fallbackTime: string) {
  const cpus = containers.map((c) => c.cpu).filter((c): c is CpuStats => c !== undefined);
  const mems = containers.map((c) => c.memory).filter((m): m is MemoryStats => m !== undefined);
  const latest = (times: string[]): string => times.sort().at(-1) ?? fallbackTime;
  const cpu: CpuStats | undefined = cpus.length
    ? defined<CpuStats>({
        time: latest(cpus.map((c) => c.time)),
        usageNanoCores: sumOf(cpus.map((c) => c.usageNanoCores)),
        usageCoreNanoSeconds: sumOf(cpus.map((c) => c.usageCoreNanoSeconds)),
      })
    : undefined;
  const memory: MemoryStats | undefined = mems.length
    ? defined<MemoryStats>({
        time: latest(mems.map((m) => m.time)),
        usageBytes: sumOf(mems.map((m) => m.usageBytes)),
        workingSetBytes: sumOf(mems.map((m) => m.workingSetBytes)),
        rssBytes: sumOf(mems.map((m) => m.rssBytes)),
        pageFaults: sumOf(mems.map((m) => m.pageFaults)),
        majorPageFaults: sumOf(mems.map((m) => m.majorPageFaults)),
      })
    : undefined;
  return { cpu, memory };
}

function networkStats(s: PodSandboxStats): NetworkStats | undefined {
  const net = s.linux?.network;
  if (!net) return undefined;
  const iface = (i: NonNullable<typeof net.defaultInterface>) =>
    defined<InterfaceStats>({
      name: i.name,
      rxBytes: num(i.rxBytes),
      rxErrors: num(i.rxErrors),
      txBytes: num(i.txBytes),
      txErrors: num(i.txErrors),
    });
  const def = net.defaultInterface ? iface(net.defaultInterface) : { name: '' };
  return { time: rfc3339(nsToMs(net.timestamp)), ...def, interfaces: net.interfaces.map(iface) };
}

function containerStats(
  c: RunningContainer,
  stats: CriContainerStats | undefined,
  r: StatsRound,
): ContainerStats {
  return defined<ContainerStats>({
    name: c.name,
    startTime: rfc3339(c.startedAtMs),
    cpu: stats?.cpu ? cpuStats(stats.cpu, r.rates.get(c.id)) : undefined,
    memory: stats?.memory ? memoryStats(stats.memory) : undefined,
    rootfs: stats?.writableLayer ? layerStats(stats.writableLayer) : undefined,
    logs: r.logs?.get(c.id),
  });
}

/** One pod per ready sandbox (sorted by namespace and name), its running containers by name. */
function podStats(r: StatsRound): PodStats[] {
  const statsById = new Map(r.containerStats.flatMap((s) => (s.attributes ? [[s.attributes.id, s]] : [])));
  const sandboxStatsById = new Map(
    r.sandboxStats.flatMap((s) => (s.attributes ? [[s.attributes.id, s] as const] : [])),
  );
  const pods: PodStats[] = [];
  for (const sandbox of r.sandboxes) {
    const meta = sandbox.metadata;
    if (sandbox.state !== 'SANDBOX_READY' || !meta) continue;
    const containers = r.containers
      .filter((c) => c.podSandboxId === sandbox.id)
      .map((c) => containerStats(c, statsById.get(c.id), r))
      .sort((a, b) => a.name.localeCompare(b.name));
    const own = sandboxStatsById.get(sandbox.id);
    const startTime = rfc3339(nsToMs(sandbox.createdAt));
    const fallback = summed(containers, rfc3339(r.host.timeMs));
    const cpu = own?.linux?.cpu ? cpuStats(own.linux.cpu, r.rates.get(podRateKey(sandbox.id))) : fallback.cpu;
    const memory = own?.linux?.memory ? memoryStats(own.linux.memory) : fallback.memory;
    pods.push(
      defined<PodStats>({
        podRef: { name: meta.name, namespace: meta.namespace, uid: meta.uid },
        startTime,
        containers,
        cpu,
        memory,
        network: own ? networkStats(own) : undefined,
      }),
    );
  }
  return pods.sort(
    (a, b) =>
      a.podRef.namespace.localeCompare(b.podRef.namespace) || a.podRef.name.localeCompare(b.podRef.name),
  );
}

/** The stats/v1alpha1 Summary of one round. */
export function buildSummary(r: StatsRound): Summary {
  return { node: nodeStats(r), pods: podStats(r) };
}
