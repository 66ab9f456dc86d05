/**
 * When a DELETE does not remove the object at once (apiserver's graceful deletion,
 * pkg/registry/rest/delete.go BeforeDelete): finalizers hold any object, and a kind's strategy
 * may replace that rule with its own grace period (pods, strategies/pod.ts). The request's
 * propagation policy becomes the garbage collector's finalizers. Namespaces have their own
 * first step (strategies/namespace.ts). Pure: the caller passes the clock.
 */

import type { JsonObject } from '../../lib/api/json.js';
import { formatTime } from '../../lib/api/time.js';
import { metaOf, metaString } from './object-meta.js';
import type { DeleteOptions } from './registry/types.js';
import type { ResourceInfo } from './resources.js';
import { type ApiError, invalidError } from './status.js';
import { type DeletionHold, strategyOf } from './strategies/index.js';

export type { DeletionHold } from './strategies/index.js';

/** Finalizer asking the garbage collector to delete dependents first (metav1.FinalizerDeleteDependents). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** Finalizer asking the garbage collector to orphan dependents first (metav1.FinalizerOrphanDependents). */
export const ORPHAN_FINALIZER = 'orphan';

/** meta/v1 DeletionPropagation values. */
export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

const POLICIES: readonly string[] = ['Orphan', 'Background', 'Foreground'];

/** The string entries of `metadata.finalizers` (absent or malformed: none). */
export function finalizersOf(o: JsonObject): string[] {
  const f = metaOf(o).finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

/** The request's propagation policy, from `propagationPolicy` or the deprecated `orphanDependents`. */
export function propagationPolicyOf(options: DeleteOptions): PropagationPolicy | undefined {
  const policy = options.propagationPolicy;
  const problem = (field: string, reason: string, message: string): ApiError =>
    invalidError({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [{ reason, field, message }]);
  if (policy !== undefined && !POLICIES.includes(policy)) {
    throw problem(
      'propagationPolicy',
      'FieldValueNotSupported',
      `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  if (options.orphanDependents !== undefined) {
    // apimachinery ValidateDeleteOptions: the two may not be combined.
    if (policy !== undefined) {
      throw problem(
        'orphanDependents',
        'FieldValueInvalid',
        `Invalid value: ${options.orphanDependents}: orphanDependents and deletionPropagation cannot be both set`,
      );
    }
    return options.orphanDependents ? 'Orphan' : 'Background';
  }
  return policy as PropagationPolicy | undefined;
}

/**
 * The finalizers an object carries after a DELETE with `policy` (apiserver's
 * deletionFinalizersForGarbageCollection): Orphan adds `orphan` and drops `foregroundDeletion`,
 * Foreground the reverse, Background drops both. Without a policy the object's own finalizers
 * decide (apps/v1 and core/v1 default to Background), so they are kept as they are.
 */
export function gcFinalizers(current: readonly string[], policy: PropagationPolicy | undefined): string[] {
  if (policy === undefined) return [...current];
  const rest = current.filter((f) => f !== FOREGROUND_FINALIZER && f !== ORPHAN_FINALIZER);
  if (policy === 'Orphan') return [...rest, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...rest, FOREGROUND_FINALIZER];
  return rest;
}

/** Why a delete cannot complete at once, or undefined when the object can go now. */
export function deletionHold(input: {
  readonly info: Pick<ResourceInfo, 'group' | 'kind'>;
  readonly current: JsonObject;
  readonly options: DeleteOptions;
  readonly now: Date;
}): DeletionHold | undefined {
  const { info, current, options, now } = input;
  const graceful = strategyOf(info).checkGracefulDelete;
  if (graceful) return graceful(current, options, now);
  const finalizers = metaOf(current).finalizers;
  if (Array.isArray(finalizers) && finalizers.length > 0)
    return { deadline: metaString(current, 'deletionTimestamp') ?? formatTime(now), grace: 0 };
  return undefined;
}
