/**
 * The node's own usage, read as cadvisor reads the machine: CPU from the `cpu` line of
 * /proc/stat (busy jiffies: everything but idle and iowait), the boot time from its `btime`,
 * memory from /proc/meminfo (working set = MemTotal − MemAvailable, cadvisor's approximation
 * for the root), page faults from /proc/vmstat, the kubelet root's filesystem from statfs. The
 * parsers are pure; `readHostSample` is the thin adapter that reads the files.
 */
import { readFileSync, statfsSync } from 'node:fs';

/**
 * /proc/stat counts in USER_HZ, which Linux fixes at 100 for every architecture's user-space
 * interface (proc(5)), whatever the kernel's internal HZ.
 */
const USER_HZ = 100;
const NS_PER_TICK = 1e9 / USER_HZ;

/** The node's CPU: cumulative busy core-nanoseconds, and the boot time. */
export interface HostCpu {
  readonly usageCoreNanoSeconds: number;
  readonly bootTimeMs: number;
}

/** The node's memory, in bytes. */
export interface HostMemory {
  readonly totalBytes: number;
  readonly availableBytes: number;
  readonly freeBytes: number;
  readonly anonBytes: number;
}

/** A filesystem's size as statfs reports it. */
export interface HostFs {
  readonly capacityBytes: number;
  readonly availableBytes: number;
  readonly usedBytes: number;
  readonly inodes: number;
  readonly inodesFree: number;
}

/** One reading of the machine. */
export interface HostSample {
  /** Epoch ms of the reading. */
  readonly timeMs: number;
  readonly cpu: HostCpu;
  readonly memory: HostMemory;
  readonly pageFaults: number;
  readonly majorPageFaults: number;
  /** The kubelet root's filesystem, when it could be read. */
  readonly fs?: HostFs;
}

/** The aggregate `cpu` line and `btime` of /proc/stat. */
export function parseProcStat(text: string): HostCpu {
  const line = /^cpu\s+([\d\s]+)$/m.exec(text);
  if (!line) throw new Error('/proc/stat: no aggregate "cpu" line');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (line[1] as string)
    .trim()
    .split(/\s+/)
    .map(Number);
  // guest and guest_nice are already inside user and nice (proc(5)); idle and iowait are not busy.
  const busy = user + nice + system + irq + softirq + steal;
  const btime = /^btime\s+(\d+)$/m.exec(text);
  return { usageCoreNanoSeconds: busy * NS_PER_TICK, bootTimeMs: btime ? Number(btime[1]) * 1000 : 0 };
}

/** The fields of /proc/meminfo the summary needs (kB lines → bytes). */
export function parseMemory(text: string): HostMemory {
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB$`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const totalBytes = kb('MemTotal');
  if (totalBytes === undefined) throw new Error('/proc/meminfo: no MemTotal');
  const freeBytes = kb('MemFree') ?? 0;
  return {
    totalBytes,
    freeBytes,
    // MemAvailable exists since Linux 3.14; before it, free memory is the closest figure.
    availableBytes: kb('MemAvailable') ?? freeBytes,
    anonBytes: kb('AnonPages') ?? 0,
  };
}

/** pgfault and pgmajfault of /proc/vmstat. */
export function parseVmstat(text: string): { pageFaults: number; majorPageFaults: number } {
  const count = (key: string): number => Number(new RegExp(`^${key}\\s+(\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { pageFaults: count('pgfault'), majorPageFaults: count('pgmajfault') };
}

/** statfs of `path`, or undefined when it cannot be read. */
export function readFs(path: string): HostFs | undefined {
  try {
    const s = statfsSync(path);
    return {
      capacityBytes: s.blocks * s.bsize,
      availableBytes: s.bavail * s.bsize,
      usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodes: s.files,
      inodesFree: s.ffree,
    };
  } catch {
    return undefined;
  }
}

/** Reads the machine now (the adapter); `proc` is /proc unless a test points elsewhere. */
export function readHostSample(o: {
  readonly rootDir: string;
  readonly proc?: string;
  readonly now: number;
}): HostSample {
  const proc = o.proc ?? '/proc';
  const fs = readFs(o.rootDir);
  return {
    timeMs: o.now,
    cpu: parseProcStat(readFileSync(`${proc}/stat`, 'utf8')),
    memory: parseMemory(readFileSync(`${proc}/meminfo`, 'utf8')),
    ...parseVmstat(readFileSync(`${proc}/vmstat`, 'utf8')),
    ...(fs ? { fs } : {}),
  };
}
