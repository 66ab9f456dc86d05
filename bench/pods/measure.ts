/**
 * The pure arithmetic of `bench pods`: the CNI timing log the plugin wrappers write (one line per
 * plugin call) turned into per-sandbox network set-up spans, CPU time read from /proc/<pid>/stat,
 * and the table's rows (the kubelet path vs the same sandboxes and containers started straight
 * through CRI).
 */
import type { BenchResult, BenchRow } from '../framework.js';
import { percentile } from '../framework.js';

/** One plugin call as a wrapper logged it: `<COMMAND> <CONTAINERID> <plugin> <startNs> <endNs>`. */
export interface CniCall {
  readonly command: string;
  readonly containerId: string;
  readonly plugin: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/** Parses the wrappers' log; malformed lines (a torn last line) are skipped. */
export function parseCniLog(text: string): CniCall[] {
  const out: CniCall[] = [];
  for (const line of text.split('\n')) {
    const [command, containerId, plugin, start, end, ...rest] = line.trim().split(/\s+/);
    if (
      rest.length > 0 ||
      !command ||
      !containerId ||
      !plugin ||
      !/^\d+$/.test(start ?? '') ||
      !/^\d+$/.test(end ?? '')
    )
      continue;
    out.push({ command, containerId, plugin, startNs: BigInt(start ?? 0), endNs: BigInt(end ?? 0) });
  }
  return out;
}

/**
 * Per sandbox (CNI_CONTAINERID), the wall time of its network set-up in ms: from the first
 * plugin ADD that started to the last that ended (containerd runs loopback and the conflist's
 * chain for each RunPodSandbox).
 */
export function cniAddSpans(calls: readonly CniCall[]): Map<string, number> {
  const spans = new Map<string, { start: bigint; end: bigint }>();
  for (const c of calls) {
    if (c.command !== 'ADD') continue;
    const s = spans.get(c.containerId);
    if (!s) spans.set(c.containerId, { start: c.startNs, end: c.endNs });
    else {
      if (c.startNs < s.start) s.start = c.startNs;
      if (c.endNs > s.end) s.end = c.endNs;
    }
  }
  return new Map([...spans].map(([id, s]) => [id, Number(s.end - s.start) / 1e6]));
}

/** utime + stime of a process in clock ticks, from the text of /proc/<pid>/stat (fields 14, 15). */
export function cpuTicks(stat: string): number {
  // Field 2 (comm) may hold spaces and ')': count from the last ')'; field 3 is the first after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('stat: no utime/stime fields');
  return utime + stime;
}

/** One run of starting N pods: per-pod start-to-ready latencies and what they cost. */
export interface StartRun {
  /** Per pod, ms from the request to Ready (kubelet) or to StartContainer's answer (CRI). */
  readonly latenciesMs: readonly number[];
  /** ms from the first request until the last pod was ready. */
  readonly wallMs: number;
  /** Per sandbox, ms of CNI ADD (network set-up). */
  readonly cniMs: readonly number[];
  /** containerd's CPU (daemon only) over the run, ms. */
  readonly containerdCpuMs: number;
  /** The kubelet's CPU over the run, ms (none on the direct CRI path). */
  readonly kubeletCpuMs?: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The share of pod start-up spent in CNI ADD, in percent: Σ CNI spans / Σ latencies. */
export function cniShare(run: StartRun): number {
  const total = sum(run.latenciesMs);
  return total === 0 ? Number.NaN : (100 * sum(run.cniMs)) / total;
}

/** The benchmark's table: the kubelet path (ours) beside the direct CRI path (reference). */
export function podsResult(ours: StartRun, reference: StartRun, pods: number): BenchResult {
  const n = ours.latenciesMs.length;
  const row = (metric: string, unit: string, a: number, b: number): BenchRow => ({
    metric,
    unit,
    ours: a,
    reference: b,
    better: 'lower',
  });
  return {
    title: `bench pods: ${pods} pods created at once on one node, start to Ready (kubelet) vs the same pods straight through CRI`,
    referenceLabel: 'direct CRI',
    rows: [
      row(
        'start to ready p50',
        'ms',
        percentile(ours.latenciesMs, 50),
        percentile(reference.latenciesMs, 50),
      ),
      row(
        'start to ready p99',
        'ms',
        percentile(ours.latenciesMs, 99),
        percentile(reference.latenciesMs, 99),
      ),
      row(`all ${pods} ready`, 'ms', ours.wallMs, reference.wallMs),
      row('CNI ADD p50', 'ms', percentile(ours.cniMs, 50), percentile(reference.cniMs, 50)),
      row('share in CNI ADD', '%', cniShare(ours), cniShare(reference)),
      row('containerd CPU per pod', 'ms', ours.containerdCpuMs / pods, reference.containerdCpuMs / pods),
      row('kubelet CPU per pod', 'ms', (ours.kubeletCpuMs ?? Number.NaN) / pods, Number.NaN),
    ],
    notes: [
      `${n} of ${pods} pods measured; target p99 ≤ 2000 ms (Kubernetes' pod-startup SLO: p99 ≤ 5 s without pulls)`,
      'latency: ours from the create request to the Ready condition arriving on a watch; direct CRI from',
      '  RunPodSandbox to StartContainer answered (no API server, no probes: the floor the kubelet adds to)',
      'CNI ADD: per sandbox, first plugin call start to last plugin call end, logged by wrappers around the',
      '  plugins containerd executes (loopback, bridge, portmap; host-local runs inside bridge)',
      'CPU: utime+stime deltas from /proc/<pid>/stat over the run, containerd daemon only (shims excluded)',
    ],
  };
}
