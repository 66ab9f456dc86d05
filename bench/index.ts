/**
 * The benchmark registry: every benchmark `switchyard bench` knows, in the order it runs
 * them. Add a benchmark by adding it to this array.
 */
import { apiserverBench } from './apiserver/apiserver-bench.js';
import { cniBench } from './cni/cni-bench.js';
import type { Benchmark } from './framework.js';
import { netlinkBench } from './netlink/netlink-bench.js';
import { podsBench } from './pods/pods-bench.js';
import { schedulerBench } from './scheduler/scheduler-bench.js';

export {
  type Benchmark,
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  percentile,
  renderTable,
  speedup,
} from './framework.js';

/** Every registered benchmark. */
export const benchmarks: readonly Benchmark[] = [
  netlinkBench,
  cniBench,
  apiserverBench,
  schedulerBench,
  podsBench,
];

/** The benchmark called `name`, or undefined. */
export function findBenchmark(name: string): Benchmark | undefined {
  return benchmarks.find((b) => b.name === name);
}
