/**
 * The Deployment controller's adapter: reads the Deployment and the ReplicaSets it controls from
 * the informers, runs `planDeployment`, and applies the plan (create/scale/delete ReplicaSets,
 * revision annotation, status). Every ReplicaSet or pod change re-syncs the owner.
 */
import type { Deployment, Pod, ReplicaSet } from '../../lib/api/index.js';
import { splitObjectKey } from '../../lib/api/meta.js';
import {
  deploymentsResource,
  isAlreadyExists,
  isConflict,
  isNotFound,
  replicaSetsResource,
} from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import {
  BY_OWNER,
  type ControllerContext,
  controllerRef,
  ownerKey,
  type RunningController,
  startController,
} from './context.js';
import { planDeployment, REVISION } from './deployment-plan.js';
import { isPodActive, isPodAvailable } from './pods.js';

function sameStatus(a: Deployment['status'], b: NonNullable<Deployment['status']>): boolean {
  const strip = (s: Deployment['status']): string =>
    JSON.stringify({
      ...s,
      conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
    });
  return strip(a) === strip(b);
}

/** Starts the Deployment controller's handlers. */
export function deploymentController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const rsClient = client.resource(replicaSetsResource);
  const dClient = client.resource(deploymentsResource);

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const d = inf.deployments.cache.get(key);
    if (!d || d.metadata.deletionTimestamp) return { kind: 'done' };
    const { namespace } = splitObjectKey(key);
    const owned = inf.replicaSets.cache
      .byIndex(BY_OWNER, d.metadata.uid ?? '')
      .filter((rs) => controllerRef(rs)?.uid === d.metadata.uid && !rs.metadata.deletionTimestamp);
    const now = ctx.clock.now();
    const available = (rs: ReplicaSet): number =>
      inf.pods.cache
        .byIndex(BY_OWNER, rs.metadata.uid ?? '')
        .filter((p: Pod) => isPodActive(p) && isPodAvailable(p, d.spec.minReadySeconds ?? 0, now)).length;
    const plan = planDeployment({ deployment: d, replicaSets: owned, available, now });
    let wrote = false;
    if (plan.create) {
      try {
        await rsClient.create(plan.create, { namespace });
        wrote = true;
      } catch (err: unknown) {
        // A ReplicaSet of that name exists but is not ours (or the cache lags): look again.
        if (!isAlreadyExists(err)) throw err;
        return { kind: 'requeueAfter', ms: 200 };
      }
    }
    for (const a of plan.scale) {
      const rs = inf.replicaSets.cache.get(`${namespace}/${a.name}`);
      if (!rs) continue;
      await rsClient.update(
        {
          ...rs,
          metadata: { ...rs.metadata, annotations: { ...rs.metadata.annotations, ...a.annotations } },
          spec: { ...rs.spec, replicas: a.replicas },
        },
        { namespace },
      );
      wrote = true;
    }
    for (const name of plan.deleteOld) {
      await rsClient.delete(name, { namespace, propagationPolicy: 'Background' }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    if (d.metadata.annotations?.[REVISION] !== plan.revision) {
      // An update, not a patch: the deployment controller's role grants update on deployments
      // and no patch (system:controller:deployment-controller); a stale cache gets 409 and a retry.
      await dClient.update(
        {
          ...d,
          metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION]: plan.revision } },
        },
        { namespace },
      );
      wrote = true;
    }
    if (!wrote && !sameStatus(d.status, plan.status)) {
      await dClient.updateStatus({ ...d, status: plan.status }, { namespace });
    }
    return { kind: 'done' };
  };

  // A pod's change reaches its Deployment through its ReplicaSet.
  const podOwner = (p: Pod): string[] => {
    const rs = ownerKey(p, 'ReplicaSet')[0];
    const owner = rs === undefined ? undefined : inf.replicaSets.cache.get(rs);
    return owner ? ownerKey(owner, 'Deployment') : [];
  };
  return startController(ctx, {
    name: 'deployment',
    reconcile: async (key) => {
      try {
        return await reconcile(key);
      } catch (err: unknown) {
        // The cache is behind the object we wrote: sync again when it catches up.
        if (isConflict(err)) return { kind: 'requeueAfter', ms: 100 };
        // Deleted while we worked: the next event (if any) says what to do.
        if (isNotFound(err)) return { kind: 'done' };
        throw err;
      }
    },
    watches: [
      watch(inf.deployments, { on: ['add', 'update'] }),
      watch(inf.replicaSets, { keys: (rs) => ownerKey(rs, 'Deployment') }),
      watch(inf.pods, { on: ['update', 'delete'], keys: podOwner }),
    ],
  });
}
