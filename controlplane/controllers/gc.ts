/**
 * Garbage collection by ownerReferences (pkg/controller/garbagecollector, reduced to the kinds
 * this control plane serves): a dependent whose owners are all gone is deleted (background
 * propagation); a dependent with some owners gone loses those references; an owner being
 * deleted in the foreground (finalizer `foregroundDeletion`) first has its dependents deleted,
 * then the finalizer removed. An owner missing from the cache is confirmed with a live GET
 * before anything is deleted, as the real collector does ("virtual" node verification).
 */
import type { KubeObject, OwnerReference } from '../../lib/api/index.js';
import { keyOf } from '../../lib/api/meta.js';
import {
  cronJobsResource,
  daemonSetsResource,
  deploymentsResource,
  endpointSlicesResource,
  type Informer,
  isNotFound,
  jobsResource,
  nodesResource,
  podsResource,
  type ResourceDescriptor,
  replicaSetsResource,
  servicesResource,
} from '../../lib/client/index.js';
import { type Watch, watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { BY_OWNER, type ControllerContext, type RunningController, startController } from './context.js';

/** The finalizer that asks for foreground cascading deletion (metav1.FinalizerDeleteDependents). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

interface Kind {
  readonly resource: ResourceDescriptor;
  readonly informer: Informer<KubeObject>;
}

/** Starts the garbage collector's handlers. */
export function garbageCollector(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const asKO = (i: unknown): Informer<KubeObject> => i as Informer<KubeObject>;
  // Owners we can verify, by `apiVersion/kind`.
  const owners = new Map<string, Kind>([
    ['apps/v1/Deployment', { resource: deploymentsResource, informer: asKO(inf.deployments) }],
    ['apps/v1/ReplicaSet', { resource: replicaSetsResource, informer: asKO(inf.replicaSets) }],
    ['apps/v1/DaemonSet', { resource: daemonSetsResource, informer: asKO(inf.daemonSets) }],
    ['v1/Service', { resource: servicesResource, informer: asKO(inf.services) }],
    ['v1/Node', { resource: nodesResource, informer: asKO(inf.nodes) }],
    ['batch/v1/Job', { resource: jobsResource, informer: asKO(inf.jobs) }],
    ['batch/v1/CronJob', { resource: cronJobsResource, informer: asKO(inf.cronJobs) }],
  ]);
  // Dependents we watch, by a short tag used in queue keys.
  const dependents = new Map<string, Kind>([
    ['pod', { resource: podsResource, informer: asKO(inf.pods) }],
    ['rs', { resource: replicaSetsResource, informer: asKO(inf.replicaSets) }],
    ['slice', { resource: endpointSlicesResource, informer: asKO(inf.endpointSlices) }],
    ['job', { resource: jobsResource, informer: asKO(inf.jobs) }],
  ]);

  /** True when the owner named by `ref` still exists with that uid. */
  const ownerExists = async (ref: OwnerReference, namespace: string): Promise<boolean> => {
    const kind = owners.get(`${ref.apiVersion}/${ref.kind}`);
    if (!kind) return true; // unknown kinds are never collected
    const ns = kind.resource.namespaced ? namespace : '';
    const cached = kind.informer.cache.get(ns ? `${ns}/${ref.name}` : ref.name);
    if (cached?.metadata.uid === ref.uid) return true;
    try {
      const live = await client.resource(kind.resource).get(ref.name, ns ? { namespace: ns } : {});
      return live.metadata.uid === ref.uid;
    } catch (err: unknown) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };

  const syncDependent = async (tag: string, key: string): Promise<ReconcileResult> => {
    const kind = dependents.get(tag);
    const obj = kind?.informer.cache.get(key);
    if (!kind || !obj || obj.metadata.deletionTimestamp) return { kind: 'done' };
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return { kind: 'done' };
    const ns = obj.metadata.namespace ?? '';
    const dangling: OwnerReference[] = [];
    for (const ref of refs) if (!(await ownerExists(ref, ns))) dangling.push(ref);
    if (dangling.length === 0) return { kind: 'done' };
    const rc = client.resource(kind.resource);
    const name = obj.metadata.name ?? '';
    try {
      if (dangling.length === refs.length) {
        ctx.logger.info('deleting dependent of deleted owner', {
          object: `${tag} ${key}`,
          owner: dangling[0]?.name,
        });
        await rc.delete(name, {
          namespace: ns,
          propagationPolicy: 'Background',
          preconditions: { uid: obj.metadata.uid ?? '' },
        });
      } else {
        const keep = refs.filter((r) => !dangling.includes(r));
        await rc.patch(
          name,
          { metadata: { ownerReferences: keep, resourceVersion: obj.metadata.resourceVersion } },
          { type: 'merge', namespace: ns },
        );
      }
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
    }
    return { kind: 'done' };
  };

  /** All cached dependents of an owner uid. */
  const dependentsOf = (uid: string): { tag: string; kind: Kind; obj: KubeObject }[] =>
    [...dependents].flatMap(([tag, kind]) =>
      kind.informer.cache.byIndex(BY_OWNER, uid).map((obj) => ({ tag, kind, obj })),
    );

  const syncForegroundOwner = async (ownerKind: string, key: string): Promise<ReconcileResult> => {
    const kind = owners.get(ownerKind);
    const owner = kind?.informer.cache.get(key);
    if (
      !kind ||
      !owner?.metadata.deletionTimestamp ||
      !owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
    )
      return { kind: 'done' };
    const deps = dependentsOf(owner.metadata.uid ?? '');
    for (const { kind: dk, obj } of deps) {
      if (obj.metadata.deletionTimestamp) continue;
      const rc = client.resource(dk.resource);
      const ns = obj.metadata.namespace ?? '';
      const name = obj.metadata.name ?? '';
      try {
        // Foreground all the way down: the dependent is itself held until its dependents go.
        if (dependentsOf(obj.metadata.uid ?? '').length > 0) {
          await rc.patch(
            name,
            { metadata: { finalizers: [...(obj.metadata.finalizers ?? []), FOREGROUND_FINALIZER] } },
            { type: 'merge', namespace: ns },
          );
        }
        await rc.delete(name, { namespace: ns, propagationPolicy: 'Foreground' });
      } catch (err: unknown) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (deps.length > 0) return { kind: 'requeueAfter', ms: 500 };
    const ns = owner.metadata.namespace ?? '';
    await client
      .resource(kind.resource)
      .patch(
        owner.metadata.name ?? '',
        {
          metadata: {
            finalizers: (owner.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND_FINALIZER),
          },
        },
        { type: 'merge', ...(ns ? { namespace: ns } : {}) },
      )
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    return { kind: 'done' };
  };

  const watches: Watch[] = [];
  for (const [tag, kind] of dependents) {
    watches.push(
      watch(kind.informer, {
        on: ['add', 'update'],
        keys: (o) => (o.metadata.ownerReferences?.length ? [`dep|${tag}|${keyOf(o)}`] : []),
      }),
    );
  }
  for (const [ownerKind, kind] of owners) {
    watches.push(
      watch(kind.informer, {
        keys: (o, _old, event) =>
          event === 'delete'
            ? dependentsOf(o.metadata.uid ?? '').map((d) => `dep|${d.tag}|${keyOf(d.obj)}`)
            : o.metadata.deletionTimestamp
              ? [`owner|${ownerKind}|${keyOf(o)}`]
              : [],
      }),
    );
  }
  // A dependent leaving lets a foreground owner finish.
  for (const kind of dependents.values()) {
    watches.push(
      watch(kind.informer, {
        on: ['delete'],
        keys: (o) =>
          (o.metadata.ownerReferences ?? []).flatMap((ref) => {
            const ownerKind = `${ref.apiVersion}/${ref.kind}`;
            const ok = owners.get(ownerKind);
            if (!ok) return [];
            const ns = ok.resource.namespaced ? (o.metadata.namespace ?? '') : '';
            return [`owner|${ownerKind}|${ns ? `${ns}/${ref.name}` : ref.name}`];
          }),
      }),
    );
  }
  return startController(ctx, {
    name: 'garbagecollector',
    reconcile: async (key) => {
      const [what, tag, objKey] = key.split('|') as [string, string, string];
      return what === 'dep' ? syncDependent(tag, objKey) : syncForegroundOwner(tag, objKey);
    },
    workers: 4,
    watches,
  });
}
