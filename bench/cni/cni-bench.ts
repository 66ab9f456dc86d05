/**
 * `switchyard bench cni`: our bridge + host-local against the reference plugins from Debian's
 * containernetworking-plugins, same config, same run, alternating (the runner is
 * runner.ts beside it). Needs root: it works in private `sy-bench-…` namespaces.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, BenchResult } from '../framework.js';
import { runCniBench } from './runner.js';

/** The reference plugins' directory (Debian's containernetworking-plugins). */
export const REFERENCE_CNI_DIR = '/usr/lib/cni';

/** The CNI benchmark; `iterations` is the number of pods (20 of them also ADD concurrently). */
export const cniBench: Benchmark = {
  name: 'cni',
  summary: 'bridge + host-local ADD/DEL latency and 20 concurrent ADDs vs the reference plugins',
  defaultIterations: 50,
  async run(options): Promise<BenchResult> {
    const pods = Math.max(2, options.iterations ?? 50);
    const concurrent = Math.min(20, pods);
    const ours = join(options.root ?? process.cwd(), 'dist', 'cni');
    if (!existsSync(join(ours, 'bridge')))
      throw new Error(`bench cni: ${ours}/bridge not built (run ./switchyard once)`);
    const r = await runCniBench({ ours, reference: REFERENCE_CNI_DIR, pods, concurrent, log: options.log });
    const row = (metric: string, o: number, ref: number) =>
      ({ metric, unit: 'ms', ours: o, reference: ref, better: 'lower' }) as const;
    return {
      title: `CNI bridge + host-local, ${pods} pods (each call timed from spawn to exit, via nsenter)`,
      referenceLabel: 'reference (Debian 1.1.1)',
      rows: [
        row('ADD p50', r.ours.add.p50, r.reference.add.p50),
        row('ADD p95', r.ours.add.p95, r.reference.add.p95),
        row('DEL p50', r.ours.del.p50, r.reference.del.p50),
        row('DEL p95', r.ours.del.p95, r.reference.del.p95),
        row(
          `${concurrent} concurrent ADDs, wall`,
          r.ours.concurrentAddWallMs,
          r.reference.concurrentAddWallMs,
        ),
      ],
      notes: [
        `nsenter … node -e 0 (the floor of a one-process-per-call Node plugin): p50 ${r.nodeStart.p50.toFixed(1)} ms, p95 ${r.nodeStart.p95.toFixed(1)} ms`,
        `ours ADD p50 − node start p50 = ${(r.ours.add.p50 - r.nodeStart.p50).toFixed(1)} ms (target ≤ 20 ms)`,
        `load average ${r.loadAverage.join(' → ')} (shared machine)`,
      ],
    };
  },
};
