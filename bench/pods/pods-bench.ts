/**
 * `switchyard bench pods` (issue 12): 30 pods created at once on one lab node, start to Ready
 * through the kubelet (p50, p99, share in CNI ADD, kubelet and containerd CPU per pod) beside
 * the same pods started straight through CRI. Needs root (it builds a one-node lab).
 */
import type { Benchmark, BenchResult } from '../framework.js';
import { runPodsBench } from './runner.js';

export const podsBench: Benchmark = {
  name: 'pods',
  summary: 'N pods at once on one node: start to Ready p50/p99, CNI ADD share, kubelet CPU, vs direct CRI',
  defaultIterations: 30,
  async run(options): Promise<BenchResult> {
    return runPodsBench({
      root: options.root ?? process.cwd(),
      pods: options.iterations ?? 30,
      log: options.log,
    });
  },
};
