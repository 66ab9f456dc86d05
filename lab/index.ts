/**
 * The lab (docs/architecture.md §4): a Kubernetes-like cluster's network in namespaces on one machine.
 * A pure plan of the topology, a thin kernel adapter that converges to it, state and lease files
 * so later commands find it, the control plane run as child processes (components + supervise)
 * with a host port forwarded into it, each node's private containerd, and the crash-leftover
 * cleaner. Used by the CLI (`up`, `down`, `status`, `exec`, `lab clean`); tests start a lab of
 * their own with `testing/start-lab.ts`.
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
  demoProblems,
  formatCluster,
  kubectlJson,
  type NodeView,
  nodeProblems,
  nodeViews,
  type PodView,
  podViews,
  readCluster,
} from './cluster-view.js';
export {
  APISERVER_PORT,
  CONTROLLER_MANAGER_METRICS_PORT,
  type ComponentAction,
  type ComponentObservation,
  type ComponentRecord,
  type ComponentSpec,
  type ComponentsFile,
  type ComponentsInput,
  controlPlaneFiles,
  type HealthProbe,
  type HostKubeconfigOptions,
  hostKubeconfig,
  labComponents,
  parseComponentsFile,
  planComponents,
  SCHEDULER_METRICS_PORT,
} from './components.js';
export {
  type ContainerdOptions,
  type ContainerdPaths,
  type ContainerdProcess,
  CRI_NAMESPACE,
  containerdConfig,
  containerdPaths,
  DEFAULT_SNAPSHOTTER,
  importImage,
  isContainerdRunning,
  removeAllPodSandboxes,
  type StopContainerdOptions,
  startContainerd,
  stopContainerd,
  validateContainerdOptions,
} from './containerd.js';
export {
  type RuntimeFootprint,
  removeContainerdLeftovers,
  runcContainerPids,
  shimPids,
  signalPid,
  unmountUnder,
} from './containerd-leftovers.js';
export { DEMO, type DemoReport, formatDemo, upDemo } from './demo.js';
export {
  describeAction,
  diffLab,
  type LabAction,
  type ObservedLab,
  type ObservedLink,
  type ObservedNamespace,
} from './diff.js';
export { type Forwarder, type ForwarderOptions, startForwarder } from './forward.js';
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
export {
  downNodes,
  formatNodeProcesses,
  formatNodesUp,
  type KubeletReport,
  type NodeProcessStatus,
  type RuntimeReport,
  readNodeProcesses,
  readNodes,
  type UpKubeletsOptions,
  type UpRuntimesOptions,
  upKubelets,
  upRuntimes,
} from './node-runtime.js';
export {
  KUBELET_HEALTH_PORT,
  labNodes,
  type NodeRecord,
  type NodeSpec,
  type NodesFile,
  nodeFiles,
  nodeKubeconfig,
  nodesDir,
  nodesFile,
  parseNodesFile,
  planRuntime,
  type RuntimeAction,
  type RuntimeObservation,
} from './nodes.js';
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
export { killNetnsProcesses, netnsInode, pidsInNetns, pidsNamingNetns } from './procs.js';
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
export {
  type ComponentStatus,
  downComponents,
  formatComponents,
  formatUpComponents,
  isRunning,
  type ProbeResult,
  probeHealth,
  readComponentStatus,
  readComponents,
  startComponent,
  stopProcess,
  type UpComponentsOptions,
  type UpComponentsReport,
  upComponents,
  waitHealthy,
} from './supervise.js';
