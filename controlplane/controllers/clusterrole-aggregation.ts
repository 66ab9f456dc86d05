/**
 * The ClusterRole aggregation controller (kube-controller-manager's
 * pkg/controller/clusterroleaggregation): a ClusterRole with an `aggregationRule` gets, as its
 * rules, the union of the rules of every other ClusterRole one of its selectors matches —
 * selectors in order, matched roles by name, each distinct rule once. Level-triggered: any
 * ClusterRole change requeues every aggregated role, and a hand edit of an aggregated role's
 * rules is overwritten at the next sync.
 */
import { matchSelector, selectorFromLabelSelector } from '../../lib/api/meta.js';
import type { ClusterRole, PolicyRule } from '../../lib/api/rbac-v1.js';
import { clusterRolesResource } from '../../lib/client/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, makeController, type RunningController } from './context.js';

/** A rule in one canonical form, so equal rules compare equal (absent and empty lists alike). */
function canonical(r: PolicyRule): string {
  const list = (v: readonly string[] | undefined) => (v && v.length > 0 ? v : undefined);
  return JSON.stringify([
    r.verbs,
    list(r.apiGroups),
    list(r.resources),
    list(r.resourceNames),
    list(r.nonResourceURLs),
  ]);
}

/**
 * Pure: the rules `target` should hold, from `all` ClusterRoles; undefined when `target` has no
 * aggregationRule (or an invalid selector, which validation refuses anyway).
 */
export function aggregatedRules(target: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = target.aggregationRule?.clusterRoleSelectors;
  if (!selectors || selectors.length === 0) return undefined;
  const byName = [...all].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const sel of selectors) {
    let selector: ReturnType<typeof selectorFromLabelSelector>;
    try {
      selector = selectorFromLabelSelector(sel);
    } catch {
      return undefined;
    }
    for (const role of byName) {
      if (role.metadata.name === target.metadata.name) continue;
      if (!matchSelector(selector, role.metadata.labels)) continue;
      for (const rule of role.rules ?? []) {
        const key = canonical(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(rule);
      }
    }
  }
  return out;
}

/** True when two rule lists are the same, in order. */
export function sameRules(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((r, i) => canonical(r) === canonical(b[i] as PolicyRule));
}

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
  const controller = makeController(ctx, 'clusterrole-aggregation', reconcile, 1);
  // Any ClusterRole change may change what an aggregated role gathers: requeue all of them.
  const requeueAll = (): void => {
    for (const r of roles.cache.list()) {
      if ((r.aggregationRule?.clusterRoleSelectors ?? []).length > 0)
        controller.enqueue(r.metadata.name ?? '');
    }
  };
  const detach = roles.addEventHandler({ onAdd: requeueAll, onUpdate: requeueAll, onDelete: requeueAll });
  return { name: 'clusterroleaggregation', controller, detach };
}
