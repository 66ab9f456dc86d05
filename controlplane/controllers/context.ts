/**
 * What every controller gets: the client, shared informers (one list+watch per resource type
 * for the whole manager, with the indexes controllers look things up by), a logger and a clock.
 * Informers run for the life of the manager, so a standby is warm when it becomes leader.
 */
import type {
  ClusterRole,
  ConfigMap,
  CronJob,
  DaemonSet,
  Deployment,
  EndpointSlice,
  Job,
  KubeObject,
  Lease,
  Namespace,
  Node,
  OwnerReference,
  Pod,
  PodDisruptionBudget,
  ReplicaSet,
  Service,
  ServiceAccount,
} from '../../lib/api/index.js';
import {
  BY_NAMESPACE,
  BY_NODE,
  BY_OWNER,
  type Cache,
  clusterRolesResource,
  configMapsResource,
  cronJobsResource,
  daemonSetsResource,
  deploymentsResource,
  endpointSlicesResource,
  type Informer,
  jobsResource,
  type KubeClient,
  leasesResource,
  namespaceIndex,
  namespacesResource,
  nodesResource,
  ownerIndex,
  podDisruptionBudgetsResource,
  podNodeIndex,
  podsResource,
  replicaSetsResource,
  SharedInformerFactory,
  serviceAccountsResource,
  servicesResource,
} from '../../lib/client/index.js';
import {
  type KeyedControllerOptions,
  keyedController,
  type RunningController,
} from '../../lib/component/index.js';
import type { Logger } from '../../lib/obs/index.js';
import type { Clock } from '../../lib/reconcile/index.js';

/** The generic index names, re-exported for the controllers. */
export { BY_NAMESPACE, BY_NODE, BY_OWNER };

/** Index name: EndpointSlices by their `kubernetes.io/service-name` label (`ns/name`). */
export const BY_SERVICE = 'service';

/** The label linking an EndpointSlice to its Service (discovery/v1 LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const serviceIndex = (s: EndpointSlice): readonly string[] => {
  const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
};

/**
 * The manager's informers, typed, over one `SharedInformerFactory`. All are made at once so
 * they list and watch for the manager's whole life, whichever controllers run.
 */
export class SharedInformers {
  readonly factory: SharedInformerFactory;
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  readonly nodeLeases: Informer<Lease>;
  readonly services: Informer<Service>;
  readonly endpointSlices: Informer<EndpointSlice>;
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly daemonSets: Informer<DaemonSet>;
  readonly jobs: Informer<Job>;
  readonly cronJobs: Informer<CronJob>;
  readonly namespaces: Informer<Namespace>;
  readonly clusterRoles: Informer<ClusterRole>;
  readonly podDisruptionBudgets: Informer<PodDisruptionBudget>;
  readonly serviceAccounts: Informer<ServiceAccount>;
  readonly configMaps: Informer<ConfigMap>;

  constructor(client: KubeClient, options: { readonly clock?: Clock; readonly logger?: Logger } = {}) {
    const f = new SharedInformerFactory(client, {
      ...(options.clock ? { clock: options.clock } : {}),
      onError: (informer, err, phase) =>
        options.logger?.warn('informer error', { informer, phase, error: String(err) }),
    });
    this.factory = f;
    this.pods = f.informerFor({
      resource: podsResource,
      indexers: { [BY_OWNER]: ownerIndex, [BY_NODE]: podNodeIndex, [BY_NAMESPACE]: namespaceIndex },
    });
    this.nodes = f.informerFor({ resource: nodesResource });
    this.nodeLeases = f.informerFor({
      resource: leasesResource,
      namespace: 'kube-node-lease',
      name: 'node-leases',
    });
    this.services = f.informerFor({
      resource: servicesResource,
      indexers: { [BY_NAMESPACE]: namespaceIndex },
    });
    this.endpointSlices = f.informerFor({
      resource: endpointSlicesResource,
      indexers: { [BY_OWNER]: ownerIndex, [BY_SERVICE]: serviceIndex },
    });
    this.deployments = f.informerFor({ resource: deploymentsResource });
    this.replicaSets = f.informerFor({ resource: replicaSetsResource, indexers: { [BY_OWNER]: ownerIndex } });
    this.daemonSets = f.informerFor({ resource: daemonSetsResource });
    this.jobs = f.informerFor({ resource: jobsResource, indexers: { [BY_OWNER]: ownerIndex } });
    this.cronJobs = f.informerFor({ resource: cronJobsResource });
    this.namespaces = f.informerFor({ resource: namespacesResource });
    this.clusterRoles = f.informerFor({ resource: clusterRolesResource });
    this.podDisruptionBudgets = f.informerFor({
      resource: podDisruptionBudgetsResource,
      indexers: { [BY_NAMESPACE]: namespaceIndex },
    });
    this.serviceAccounts = f.informerFor({ resource: serviceAccountsResource });
    this.configMaps = f.informerFor({ resource: configMapsResource });
  }

  /** Runs every informer until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.factory.run(signal);
  }

  /** Resolves once every informer has listed and its handlers drained. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.factory.waitForSync(signal);
  }

  /** True once every informer has listed. */
  get synced(): boolean {
    return this.factory.synced;
  }
}

/** Everything a controller needs. */
export interface ControllerContext {
  readonly client: KubeClient;
  readonly informers: SharedInformers;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * Starts a keyed controller (lib/component's `keyedController`) on the manager's clock, logging
 * failed reconciles; run the returned controller while leading, detach it after.
 */
export function startController(
  ctx: ControllerContext,
  options: Omit<KeyedControllerOptions, 'clock' | 'logger'>,
): RunningController {
  return keyedController({ ...options, clock: ctx.clock, logger: ctx.logger });
}

/** The key of an owner named by `o`'s controller reference, when that owner is of `kind`. */
export function ownerKey(o: KubeObject, kind: string, apiVersion?: string): string[] {
  const ref = controllerRef(o);
  if (ref?.kind !== kind || (apiVersion !== undefined && ref.apiVersion !== apiVersion)) return [];
  return [`${o.metadata.namespace ?? ''}/${ref.name}`];
}

/** The controller (`controller: true`) owner reference of an object, if any. */
export function controllerRef(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The pods whose controller reference is `owner` (the by-owner index, narrowed to controllers). */
export function controlledPods(informers: SharedInformers, owner: KubeObject): Pod[] {
  const uid = owner.metadata.uid ?? '';
  return informers.pods.cache.byIndex(BY_OWNER, uid).filter((p) => controllerRef(p)?.uid === uid);
}

/** Read-only view of an informer cache; a started controller. */
export type { Cache, RunningController };
