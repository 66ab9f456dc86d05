/**
 * The controller manager: Deployment → ReplicaSet → Pods, EndpointSlices, node IPAM, node
 * lifecycle, garbage collection and namespace termination, behind leader election on a Lease.
 */

export {
  BY_NAMESPACE,
  BY_NODE,
  BY_OWNER,
  BY_SERVICE,
  type ControllerContext,
  type RunningController,
  SharedInformers,
} from './context.js';
export {
  DAEMON_TOLERATIONS,
  DAEMONSET_HASH,
  type DaemonSetPlan,
  daemonSetController,
  nodeEligible,
  planDaemonSet,
} from './daemonset.js';
export { deploymentController } from './deployment.js';
export {
  type DeploymentInputs,
  type DeploymentPlan,
  type DeploymentStatus,
  POD_TEMPLATE_HASH,
  planDeployment,
  REVISION,
  revisionOf,
  type ScaleAction,
  scaledValue,
  surgeAndUnavailable,
  templateHash,
} from './deployment-plan.js';
export { endpointSliceController } from './endpointslice.js';
export {
  CONTROLLER_NAME,
  desiredEndpoints,
  type EndpointGroup,
  MANAGED_BY,
  MAX_ENDPOINTS_PER_SLICE,
  planSlices,
  SERVICE_NAME,
  type SlicePlan,
  selectsPod,
} from './endpointslice-plan.js';
export { FOREGROUND_FINALIZER, garbageCollector } from './gc.js';
export { type ControllerManagerFlags, parseControllers, runControllerManager } from './main.js';
export {
  CONTROLLER_SERVICE_ACCOUNT,
  CONTROLLERS,
  ControllerManager,
  type ControllerManagerOptions,
  type ControllerName,
  type LeaderElectionConfig,
} from './manager.js';
export { type NamespaceControllerOptions, namespaceController } from './namespace.js';
export {
  CONDITION_TYPES,
  type ConditionType,
  type DeletionTarget,
  deletionTargets,
  finalizedSpec,
  mergeConditions,
  type PassReport,
  type PassSummary,
  podGraceEstimate,
  requeueSeconds,
  resourceOutcome,
  summarizePass,
  type WantedCondition,
} from './namespace-plan.js';
export {
  allocateFor,
  type IpamConfig,
  indexOf,
  ipamConfig,
  type NodeIpamOptions,
  nodeIpamController,
} from './node-ipam.js';
export {
  type NodeLifecycleInputs,
  type NodeLifecycleOptions,
  type NodeLifecyclePlan,
  nodeLifecycleController,
  planNodeLifecycle,
  UNREACHABLE_TAINT,
} from './node-lifecycle.js';
export { deletionOrder, isPodActive, isPodAvailable, isPodReady, podFromTemplate } from './pods.js';
export {
  planReplicaSet,
  type ReplicaSetPlan,
  type ReplicaSetStatus,
  replicaSetController,
} from './replicaset.js';
export {
  desiredRootCa,
  ROOT_CA_CONFIGMAP,
  ROOT_CA_KEY,
  type RootCaPublisherOptions,
  rootCaPublisher,
} from './root-ca-publisher.js';
export {
  CONTROLLER_SA_NAMESPACE,
  ServiceAccountClients,
  type ServiceAccountClientsOptions,
} from './sa-credentials.js';
export { type Duplicate, findDuplicates, serviceRepairController } from './service-repair.js';
export { DEFAULT_SERVICE_ACCOUNTS, serviceAccountController } from './serviceaccount.js';
