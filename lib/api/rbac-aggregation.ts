/**
 * ClusterRole aggregation, pure (kube-controller-manager's pkg/controller/clusterroleaggregation
 * semantics): the rules a ClusterRole with an `aggregationRule` holds are the union of the rules
 * of every other ClusterRole its selectors match — selectors in order, matched roles by name,
 * each distinct rule once. The controller keeps roles so; the API server seeds the bootstrap
 * policy's aggregated roles with the same function.
 */
import { matchSelector, selectorFromLabelSelector } from './meta.js';
import type { ClusterRole, PolicyRule } from './rbac-v1.js';

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

/**
 * Aggregates within one set of ClusterRoles until nothing changes (an aggregated role may itself
 * be matched by another, as view is by edit): returns the roles whose rules changed, by name.
 */
export function aggregateAll(roles: readonly ClusterRole[]): Map<string, PolicyRule[]> {
  const current = new Map(roles.map((r) => [r.metadata.name ?? '', r]));
  const changed = new Map<string, PolicyRule[]>();
  for (let pass = 0; pass < roles.length + 1; pass++) {
    let moved = false;
    for (const role of current.values()) {
      const rules = aggregatedRules(role, [...current.values()]);
      if (rules === undefined || sameRules(rules, role.rules ?? [])) continue;
      const name = role.metadata.name ?? '';
      current.set(name, { ...role, rules });
      changed.set(name, rules);
      moved = true;
    }
    if (!moved) break;
  }
  return changed;
}
