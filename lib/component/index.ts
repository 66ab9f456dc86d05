/**
 * The component kit: common flags, the client-component run loop (logging, metrics and health,
 * graceful shutdown on SIGTERM), leader election, and the three loop kinds — a keyed reconcile
 * controller, a coalesced whole-state sync and a named periodic task.
 */
export { type CoalescedSync, type CoalescedSyncOptions, coalescedSync } from './coalesced-sync.js';
export {
  CLIENT_FLAGS,
  type ComponentFlags,
  componentFlagsUsage,
  type FlagDecl,
  type FlagValues,
  LEADER_ELECTION_FLAGS,
  type LeaderElectionFlags,
  LOG_FLAGS,
  parseDuration,
  readComponentFlags,
} from './flags.js';
export {
  type Enqueue,
  type EventKind,
  type EventSource,
  type KeyedControllerOptions,
  keyedController,
  type RunningController,
  type Watch,
  type WatchOptions,
  watch,
} from './keyed-controller.js';
export { type LeaderElectionOptions, runLeaderElection } from './leader-election.js';
export { PeriodicTask, type PeriodicTaskOptions, type TaskMetrics, taskMetrics } from './periodic-task.js';
export {
  type ClientComponentOptions,
  type ComponentContext,
  type ComponentRun,
  runClientComponent,
} from './run.js';
export { untilSignal } from './signal.js';
