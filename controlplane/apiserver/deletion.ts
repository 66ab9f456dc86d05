/**
 * When a DELETE does not remove the object at once (apiserver's graceful deletion,
 * pkg/registry/rest/delete.go BeforeDelete): finalizers hold any object; a pod bound to a node
 * gets its grace period (spec.terminationGracePeriodSeconds unless the request says otherwise;
 * unscheduled and terminal pods go at once, pod strategy CheckGracefulDelete). Namespaces have
 * their own first step (namespace-lifecycle.ts). Pure: the caller passes the clock.
 */
import { metaOf, metaString, timestamp } from './object-meta.js';
import { isObject, type JsonObject } from './patch.js';
import type { ResourceInfo } from './resources.js';
import type { DeleteOptions } from './rest.js';

/** Finalizer asking the garbage collector to delete dependents first (metav1.FinalizerDeleteDependents). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** Finalizer asking the garbage collector to orphan dependents first (metav1.FinalizerOrphanDependents). */
export const ORPHAN_FINALIZER = 'orphan';

/** meta/v1 DeletionPropagation values. */
export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/** The string entries of `metadata.finalizers` (absent or malformed: none). */
export function finalizersOf(o: JsonObject): string[] {
  const f = metaOf(o).finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
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

/** The object stays, marked for deletion at `deadline` with `grace` seconds. */
export interface DeletionHold {
  readonly deadline: string;
  readonly grace: number;
}

/** Why a delete cannot complete at once, or undefined when the object can go now. */
export function deletionHold(input: {
  readonly info: Pick<ResourceInfo, 'group' | 'kind'>;
  readonly current: JsonObject;
  readonly options: DeleteOptions;
  readonly now: Date;
}): DeletionHold | undefined {
  const { info, current, options, now } = input;
  const existing = metaString(current, 'deletionTimestamp');
  const finalizers = metaOf(current).finalizers;
  const hasFinalizers = Array.isArray(finalizers) && finalizers.length > 0;
  if (info.group === '' && info.kind === 'Pod') {
    const spec = isObject(current.spec) ? current.spec : {};
    const bound = typeof spec.nodeName === 'string' && spec.nodeName !== '';
    const specGrace =
      typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
    // Unscheduled pods and terminal pods go at once (pod strategy CheckGracefulDelete).
    const phase = isObject(current.status) ? current.status.phase : undefined;
    const grace =
      !bound || phase === 'Succeeded' || phase === 'Failed' ? 0 : (options.gracePeriodSeconds ?? specGrace);
    if (grace > 0 || hasFinalizers) {
      const prior = metaOf(current).deletionGracePeriodSeconds;
      // A shorter grace may replace a longer one; never extend it.
      if (existing !== undefined && typeof prior === 'number' && prior <= grace) {
        return { deadline: existing, grace: prior };
      }
      return { deadline: timestamp(new Date(now.getTime() + grace * 1000)), grace };
    }
    return undefined;
  }
  if (hasFinalizers) return { deadline: existing ?? timestamp(now), grace: 0 };
  return undefined;
}
