/**
 * The namespace controller's decisions, pure (pkg/controller/namespace/deletion): which resource
 * types to empty and how, what is left after a pass and how long to wait for it, which
 * conditions the namespace reports meanwhile, and the spec.finalizers it finalizes with.
 * The adapter (namespace.ts) does the discovery, lists and deletes, and writes the results.
 */
import type { NamespaceCondition, Pod } from '../../lib/api/index.js';

/** The finalizer this controller removes once a namespace is empty (core/v1 FinalizerKubernetes). */
export const KUBERNETES_FINALIZER = 'kubernetes';

/** Wait assumed for objects held by finalizers (finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** One resource type discovery reported: its group-version as written, name and verbs. */
export interface DiscoveredList {
  readonly groupVersion: string;
  readonly resources: readonly { readonly name: string; readonly verbs: readonly string[] }[];
}

/** A resource type to empty, and the verbs that decide how. */
export interface DeletionTarget {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  /** Delete everything in one DELETE of the collection; otherwise list and delete each. */
  readonly deleteCollection: boolean;
  /** Whether it can be listed (to delete one by one, and to see what is left). */
  readonly list: boolean;
}

/** The resource types to empty, or the error parsing a group-version (then none, as upstream). */
export type TargetsResult =
  | { readonly kind: 'targets'; readonly targets: readonly DeletionTarget[] }
  | { readonly kind: 'parse-error'; readonly message: string };

/** `group/version` → parts, as schema.ParseGroupVersion; undefined when malformed. */
export function parseGroupVersion(gv: string): { group: string; version: string } | undefined {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] as string };
  if (parts.length === 2) return { group: parts[0] as string, version: parts[1] as string };
  return undefined;
}

/** True for core/v1 pods. */
export function isPods(t: Pick<DeletionTarget, 'group' | 'resource'>): boolean {
  return t.group === '' && t.resource === 'pods';
}

/**
 * Every discovered type that supports `delete` (subresources never reach here). With `podsFirst`
 * (KEP-5080 OrderedNamespaceDeletion) pods lead; the rest follow in a stable order.
 */
export function deletionTargets(lists: readonly DiscoveredList[], podsFirst: boolean): TargetsResult {
  const targets: DeletionTarget[] = [];
  for (const l of lists) {
    const gv = parseGroupVersion(l.groupVersion);
    if (!gv) return { kind: 'parse-error', message: `unexpected GroupVersion string: ${l.groupVersion}` };
    for (const r of l.resources) {
      if (r.name.includes('/') || !r.verbs.includes('delete')) continue;
      targets.push({
        ...gv,
        resource: r.name,
        deleteCollection: r.verbs.includes('deletecollection'),
        list: r.verbs.includes('list'),
      });
    }
  }
  const rank = (t: DeletionTarget): number => (podsFirst && isPods(t) ? 0 : 1);
  targets.sort(
    (a, b) =>
      rank(a) - rank(b) || cmp(a.group, b.group) || cmp(a.resource, b.resource) || cmp(a.version, b.version),
  );
  return { kind: 'targets', targets };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Seconds the pods of a namespace may still need (estimateGracefulTerminationForPods): the
 * longest terminationGracePeriodSeconds of a pod not yet terminal, or 0 once that long has
 * passed since the namespace was deleted.
 */
export function podGraceEstimate(pods: readonly Pod[], deletedAt: string, nowMs: number): number {
  let estimate = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const grace = p.spec.terminationGracePeriodSeconds;
    if (typeof grace === 'number' && grace > estimate) estimate = grace;
  }
  return nowMs - Date.parse(deletedAt) >= estimate * 1000 ? 0 : estimate;
}

/** What is left of one resource type after a pass. */
export interface ResourceOutcome {
  /** Seconds to wait before looking again (0: nothing to wait for). */
  readonly estimate: number;
  readonly remaining: number;
  /** Finalizer → how many remaining objects carry it. */
  readonly finalizers: ReadonlyMap<string, number>;
  /** Objects remain with nothing that explains it. */
  readonly error?: string;
}

/** `/v1, Resource=pods`: how Go prints a GroupVersionResource. */
export function gvrString(t: Pick<DeletionTarget, 'group' | 'version' | 'resource'>): string {
  return `${t.group}/${t.version}, Resource=${t.resource}`;
}

/**
 * Judges what a list after the deletes still shows (deleteAllContentForGroupVersionResource):
 * nothing left is done; left objects wait out the grace estimate, else the finalizer estimate
 * when they carry finalizers; left objects with neither are an error.
 */
export function resourceOutcome(input: {
  readonly namespace: string;
  readonly target: DeletionTarget;
  readonly left: readonly { readonly finalizers?: readonly string[] }[];
  readonly estimate: number;
}): ResourceOutcome {
  const { left, estimate } = input;
  if (left.length === 0) return { estimate: 0, remaining: 0, finalizers: new Map() };
  const finalizers = new Map<string, number>();
  for (const o of left) for (const f of o.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
  if (estimate !== 0) return { estimate, remaining: left.length, finalizers };
  if (finalizers.size > 0)
    return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining: left.length, finalizers };
  return {
    estimate,
    remaining: left.length,
    finalizers,
    error: `unexpected items still remain in namespace: ${input.namespace} for gvr: ${gvrString(input.target)}`,
  };
}

/** The condition types the controller owns, in the order it writes them. */
export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;
/** One of the controller's condition types. */
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Reason and message of each condition when nothing is wrong (status False). */
const OK: Readonly<Record<ConditionType, { readonly reason: string; readonly message: string }>> = {
  NamespaceDeletionDiscoveryFailure: {
    reason: 'ResourcesDiscovered',
    message: 'All resources successfully discovered',
  },
  NamespaceDeletionGroupVersionParsingFailure: {
    reason: 'ParsedGroupVersions',
    message: 'All legacy kube types successfully parsed',
  },
  NamespaceDeletionContentFailure: {
    reason: 'ContentDeleted',
    message: 'All content successfully deleted, may be waiting on finalization',
  },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: {
    reason: 'ContentHasNoFinalizers',
    message: 'All content-preserving finalizers finished',
  },
};

/** A condition as a pass wants it, before timestamps. */
export interface WantedCondition {
  readonly type: ConditionType;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** Everything one pass learned. */
export interface PassReport {
  /** Group-versions discovery could not read, with why. */
  readonly discoveryFailures: readonly { readonly groupVersion: string; readonly message: string }[];
  /** Discovery failed as a whole (the group lists themselves could not be read). */
  readonly discoveryError?: string;
  readonly parseError?: string;
  /** Per resource type: what is left, or why it could not be emptied. */
  readonly outcomes: readonly {
    readonly target: DeletionTarget;
    readonly outcome?: ResourceOutcome;
    readonly error?: string;
  }[];
}

/** What a pass concludes: how long to wait, what went wrong, which conditions to report. */
export interface PassSummary {
  readonly estimate: number;
  /** Every failure of the pass; any of them means no finalize this time. */
  readonly errors: readonly string[];
  readonly conditions: readonly WantedCondition[];
}

/** Folds a pass into its estimate, errors and conditions (deleteAllContent + status_condition_utils). */
export function summarizePass(report: PassReport): PassSummary {
  const errors: string[] = [];
  const failing = new Map<ConditionType, WantedCondition>();
  const fail = (type: ConditionType, reason: string, message: string): void => {
    failing.set(type, { type, status: 'True', reason, message });
  };
  if (report.discoveryFailures.length > 0) {
    const detail = report.discoveryFailures.map((f) => `${f.groupVersion}: ${f.message}`).join(', ');
    const message = `unable to retrieve the complete list of server APIs: ${detail}`;
    errors.push(message);
    fail(
      'NamespaceDeletionDiscoveryFailure',
      'DiscoveryFailed',
      `Discovery failed for some groups, ${report.discoveryFailures.length} failing: ${message}`,
    );
  }
  if (report.discoveryError !== undefined) {
    errors.push(report.discoveryError);
    fail('NamespaceDeletionDiscoveryFailure', 'DiscoveryFailed', report.discoveryError);
  }
  if (report.parseError !== undefined) {
    errors.push(report.parseError);
    fail('NamespaceDeletionGroupVersionParsingFailure', 'GroupVersionParsingFailed', report.parseError);
  }
  let estimate = 0;
  const contentErrors: string[] = [];
  const remaining: string[] = [];
  const byFinalizer = new Map<string, number>();
  for (const { target, outcome, error } of report.outcomes) {
    const problem = error ?? outcome?.error;
    if (problem !== undefined) contentErrors.push(problem);
    if (!outcome) continue;
    estimate = Math.max(estimate, outcome.estimate);
    if (outcome.remaining > 0) {
      remaining.push(`${target.resource}.${target.group} has ${outcome.remaining} resource instances`);
      for (const [f, n] of outcome.finalizers) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + n);
    }
  }
  errors.push(...contentErrors);
  if (contentErrors.length > 0) {
    fail(
      'NamespaceDeletionContentFailure',
      'ContentDeletionFailed',
      `Failed to delete all resource types, ${contentErrors.length} remaining: ${[...contentErrors].sort().join(', ')}`,
    );
  }
  if (remaining.length > 0) {
    fail(
      'NamespaceContentRemaining',
      'SomeResourcesRemain',
      `Some resources are remaining: ${remaining.sort().join(', ')}`,
    );
  }
  const held = [...byFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`);
  if (held.length > 0) {
    fail(
      'NamespaceFinalizersRemaining',
      'SomeFinalizersRemain',
      `Some content in the namespace has finalizers remaining: ${held.sort().join(', ')}`,
    );
  }
  const conditions = CONDITION_TYPES.map(
    (type) => failing.get(type) ?? { type, status: 'False' as const, ...OK[type] },
  );
  return { estimate, errors, conditions };
}

/**
 * The namespace's conditions with the wanted ones merged in (updateConditions): a missing type
 * is added; a changed one takes the new status, reason and message, and a new transition time
 * only when its status changed. Conditions of other types stay as they are.
 */
export function mergeConditions(
  current: readonly NamespaceCondition[],
  wanted: readonly WantedCondition[],
  now: string,
): { readonly conditions: NamespaceCondition[]; readonly changed: boolean } {
  const conditions = current.map((c) => ({ ...c }));
  let changed = false;
  for (const w of wanted) {
    const old = conditions.find((c) => c.type === w.type);
    if (!old) {
      conditions.push({
        type: w.type,
        status: w.status,
        lastTransitionTime: now,
        reason: w.reason,
        message: w.message,
      });
      changed = true;
    } else if (old.status !== w.status || old.reason !== w.reason || old.message !== w.message) {
      if (old.status !== w.status) old.lastTransitionTime = now;
      old.status = w.status;
      old.reason = w.reason;
      old.message = w.message;
      changed = true;
    }
  }
  return { conditions, changed };
}

/** Seconds to wait for remaining content before the next pass (the controller's estimate/2 + 1). */
export function requeueSeconds(estimate: number): number {
  return Math.floor(estimate / 2) + 1;
}

/** spec.finalizers once this controller is done: the others, sorted and deduplicated. */
export function finalizedSpec(finalizers: readonly string[]): string[] {
  return [...new Set(finalizers.filter((f) => f !== KUBERNETES_FINALIZER))].sort();
}
