/**
 * The kubelet: its pure core (the pod view and the CRI observation, the per-pod sync plan, the
 * pod status, probe scheduling, container environment, pod DNS, volumes, the node's CNI config
 * and the configuration), the CRI adapter that observes the runtime and carries the plan out
 * (observe.ts, apply.ts, probe-runner.ts, pod-worker.ts), the node agent, and `runKubelet`
 * (main.ts), which the CLI's `switchyard kubelet` runs.
 */

export {
  type ActionFailure,
  type ActionOutcome,
  type ApplyContext,
  type ApplyResult,
  applyActions,
  CPU_PERIOD_US,
  linuxResources,
  podLogDirectory,
  sandboxConfig,
} from './apply.js';

export {
  CONFLIST_FILE,
  type Conflist,
  type ConflistOptions,
  gatewayOf,
  NETWORK_NAME,
  podConflist,
  writeConflist,
} from './cni-config.js';
export {
  KUBELET_DEFAULTS,
  KUBELET_FLAGS,
  type KubeletConfig,
  type PodCidrSource,
  parseKubeletConfig,
} from './config.js';
export {
  type ClusterDns,
  type DnsConfig,
  formatResolvConf,
  mergeDnsConfig,
  parseResolvConf,
  podDns,
  podDnsType,
} from './dns.js';
export {
  type ContainerEnv,
  containerEnv,
  type EnvContext,
  type EnvVar,
  expand,
  expandCommand,
  fieldValue,
  serviceLinkVariables,
} from './env.js';
export { kubeletSetup, nodeIPs, RELIST_MS, runKubelet, runtimeFingerprints } from './main.js';
export * from './model.js';
export {
  hostFacts,
  NODE_LEASE_NAMESPACE,
  NODE_STATUS_REPORT_MS,
  NODE_STATUS_UPDATE_MS,
  NodeAgent,
  type NodeAgentOptions,
  type Periodic,
} from './node-agent.js';
export {
  goArch,
  KUBELET_VERSION,
  type KubeletNodeStatus,
  type NodeFacts,
  nodeConditions,
  nodeResources,
  nodeStatus,
  nodeStatusChanged,
  nodeToRegister,
  parseMeminfo,
  parseOsRelease,
  type RuntimeHealth,
} from './node-status.js';
export { nanosToMs, observeRuntime, toObservedContainer, toObservedSandbox } from './observe.js';
export * from './observed.js';
export {
  BACKOFF_INITIAL_MS,
  BACKOFF_MAX_MS,
  type BackOffEntry,
  backOffKey,
  type KubeletAction,
  MIN_GRACE_SECONDS,
  ORPHAN_GRACE_SECONDS,
  type PlanInput,
  type PodPlan,
  type ProbeFailure,
  planPod,
  sandboxChanged,
  type WaitingReason,
} from './plan.js';
export { PodObjects, referencedObjects } from './pod-objects.js';
export {
  FAILURE_RETRY_MS,
  IN_PROGRESS_REQUEUE_MS,
  PodWorker,
  type PodWorkerOptions,
  type SyncOutcome,
} from './pod-worker.js';
export { type HttpProbeTarget, PROBE_USER_AGENT, probeHttp } from './probe-http.js';
export { type PodProbes, ProbeRunner, type ProbeTarget, runProbe } from './probe-runner.js';
export { type ProbeRun, probeTcp } from './probe-tcp.js';
export {
  type ContainerProbes,
  initialProbeState,
  type ProbedContainer,
  type ProbeKind,
  type ProbeResult,
  type ProbeState,
  type ProbeVerdict,
  probeDue,
  probeVerdict,
  recordOutcome,
  resolveProbePort,
} from './probes.js';
export { ReasonCache } from './reason-cache.js';
export { ensureServingPair, type ServingPair, servingSan } from './serving-cert.js';
export { type ContainerProbeView, type PodStatus, podPhase, podStatus, type StatusInput } from './status.js';
export {
  checkHostPath,
  containerMounts,
  DEFAULT_MODE,
  type HostPathType,
  type KeyToPath,
  type PodVolume,
  type ProjectedFile,
  podDir,
  podVolumes,
  projectedFiles,
  removePodDir,
  setUpVolumes,
  type VolumeSource,
  volumePath,
  volumeSource,
  writeProjected,
} from './volumes.js';
