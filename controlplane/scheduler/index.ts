/** The scheduler: pure filter/score framework, assume cache, and the process that binds pods. */

export { SchedulerCache } from './cache.js';
export {
  DEFAULT_PROFILE,
  type Decision,
  feasibleNodesToFind,
  filterNode,
  fitErrorMessage,
  type Profile,
  type ScheduleOptions,
  schedulePod,
} from './framework.js';
export {
  DEFAULT_MAX_PODS,
  DEFAULT_SCHEDULER,
  type HostPort,
  type NodeInfo,
  type NodeState,
  type NodeUsage,
  type PodInfo,
  podRequests,
  portKey,
  type Resources,
  toNodeInfo,
  toPodInfo,
} from './info.js';
export { runScheduler, type SchedulerFlags } from './main.js';
export {
  balancedAllocation,
  DEFAULT_FILTERS,
  DEFAULT_SCORES,
  type FilterPlugin,
  leastAllocated,
  NONZERO_DEFAULTS,
  nodeAffinity,
  nodePorts,
  nodeReady,
  nodeResourcesFit,
  nodeUnschedulable,
  ownerSpread,
  preferNoScheduleTaints,
  preferredNodeAffinity,
  type ScorePlugin,
  taintToleration,
  termMatches,
  tolerates,
  untoleratedTaint,
} from './plugins.js';
export { Scheduler, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
