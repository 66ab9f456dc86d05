/**
 * The kubelet's stats: `criStatsProvider` (the StatsProvider main.ts hands the HTTPS server for
 * `/stats/summary` and `/metrics/resource`), the Summary types, and the pure builders.
 */
export { type HostSample, parseMemory, parseProcStat, parseVmstat } from './host.js';
export {
  type CriStatsDeps,
  type CriStatsProvider,
  criStatsProvider,
  FIRST_WINDOW_MS,
  MAX_WINDOW_MS,
} from './provider.js';
export { type CpuSample, nanoCores, RateBook } from './rates.js';
export { resourceMetricsText } from './resource-metrics.js';
export { buildSummary, cpuSamples, type RunningContainer, type StatsRound } from './summary.js';
export type * from './types.js';
