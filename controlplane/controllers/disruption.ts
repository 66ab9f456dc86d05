/**
 * The disruption controller: keeps each PodDisruptionBudget's status (expected, desired and
 * current healthy pods, disruptions allowed, the DisruptionAllowed condition, disruptedPods)
 * from the pods its selector matches and their controllers' scale. The eviction subresource
 * reads that status and decrements it; this controller re-derives it from the pods.
 */
import type { Pod } from '../../lib/api/index.js';
import { keyOf, splitObjectKey } from '../../lib/api/meta.js';
import { isConflict, isNotFound, podDisruptionBudgetsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import {
  BY_NAMESPACE,
  type ControllerContext,
  controllerRef,
  type RunningController,
  startController,
} from './context.js';
import {
  budgetSelectsPod,
  type ControllerScale,
  failSafeStatus,
  planDisruptionBudget,
  sameBudgetStatus,
} from './disruption-plan.js';

/** Starts the disruption controller's handlers; run the returned controller while leading. */
export function disruptionController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const pdbClient = client.resource(podDisruptionBudgetsResource);

  /** The finders upstream has for the kinds served here: ReplicaSet (or its Deployment), Deployment. */
  const controllerOf = (pod: Pod): ControllerScale => {
    const ref = controllerRef(pod);
    if (!ref) return { kind: 'unmanaged' };
    const ns = pod.metadata.namespace ?? '';
    const missing: ControllerScale = {
      kind: 'missing',
      message: `found no controllers for pod "${pod.metadata.name ?? ''}"`,
    };
    if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/')) {
      const rs = inf.replicaSets.cache.get(`${ns}/${ref.name}`);
      if (!rs || rs.metadata.uid !== ref.uid) return missing;
      const owner = controllerRef(rs);
      if (owner?.kind === 'Deployment') {
        const d = inf.deployments.cache.get(`${ns}/${owner.name}`);
        if (!d || d.metadata.uid !== owner.uid) return missing;
        return { kind: 'scale', uid: owner.uid, replicas: d.spec.replicas ?? 1 };
      }
      return { kind: 'scale', uid: ref.uid, replicas: rs.spec.replicas ?? 1 };
    }
    return missing;
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const pdb = inf.podDisruptionBudgets.cache.get(key);
    if (!pdb || pdb.metadata.deletionTimestamp) return { kind: 'done' };
    const { namespace } = splitObjectKey(key);
    const pods = inf.pods.cache.byIndex(BY_NAMESPACE, namespace).filter((p) => budgetSelectsPod(pdb, p));
    const now = ctx.clock.now();
    const plan = planDisruptionBudget(pdb, pods, controllerOf, now);
    const status = 'error' in plan ? failSafeStatus(pdb, plan.error, now) : plan.status;
    if (!sameBudgetStatus(pdb.status, status)) {
      try {
        await pdbClient.updateStatus({ ...pdb, status }, { namespace });
      } catch (err: unknown) {
        if (isConflict(err)) return { kind: 'requeueAfter', ms: 50 };
        if (!isNotFound(err)) throw err;
      }
    }
    if ('error' in plan) return { kind: 'requeueAfter', ms: 5000 };
    if (plan.recheckAfterMs !== undefined) return { kind: 'requeueAfter', ms: plan.recheckAfterMs + 10 };
    return { kind: 'done' };
  };

  const budgetsFor = (pod: Pod): string[] =>
    inf.podDisruptionBudgets.cache
      .byIndex(BY_NAMESPACE, pod.metadata.namespace ?? '')
      .filter((pdb) => budgetSelectsPod(pdb, pod))
      .map(keyOf);
  const budgetsIn = (o: { metadata: { namespace?: string } }): string[] =>
    inf.podDisruptionBudgets.cache.byIndex(BY_NAMESPACE, o.metadata.namespace ?? '').map(keyOf);
  return startController(ctx, {
    name: 'disruption',
    reconcile,
    workers: 2,
    watches: [
      watch(inf.podDisruptionBudgets, { on: ['add', 'update'] }),
      watch(inf.pods, { keys: (p, old) => (old ? [...budgetsFor(old), ...budgetsFor(p)] : budgetsFor(p)) }),
      // A scale change moves expectedPods of budgets counting by scale.
      watch(inf.replicaSets, { keys: budgetsIn }),
      watch(inf.deployments, { keys: budgetsIn }),
    ],
  });
}
