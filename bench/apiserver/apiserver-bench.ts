/**
 * `switchyard bench apiserver`: the embedded (SQLite) store and etcd side by side in one run —
 * creates/s and p99 with 16 writers, LIST of 10,000 pods, 200 watchers, resident memory. Each
 * API server runs as its own `switchyard apiserver` process so its memory is its own.
 */
import { join } from 'node:path';
import type { Benchmark, BenchResult } from '../framework.js';
import { runApiserverBench } from './runner.js';

export const apiserverBench: Benchmark = {
  name: 'apiserver',
  summary: 'embedded store vs etcd: creates/s + p99 (16 writers), LIST 10k pods, 200 watchers, RSS',
  defaultIterations: 3000,
  async run(options): Promise<BenchResult> {
    const result = await runApiserverBench({
      creates: options.iterations ?? 3000,
      log: options.log,
      serverCommand: [process.execPath, join(options.root ?? process.cwd(), 'dist', 'switchyard.mjs')],
    });
    return result;
  },
};
