/**
 * Typed descriptors of the built-in resources components talk to, one per resource, so every
 * component shares the same definitions (lib/api holds the wire types).
 */

import type {
  ClusterRole,
  ConfigMap,
  CronJob,
  DaemonSet,
  Deployment,
  EndpointSlice,
  Job,
  Event as KubeEvent,
  Lease,
  Namespace,
  Node,
  Pod,
  PodDisruptionBudget,
  PriorityClass,
  ReplicaSet,
  Service,
  ServiceAccount,
} from '../api/index.js';
import { coreResources, defineResource } from './resource.js';

/** core/v1 namespaces. */
export const namespacesResource = defineResource<Namespace>({ ...coreResources.namespaces });
/** core/v1 pods. */
export const podsResource = defineResource<Pod>({ ...coreResources.pods });
/** core/v1 nodes. */
export const nodesResource = defineResource<Node>({ ...coreResources.nodes });
/** core/v1 services. */
export const servicesResource = defineResource<Service>({ ...coreResources.services });
/** core/v1 configmaps. */
export const configMapsResource = defineResource<ConfigMap>({ ...coreResources.configmaps });
/** core/v1 serviceaccounts. */
export const serviceAccountsResource = defineResource<ServiceAccount>({
  group: '',
  version: 'v1',
  plural: 'serviceaccounts',
  kind: 'ServiceAccount',
  namespaced: true,
});
/** core/v1 events. */
export const eventsResource = defineResource<KubeEvent>({
  group: '',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
});
/** discovery.k8s.io/v1 endpointslices. */
export const endpointSlicesResource = defineResource<EndpointSlice>({ ...coreResources.endpointslices });
/** apps/v1 deployments. */
export const deploymentsResource = defineResource<Deployment>({
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
});
/** apps/v1 replicasets. */
export const replicaSetsResource = defineResource<ReplicaSet>({
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
});
/** apps/v1 daemonsets. */
export const daemonSetsResource = defineResource<DaemonSet>({
  group: 'apps',
  version: 'v1',
  plural: 'daemonsets',
  kind: 'DaemonSet',
  namespaced: true,
});
/** coordination.k8s.io/v1 leases. */
export const leasesResource = defineResource<Lease>({
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
});
/** batch/v1 jobs. */
export const jobsResource = defineResource<Job>({
  group: 'batch',
  version: 'v1',
  plural: 'jobs',
  kind: 'Job',
  namespaced: true,
});
/** batch/v1 cronjobs. */
export const cronJobsResource = defineResource<CronJob>({
  group: 'batch',
  version: 'v1',
  plural: 'cronjobs',
  kind: 'CronJob',
  namespaced: true,
});
/** rbac.authorization.k8s.io/v1 clusterroles. */
export const clusterRolesResource = defineResource<ClusterRole>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterroles',
  kind: 'ClusterRole',
  namespaced: false,
});
/** policy/v1 poddisruptionbudgets. */
export const podDisruptionBudgetsResource = defineResource<PodDisruptionBudget>({
  group: 'policy',
  version: 'v1',
  plural: 'poddisruptionbudgets',
  kind: 'PodDisruptionBudget',
  namespaced: true,
});
/** scheduling.k8s.io/v1 priorityclasses. */
export const priorityClassesResource = defineResource<PriorityClass>({
  group: 'scheduling.k8s.io',
  version: 'v1',
  plural: 'priorityclasses',
  kind: 'PriorityClass',
  namespaced: false,
});
