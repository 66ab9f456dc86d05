/**
 * What every controller gets: the client, shared informers (one list+watch per resource type
 * for the whole manager, with the indexes controllers look things up by), a logger and a clock.
 * Informers run for the life of the manager, so a standby is warm when it becomes leader.
 */
import type {
  ClusterRole,
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
} from '../../lib/api/index.js';
import {
  type Cache,
  clusterRolesResource,
  cronJobsResource,
  daemonSetsResource,
  deploymentsResource,
  endpointSlicesResource,
  Informer,
  jobsResource,
  type KubeClient,
  leasesResource,
  listWatcher,
  namespacesResource,
  nodesResource,
  podDisruptionBudgetsResource,
  podsResource,
  type ResourceDescriptor,
  replicaSetsResource,
  servicesResource,
} from '../../lib/client/index.js';
import type { Logger } from '../../lib/obs/index.js';
import { type Clock, Controller, type ReconcileResult } from '../../lib/reconcile/index.js';

/** Index name: objects by the uid of each owner in `ownerReferences`. */
export const BY_OWNER = 'owner';
/** Index name: pods by `spec.nodeName`. */
export const BY_NODE = 'node';
/** Index name: EndpointSlices by their `kubernetes.io/service-name` label (`ns/name`). */
export const BY_SERVICE = 'service';
/** Index name: objects by namespace. */
export const BY_NAMESPACE = 'namespace';

/** The label linking an EndpointSlice to its Service (discovery/v1 LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const ownerIndex = (o: KubeObject): readonly string[] => (o.metadata.ownerReferences ?? []).map((r) => r.uid);
const namespaceIdx = (o: KubeObject): readonly string[] => [o.metadata.namespace ?? ''];

/** The shared informers of one manager. */
export class SharedInformers {
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
  readonly #all: Informer<KubeObject>[];

  constructor(client: KubeClient, options: { readonly clock?: Clock; readonly logger?: Logger } = {}) {
    const make = <T extends KubeObject>(
      name: string,
      r: ResourceDescriptor<T>,
      indexers: Record<string, (o: T) => readonly string[]>,
      scope: { namespace?: string } = {},
    ): Informer<T> =>
      new Informer<T>({
        name,
        listerWatcher: listWatcher(client.resource(r), scope),
        indexers,
        ...(options.clock ? { clock: options.clock } : {}),
        onError: (err, phase) =>
          options.logger?.warn('informer error', { informer: name, phase, error: String(err) }),
      });
    this.pods = make('pods', podsResource, {
      [BY_OWNER]: ownerIndex,
      [BY_NODE]: (p) => (p.spec.nodeName ? [p.spec.nodeName] : []),
      [BY_NAMESPACE]: namespaceIdx,
    });
    this.nodes = make('nodes', nodesResource, {});
    this.nodeLeases = make('node-leases', leasesResource, {}, { namespace: 'kube-node-lease' });
    this.services = make('services', servicesResource, { [BY_NAMESPACE]: namespaceIdx });
    this.endpointSlices = make('endpointslices', endpointSlicesResource, {
      [BY_OWNER]: ownerIndex,
      [BY_SERVICE]: (s) => {
        const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
        return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
      },
    });
    this.deployments = make('deployments', deploymentsResource, {});
    this.replicaSets = make('replicasets', replicaSetsResource, { [BY_OWNER]: ownerIndex });
    this.daemonSets = make('daemonsets', daemonSetsResource, {});
    this.jobs = make('jobs', jobsResource, { [BY_OWNER]: ownerIndex });
    this.cronJobs = make('cronjobs', cronJobsResource, {});
    this.namespaces = make('namespaces', namespacesResource, {});
    this.clusterRoles = make('clusterroles', clusterRolesResource, {});
    this.podDisruptionBudgets = make('poddisruptionbudgets', podDisruptionBudgetsResource, {
      [BY_NAMESPACE]: namespaceIdx,
    });
    this.#all = [
      this.pods,
      this.nodes,
      this.nodeLeases,
      this.services,
      this.endpointSlices,
      this.deployments,
      this.replicaSets,
      this.daemonSets,
      this.jobs,
      this.cronJobs,
      this.namespaces,
      this.clusterRoles,
      this.podDisruptionBudgets,
    ] as unknown as Informer<KubeObject>[];
  }

  /** Runs every informer until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return Promise.all(this.#all.map((i) => i.run(signal))).then(() => undefined);
  }

  /** Resolves once every informer has listed and its handlers drained. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.#all.map((i) => i.waitForSync(signal)));
    for (const i of this.#all) await i.whenHandlersIdle();
  }

  /** True once every informer has listed. */
  get synced(): boolean {
    return this.#all.every((i) => i.hasSynced);
  }
}

/** Everything a controller needs. */
export interface ControllerContext {
  readonly client: KubeClient;
  readonly informers: SharedInformers;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** A started controller: its queue runner, and how to detach its handlers. */
export interface RunningController {
  readonly name: string;
  readonly controller: Controller<string>;
  /** Removes the informer handlers (on losing leadership). */
  readonly detach: () => void;
}

/** Wires a reconcile function to a queue with `workers` workers. */
export function makeController(
  ctx: ControllerContext,
  name: string,
  reconcile: (key: string, signal: AbortSignal) => Promise<ReconcileResult>,
  workers = 2,
): Controller<string> {
  return new Controller<string>({
    name,
    reconcile,
    workers,
    clock: ctx.clock,
    onOutcome: (o) => {
      if (o.result.kind === 'retry' || o.result.kind === 'terminal')
        ctx.logger.warn('reconcile failed', { controller: name, key: o.key, error: String(o.result.cause) });
    },
  });
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

/** `namespace/name` of an object. */
export function keyOfObj(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ''}` : (o.metadata.name ?? '');
}

/** Splits a `namespace/name` key. */
export function splitKey(key: string): { readonly namespace: string; readonly name: string } {
  const i = key.indexOf('/');
  return i === -1 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** RFC 3339 timestamp at second precision (metav1.Time). */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Read-only view of an informer cache. */
export type { Cache };
