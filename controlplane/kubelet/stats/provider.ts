/**
 * The kubelet's StatsProvider over CRI (the adapter): one round reads the runtime (ready
 * sandboxes, running containers and their start times, ListContainerStats, ListPodSandboxStats,
 * ImageFsInfo), the machine (/proc, statfs) and the log directories, then hands them to the pure
 * `buildSummary`. CPU rates are computed here between rounds (a RateBook), because containerd's
 * `usage_nano_cores` is the rate since anyone's previous stats call and 0 on the first; the first
 * round (and one after a quiet spell over a minute) reads twice, a second apart, so every answer
 * has rates over at most a minute.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CriClient, PodSandbox, PodSandboxStats } from '../../../lib/cri/index.js';
import { podLogDirectory } from '../apply.js';
import type { StatsProvider } from '../server/types.js';
import { type HostSample, readFs, readHostSample } from './host.js';
import { RateBook } from './rates.js';
import { resourceMetricsText } from './resource-metrics.js';
import { buildSummary, cpuSamples, type RunningContainer, rfc3339, type StatsRound } from './summary.js';
import type { FsStats, Summary } from './types.js';

/** What the provider reads from. */
export interface CriStatsDeps {
  readonly cri: CriClient;
  readonly nodeName: string;
  /** The kubelet's root dir: its filesystem is the node's `fs`. */
  readonly rootDir: string;
  /** Where container logs live (`<dir>/<ns>_<pod>_<uid>/<container>/`); without it no `logs`. */
  readonly podLogsDir?: string;
  /** /proc, unless a test points elsewhere. */
  readonly proc?: string;
  /** The gap between the two readings of a first round (default FIRST_WINDOW_MS). */
  readonly firstWindowMs?: number;
  /** Rates over a longer gap than this are not given: the round reads twice (default MAX_WINDOW_MS). */
  readonly maxWindowMs?: number;
  readonly now?: () => number;
}

/** The gap between the two readings of a first round: the shortest window a rate covers. */
export const FIRST_WINDOW_MS = 1000;
/** The longest window a rate covers; after a longer quiet spell the round starts over. */
export const MAX_WINDOW_MS = 60_000;

type RawRound = Omit<StatsRound, 'rates' | 'nodeName'>;

/** Sum of the files' sizes under `dir` (one level: the kubelet's `<restartCount>.log` files). */
function logUsage(dir: string, time: string): FsStats | undefined {
  try {
    let used = 0;
    let files = 0;
    for (const f of readdirSync(dir)) {
      used += statSync(join(dir, f)).size;
      files++;
    }
    return { time, usedBytes: used, inodesUsed: files };
  } catch {
    return undefined;
  }
}

function logs(
  podLogsDir: string,
  sandboxes: readonly PodSandbox[],
  containers: readonly RunningContainer[],
  time: string,
): Map<string, FsStats> {
  const out = new Map<string, FsStats>();
  const byId = new Map(sandboxes.map((s) => [s.id, s.metadata]));
  for (const c of containers) {
    const meta = byId.get(c.podSandboxId);
    if (!meta) continue;
    const usage = logUsage(join(podLogDirectory(podLogsDir, meta), c.name), time);
    if (usage) out.set(c.id, usage);
  }
  return out;
}

async function readRound(d: CriStatsDeps, now: () => number): Promise<RawRound> {
  const { cri } = d;
  const [sandboxList, containerList, containerStats, sandboxStats, imageFsInfo] = await Promise.all([
    cri.listPodSandbox({ filter: { state: { state: 'SANDBOX_READY' } } }),
    cri.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' } } }),
    cri.listContainerStats(),
    // containerd 1.6 refuses sandbox stats without a cgroup parent: the pods' sums stand in.
    cri.listPodSandboxStats().then(
      (r) => r.stats,
      (): PodSandboxStats[] => [],
    ),
    cri.imageFsInfo().catch(() => undefined),
  ]);
  const statuses = await Promise.all(
    containerList.containers.map((c) =>
      cri.containerStatus({ containerId: c.id }).then(
        (s) => ({ listed: c, status: s.status }),
        () => undefined, // removed between the list and its status
      ),
    ),
  );
  const containers: RunningContainer[] = statuses.flatMap((x) =>
    x?.status
      ? [
          {
            id: x.listed.id,
            podSandboxId: x.listed.podSandboxId,
            name: x.status.metadata?.name ?? '',
            startedAtMs: Number(BigInt(x.status.startedAt || '0') / 1_000_000n),
          },
        ]
      : [],
  );
  const host: HostSample = readHostSample({
    rootDir: d.rootDir,
    now: now(),
    ...(d.proc ? { proc: d.proc } : {}),
  });
  const image = imageFsInfo?.imageFilesystems[0];
  let imageFs: FsStats | undefined;
  if (image) {
    const size = image.fsId?.mountpoint ? readFs(image.fsId.mountpoint) : undefined;
    imageFs = {
      time: rfc3339(Number(BigInt(image.timestamp || '0') / 1_000_000n)),
      ...(size ? { capacityBytes: size.capacityBytes, availableBytes: size.availableBytes } : {}),
      ...(image.usedBytes ? { usedBytes: Number(image.usedBytes.value) } : {}),
      ...(image.inodesUsed ? { inodesUsed: Number(image.inodesUsed.value) } : {}),
    };
  }
  return {
    host,
    ...(imageFs ? { imageFs } : {}),
    sandboxes: sandboxList.items,
    containers,
    containerStats: containerStats.stats,
    sandboxStats,
    ...(d.podLogsDir
      ? { logs: logs(d.podLogsDir, sandboxList.items, containers, rfc3339(host.timeMs)) }
      : {}),
  };
}

/** A StatsProvider whose summary is typed (the server's seam takes it as `unknown`). */
export interface CriStatsProvider extends StatsProvider {
  summary(): Promise<Summary>;
}

/** The StatsProvider of a kubelet on a CRI runtime. */
export function criStatsProvider(deps: CriStatsDeps): CriStatsProvider {
  const now = deps.now ?? Date.now;
  const book = new RateBook();
  const record = (raw: RawRound): ReadonlyMap<string, number> =>
    book.record(cpuSamples(raw.host, raw.containerStats, raw.sandboxStats));
  // One round at a time: concurrent requests share it, so the rate book sees each reading once.
  let pending: Promise<Summary> | undefined;
  let lastRoundMs = 0;
  const round = async (): Promise<Summary> => {
    // A rate over a long quiet spell would be an average nobody asked for: read afresh instead.
    if (!book.primed || now() - lastRoundMs > (deps.maxWindowMs ?? MAX_WINDOW_MS)) {
      record(await readRound(deps, now));
      await sleep(deps.firstWindowMs ?? FIRST_WINDOW_MS);
    }
    const raw = await readRound(deps, now);
    lastRoundMs = raw.host.timeMs;
    return buildSummary({ ...raw, nodeName: deps.nodeName, rates: record(raw) });
  };
  const summary = (): Promise<Summary> => {
    pending ??= round().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  return {
    summary,
    async resourceMetrics() {
      try {
        return resourceMetricsText(await summary());
      } catch {
        return resourceMetricsText(undefined);
      }
    },
  };
}
