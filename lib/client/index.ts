export { Backoff, type BackoffOptions } from './backoff.js';
export {
  type ApiResource,
  type ApiResourceList,
  type DiscoveryResult,
  type FailedGroupVersion,
  serverPreferredNamespacedResources,
} from './discovery.js';
export {
  ApiError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isMethodNotSupported,
  isNotFound,
  isStatus,
  isTooManyRequests,
  isUnauthorized,
  reasonForCode,
  statusFromResponse,
} from './errors.js';
export { type EventHandler, HandlerQueue, type Notification } from './handler-queue.js';
export { type InClusterOptions, inClusterConfig } from './in-cluster.js';
export {
  Informer,
  type InformerErrorPhase,
  type InformerOptions,
  type ListerWatcher,
  listWatcher,
} from './informer.js';
export {
  type LoadKubeconfigOptions,
  loadKubeconfig,
  type ParseKubeconfigOptions,
  parseKubeconfig,
  type RestConfig,
} from './kubeconfig.js';
export { type LoadRestConfigOptions, loadRestConfig } from './load-config.js';
export { LineSplitter } from './ndjson.js';
export {
  apiVersionOf,
  coreResources,
  defineResource,
  type ResourceDescriptor,
  resourcePath,
} from './resource.js';
export {
  type CallOptions,
  type DeleteOptions,
  KubeClient,
  type KubeClientOptions,
  type ListOptions,
  type ObjectOptions,
  type PatchOptions,
  type PatchType,
  ResourceClient,
  type SelectorOptions,
  type WatchOptions,
  type WriteOptions,
} from './rest.js';
export {
  BY_NAMESPACE,
  BY_NODE,
  BY_OWNER,
  type InformerSpec,
  ownerIndex,
  podNodeIndex,
  SharedInformerFactory,
  type SharedInformerFactoryOptions,
} from './shared-informers.js';
export { type Cache, IndexedStore, type IndexFunc, namespaceIndex } from './store.js';
export { type HttpRequest, type HttpResponse, Transport, type TransportOptions } from './transport.js';
export {
  clusterRolesResource,
  configMapsResource,
  cronJobsResource,
  daemonSetsResource,
  deploymentsResource,
  endpointSlicesResource,
  eventsResource,
  jobsResource,
  leasesResource,
  namespacesResource,
  nodesResource,
  podDisruptionBudgetsResource,
  podsResource,
  priorityClassesResource,
  replicaSetsResource,
  serviceAccountsResource,
  servicesResource,
} from './typed-resources.js';
export { parseWatchEvent, readWatchStream } from './watch.js';
