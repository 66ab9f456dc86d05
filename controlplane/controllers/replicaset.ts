/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods owned by each ReplicaSet and
 * reports counts in its status. The plan is pure (`planReplicaSet`); the adapter creates and
 * deletes pods and remembers what it asked for until the informer shows it (client-go's
 * "expectations"), so a lagging cache never causes double creations.
 */
import type { Pod, ReplicaSet } from '../../lib/api/index.js';
import { splitObjectKey } from '../../lib/api/meta.js';
import { isConflict, isNotFound, replicaSetsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import {
  type ControllerContext,
  controlledPods,
  type RunningController,
  startController,
} from './context.js';
import { controllerOwnerRef, PodControl } from './pod-control.js';
import { deletionOrder, isPodActive, isPodAvailable, isPodReady, podFromTemplate } from './pods.js';

/** ReplicaSet status fields the controller owns. */
export type ReplicaSetStatus = NonNullable<ReplicaSet['status']>;

/** What to do for one ReplicaSet. */
export interface ReplicaSetPlan {
  readonly create: number;
  readonly delete: readonly Pod[];
  readonly status: ReplicaSetStatus;
}

/** Pure: pods to create or delete, and the status to report, for `rs` and the pods it owns. */
export function planReplicaSet(rs: ReplicaSet, owned: readonly Pod[], now: number): ReplicaSetPlan {
  const want = rs.spec.replicas ?? 1;
  const active = owned.filter(isPodActive);
  const diff = active.length - want;
  const minReady = rs.spec.minReadySeconds ?? 0;
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) =>
      Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
    ).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (diff < 0) return { create: -diff, delete: [], status };
  if (diff > 0) return { create: 0, delete: [...active].sort(deletionOrder).slice(0, diff), status };
  return { create: 0, delete: [], status };
}

const RS_REF = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

function sameStatus(a: ReplicaSet['status'], b: ReplicaSetStatus): boolean {
  return (
    a !== undefined &&
    a.replicas === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === b.fullyLabeledReplicas &&
    (a.readyReplicas ?? 0) === b.readyReplicas &&
    (a.availableReplicas ?? 0) === b.availableReplicas &&
    (a.observedGeneration ?? 0) === b.observedGeneration
  );
}

/** Starts the ReplicaSet controller's handlers; run the returned controller while leading. */
export function replicaSetController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const podControl = new PodControl(client);
  const rsClient = client.resource(replicaSetsResource);

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const rs = inf.replicaSets.cache.get(key);
    if (!rs || rs.metadata.deletionTimestamp) {
      podControl.expectations.forget(key);
      return { kind: 'done' };
    }
    const { namespace, name } = splitObjectKey(key);
    const plan = planReplicaSet(
      rs,
      podControl.expectations.adjust(key, controlledPods(inf, rs)),
      ctx.clock.now(),
    );
    if (plan.create > 0) {
      const owner = controllerOwnerRef(rs, RS_REF);
      const todo = Array.from({ length: plan.create }, () =>
        podFromTemplate(rs.spec.template, { namespace, generateName: `${name}-`, owner }),
      );
      await podControl.create(key, namespace, todo);
    }
    await podControl.delete(key, namespace, plan.delete);
    if (plan.create === 0 && plan.delete.length === 0 && !sameStatus(rs.status, plan.status)) {
      try {
        await rsClient.updateStatus({ ...rs, status: plan.status }, { namespace });
      } catch (err: unknown) {
        if (isConflict(err)) return { kind: 'requeueAfter', ms: 50 };
        if (!isNotFound(err)) throw err;
      }
    }
    // minReadySeconds: look again when the next pod becomes available.
    const minReady = rs.spec.minReadySeconds ?? 0;
    if (minReady > 0 && plan.status.availableReplicas !== plan.status.readyReplicas)
      return { kind: 'requeueAfter', ms: minReady * 1000 };
    return { kind: 'done' };
  };

  return startController(ctx, {
    name: 'replicaset',
    reconcile,
    workers: 4,
    watches: [watch(inf.replicaSets), podControl.watchOwnedPods(inf.pods, 'ReplicaSet')],
  });
}
