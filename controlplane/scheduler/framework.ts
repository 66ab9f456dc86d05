/**
 * The pure scheduling cycle: filter every node, score the feasible ones, pick the best
 * (kube-scheduler's schedulePod: findNodesThatFitPod → prioritizeNodes → selectHost). No I/O,
 * so every decision is a table test.
 */
import type { NodeState, PodInfo } from './info.js';
import { DEFAULT_FILTERS, DEFAULT_SCORES, type FilterPlugin, type ScorePlugin } from './plugins.js';

/** The plugins of one scheduling profile, in run order. */
export interface Profile {
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly ScorePlugin[];
}

/** The default profile. */
export const DEFAULT_PROFILE: Profile = { filters: DEFAULT_FILTERS, scores: DEFAULT_SCORES };

/** The outcome of one cycle. */
export type Decision =
  | {
      readonly kind: 'bind';
      readonly node: string;
      readonly score: number;
      readonly feasible: number;
      /** Nodes filtered this cycle; the next cycle should start after them. */
      readonly evaluated: number;
    }
  | {
      readonly kind: 'unschedulable';
      /** "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {k: v}." */
      readonly message: string;
      /** Why each node was rejected. */
      readonly reasons: ReadonlyMap<string, readonly string[]>;
    };

/** Options of `schedulePod`. */
export interface ScheduleOptions {
  readonly profile?: Profile;
  /** In [0,1): breaks ties between equally good nodes (kube-scheduler samples uniformly). */
  readonly random?: () => number;
  /**
   * Stop filtering once this share of the nodes (in %) is feasible: kube-scheduler's
   * percentageOfNodesToScore. Default adaptive as upstream: 50 − nodes/125, at least 5 %, and
   * never fewer than 100 nodes; 100 evaluates every node.
   */
  readonly percentageOfNodesToScore?: number;
  /** Where the round-robin over nodes starts (kube-scheduler's nextStartNodeIndex). */
  readonly startIndex?: number;
}

/** How many feasible nodes end the search (numFeasibleNodesToFind in schedule_one.go). */
export function feasibleNodesToFind(total: number, percentage?: number): number {
  if (total < 100 || percentage === 100) return total;
  const pct = percentage ?? Math.max(5, 50 - Math.floor(total / 125));
  return Math.min(total, Math.max(100, Math.floor((total * pct) / 100)));
}

/** Runs filters in order; the first rejecting plugin gives the node's reasons. */
export function filterNode(
  filters: readonly FilterPlugin[],
  pod: PodInfo,
  state: NodeState,
): readonly string[] | undefined {
  for (const f of filters) {
    const reasons = f.filter(pod, state);
    if (reasons !== undefined && reasons.length > 0) return reasons;
  }
  return undefined;
}

/**
 * The FitError text: reasons counted over nodes, most frequent first, then alphabetically
 * (kube-scheduler's "0/N nodes are available: …." format).
 */
export function fitErrorMessage(total: number, reasons: ReadonlyMap<string, readonly string[]>): string {
  const counts = new Map<string, number>();
  for (const list of reasons.values()) for (const r of new Set(list)) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([r, n]) => `${n} ${r}`);
  return parts.length === 0
    ? `0/${total} nodes are available: no nodes available to schedule pods.`
    : `0/${total} nodes are available: ${parts.join(', ')}.`;
}

function normalized(plugin: ScorePlugin, raw: readonly number[]): number[] {
  if (plugin.normalize === 'none') return [...raw];
  const max = Math.max(0, ...raw);
  if (plugin.normalize === 'scale') return raw.map((r) => (max === 0 ? 0 : (r * 100) / max));
  return raw.map((r) => (max === 0 ? 100 : ((max - r) * 100) / max));
}

/** Picks a node for `pod` among `nodes`, or explains per node why none fits. */
export function schedulePod(
  pod: PodInfo,
  nodes: readonly NodeState[],
  options: ScheduleOptions = {},
): Decision {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const feasible: NodeState[] = [];
  const reasons = new Map<string, readonly string[]>();
  const want = feasibleNodesToFind(nodes.length, options.percentageOfNodesToScore);
  const start = nodes.length === 0 ? 0 : (options.startIndex ?? 0) % nodes.length;
  let evaluated = 0;
  for (; evaluated < nodes.length && feasible.length < want; evaluated++) {
    const state = nodes[(start + evaluated) % nodes.length]!;
    const why = filterNode(profile.filters, pod, state);
    if (why === undefined) feasible.push(state);
    else reasons.set(state.node.name, why);
  }
  if (feasible.length === 0)
    return { kind: 'unschedulable', message: fitErrorMessage(nodes.length, reasons), reasons };
  const first = feasible[0]!;
  if (feasible.length === 1) return { kind: 'bind', node: first.node.name, score: 0, feasible: 1, evaluated };
  const totals = new Array<number>(feasible.length).fill(0);
  for (const plugin of profile.scores) {
    const scores = normalized(
      plugin,
      feasible.map((s) => plugin.score(pod, s)),
    );
    for (let i = 0; i < totals.length; i++) totals[i]! += scores[i]! * plugin.weight;
  }
  // selectHost: uniform choice among the top scores (reservoir sampling in kube-scheduler).
  const random = options.random ?? Math.random;
  let best = Number.NEGATIVE_INFINITY;
  let chosen = 0;
  let ties = 0;
  for (let i = 0; i < totals.length; i++) {
    const t = totals[i]!;
    if (t > best + 1e-9) {
      best = t;
      chosen = i;
      ties = 1;
    } else if (Math.abs(t - best) <= 1e-9) {
      ties += 1;
      if (random() * ties < 1) chosen = i;
    }
  }
  return {
    kind: 'bind',
    node: feasible[chosen]!.node.name,
    score: best,
    feasible: feasible.length,
    evaluated,
  };
}
