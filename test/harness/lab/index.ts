/**
 * The lab (DESIGN.md §4): a Kubernetes-like cluster's network in namespaces on one machine.
 * A pure plan of the topology, a thin kernel adapter that converges to it, state and lease files
 * so later commands find it, and the crash-leftover cleaner. Used by the CLI (`up`, `down`,
 * `status`, `exec`, `lab clean`) and by cross-component tests (`startLab`).
 */
export {
  type ApplyDeps,
  applyPlan,
  kernelNetns,
  type LabNetlink,
  type NetnsOps,
  observeLab,
  runAction,
} from './apply.js';
export { type CleanOptions, type CleanReport, cleanLabs, formatClean } from './clean.js';
export {
  type CleanDecision,
  type CleanObservation,
  type CleanPlan,
  type LeasedLab,
  labDeathReason,
  type OrphanState,
  planClean,
  runIdOf,
} from './clean-plan.js';
export {
  describeAction,
  diffLab,
  type LabAction,
  type ObservedLab,
  type ObservedLink,
  type ObservedNamespace,
} from './diff.js';
export { fakeNetns } from './fake-netns.js';
export { type Lab, type StartLabOptions, startLab } from './harness.js';
export {
  type DownReport,
  downLab,
  type ExecOptions,
  execInLab,
  formatUp,
  type LabEnv,
  requireState,
  targetNamespace,
  type UpOptions,
  type UpReport,
  upLab,
} from './lab.js';
export { isOwnerAlive, liveRunIds, processOwner, processStartTicks } from './owner.js';
export {
  dumpPlan,
  FABRIC,
  fabricPortName,
  type LabPlan,
  type LabRole,
  labTargetOf,
  labTargets,
  nodeAddress,
  type PlannedAddress,
  type PlannedBridge,
  type PlannedLinkUp,
  type PlannedNamespace,
  type PlannedRoute,
  type PlannedSysctl,
  type PlannedVeth,
  planLab,
} from './plan.js';
export { killNetnsProcesses, netnsInode, pidsInNetns } from './procs.js';
export {
  DEFAULT_NODES,
  type LabSpec,
  type LabSpecInput,
  type LbMode,
  labPrefix,
  labSpec,
  MAX_NODES,
} from './spec.js';
export {
  ENV_LAB_ID,
  ENV_RUN_DIR,
  ENV_STATE_DIR,
  type LabLease,
  type LabNamespace,
  type LabOwner,
  type LabPaths,
  type LabState,
  labPaths,
  leaseFile,
  readLease,
  readState,
  stateFile,
} from './state.js';
export {
  formatStatus,
  type LabStatus,
  type LinkStatus,
  type NamespaceStatus,
  readStatus,
  targetAddress,
} from './status.js';
