/**
 * The ClusterRole aggregation controller (kube-controller-manager's
 * pkg/controller/clusterroleaggregation): a ClusterRole with an `aggregationRule` gets, as its
 * rules, the union of the rules of every other ClusterRole one of its selectors matches —
 * selectors in order, matched roles by name, each distinct rule once. Level-triggered: any
 * ClusterRole change requeues every aggregated role, and a hand edit of an aggregated role's
 * rules is overwritten at the next sync.
 */
import { aggregatedRules, sameRules } from '../../lib/api/rbac-aggregation.js';
import { clusterRolesResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, startController } from './context.js';

/** Starts the controller: one key per aggregated ClusterRole. */
export function clusterRoleAggregationController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const roles = inf.clusterRoles;
  const reconcile = async (name: string): Promise<ReconcileResult> => {
    const target = roles.cache.get(name);
    if (!target) return { kind: 'done' };
    const rules = aggregatedRules(target, roles.cache.list());
    if (rules === undefined || sameRules(rules, target.rules ?? [])) return { kind: 'done' };
    // An update at the cached version: a conflict (the role moved) retries from the fresh cache.
    await client.resource(clusterRolesResource).update({ ...structuredClone(target), rules });
    ctx.logger.info('aggregated cluster role', { name, rules: rules.length });
    return { kind: 'done' };
  };
  // Any ClusterRole change may change what an aggregated role gathers: requeue all of them.
  const aggregated = (): string[] =>
    roles.cache
      .list()
      .filter((r) => (r.aggregationRule?.clusterRoleSelectors ?? []).length > 0)
      .map((r) => r.metadata.name ?? '');
  return startController(ctx, {
    name: 'clusterroleaggregation',
    reconcile,
    workers: 1,
    watches: [watch(roles, { keys: aggregated })],
  });
}
