/**
 * The disruption controller's pure core (pkg/controller/disruption): from a budget, the pods its
 * selector matches and the scale of their controllers, the status to report.
 *
 * - expectedPods: with an integer `minAvailable`, the number of matching pods; with a percentage
 *   `minAvailable` or any `maxUnavailable`, the sum of `spec.replicas` of the pods' controllers
 *   (each counted once; a ReplicaSet owned by a Deployment counts as the Deployment). Pods with
 *   no controller are left out of that sum; a controller that cannot be found fails the sync.
 * - desiredHealthy: `minAvailable` (percentages of expectedPods, rounded up) or expectedPods
 *   minus `maxUnavailable` (rounded up), never below 0.
 * - currentHealthy: Ready pods that are neither terminating nor recently evicted (in
 *   `disruptedPods` for less than two minutes).
 * - disruptionsAllowed: currentHealthy − desiredHealthy, 0 when negative or nothing is expected.
 */
import {
  DISRUPTION_ALLOWED_CONDITION,
  type MetaCondition,
  matchSelector,
  type Pod,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
  selectorFromLabelSelector,
} from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import { isPodReady } from './pods.js';

/** How long an eviction's entry in `disruptedPods` holds a pod out of the healthy count (DeletionTimeout). */
const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;

/** A pod's controller as far as the budget is concerned: its uid and scale, or why it is unknown. */
export type ControllerScale =
  | { readonly kind: 'scale'; readonly uid: string; readonly replicas: number }
  | { readonly kind: 'unmanaged' }
  | { readonly kind: 'missing'; readonly message: string };

/** What the controller reports for one budget. */
export interface DisruptionPlan {
  readonly status: PodDisruptionBudgetStatus;
  /** When to look again (an entry of disruptedPods expiring), in ms from now. */
  readonly recheckAfterMs?: number;
}

/** Whether the budget's selector selects the pod (policy/v1: a null selector none, an empty one all). */
export function budgetSelectsPod(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const sel = pdb.spec.selector;
  if (!sel) return false;
  try {
    return matchSelector(selectorFromLabelSelector(sel), pod.metadata.labels);
  } catch {
    return false;
  }
}

/** intstr.GetScaledValueFromIntOrPercent: an int as is, a percentage of `total` rounded up (or down). */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** apimeta.SetStatusCondition for DisruptionAllowed: the transition time moves only when the status flips. */
function withCondition(
  conditions: readonly MetaCondition[] | undefined,
  next: { status: 'True' | 'False'; reason: string; message: string; observedGeneration: number },
  now: number,
): MetaCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  const prev = i === -1 ? undefined : list[i];
  const cond = {
    type: DISRUPTION_ALLOWED_CONDITION,
    status: next.status,
    observedGeneration: next.observedGeneration,
    lastTransitionTime:
      prev && prev.status === next.status && prev.lastTransitionTime
        ? prev.lastTransitionTime
        : formatTime(now),
    reason: next.reason,
    message: next.message,
  };
  if (i === -1) list.push(cond);
  else list[i] = cond;
  return list;
}

/** The status of a budget whose sync failed (failSafe): nothing may be disrupted. */
export function failSafeStatus(
  pdb: PodDisruptionBudget,
  message: string,
  now: number,
): PodDisruptionBudgetStatus {
  const old = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  return {
    ...old,
    disruptionsAllowed: 0,
    conditions: withCondition(
      old.conditions,
      { status: 'False', reason: 'SyncFailed', message, observedGeneration: old.observedGeneration ?? 0 },
      now,
    ),
  };
}

/** Pure: the status of `pdb` given its matching pods and their controllers' scale. */
export function planDisruptionBudget(
  pdb: PodDisruptionBudget,
  pods: readonly Pod[],
  controllerOf: (pod: Pod) => ControllerScale,
  now: number,
): DisruptionPlan | { readonly error: string } {
  const spec = pdb.spec;
  let expected = 0;
  let desired = 0;
  const expectedScale = (): number | { error: string } => {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const c = controllerOf(pod);
      if (c.kind === 'unmanaged') continue;
      if (c.kind === 'missing') return { error: c.message };
      scales.set(c.uid, c.replicas);
    }
    let sum = 0;
    for (const n of scales.values()) sum += n;
    return sum;
  };
  try {
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      const scale = expectedScale();
      if (typeof scale !== 'number') return scale;
      expected = scale;
      desired = Math.max(0, expected - scaledValue(spec.maxUnavailable, expected, true));
    } else if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
      if (typeof spec.minAvailable === 'number') {
        desired = spec.minAvailable;
        expected = pods.length;
      } else {
        const scale = expectedScale();
        if (typeof scale !== 'number') return scale;
        expected = scale;
        desired = scaledValue(spec.minAvailable, expected, true);
      }
    }
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  // buildDisruptedPodMap: keep entries of live pods whose eviction is recent.
  const old = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  let recheck: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp !== undefined) continue;
    const at = old[name];
    if (at === undefined) continue;
    const expires = Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS;
    if (expires <= now) continue;
    disrupted[name] = at;
    recheck = recheck === undefined ? expires - now : Math.min(recheck, expires - now);
  }
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp !== undefined) continue;
    if (disrupted[pod.metadata.name ?? ''] !== undefined) continue;
    if (isPodReady(pod)) healthy++;
  }
  const allowedRaw = healthy - desired;
  const allowed = expected <= 0 || allowedRaw <= 0 ? 0 : allowedRaw;
  const generation = pdb.metadata.generation ?? 0;
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: withCondition(
      pdb.status?.conditions,
      allowed > 0
        ? { status: 'True', reason: 'SufficientPods', message: '', observedGeneration: generation }
        : { status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: generation },
      now,
    ),
  };
  return recheck === undefined ? { status } : { status, recheckAfterMs: recheck };
}

/** Whether two statuses say the same (so no write is needed). */
export function sameBudgetStatus(
  a: PodDisruptionBudgetStatus | undefined,
  b: PodDisruptionBudgetStatus,
): boolean {
  return a !== undefined && JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(s: PodDisruptionBudgetStatus): unknown {
  return {
    o: s.observedGeneration ?? 0,
    d: Object.entries(s.disruptedPods ?? {}).sort(),
    a: s.disruptionsAllowed,
    c: s.currentHealthy,
    h: s.desiredHealthy,
    e: s.expectedPods,
    k: (s.conditions ?? []).map((c) => [
      c.type,
      c.status,
      c.reason ?? '',
      c.message ?? '',
      c.lastTransitionTime ?? '',
    ]),
  };
}
