/**
 * The Pod strategy's graceful deletion (pkg/registry/core/pod/strategy.go CheckGracefulDelete):
 * a pod bound to a node gets its grace period (spec.terminationGracePeriodSeconds unless the
 * DELETE says otherwise; a shorter one may replace a longer one, never the reverse);
 * unscheduled and terminal pods go at once. A pod in its grace period stays until the kubelet
 * confirms (grace 0) or the period ends. Binding is a subresource (registry/subresources.ts).
 */

import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import { formatTime } from '../../../lib/api/time.js';
import { metaOf, metaString } from '../object-meta.js';
import type { DeletionHold, GracefulDeleteOptions, KindStrategy } from './types.js';

/** How long a DELETE holds `current`, or undefined when it goes now. */
function checkGracefulDelete(
  current: JsonObject,
  options: GracefulDeleteOptions,
  now: Date,
): DeletionHold | undefined {
  const existing = metaString(current, 'deletionTimestamp');
  const finalizers = metaOf(current).finalizers;
  const hasFinalizers = Array.isArray(finalizers) && finalizers.length > 0;
  const spec = isJsonObject(current.spec) ? current.spec : {};
  const bound = typeof spec.nodeName === 'string' && spec.nodeName !== '';
  const specGrace =
    typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
  // Unscheduled pods and terminal pods go at once (pod strategy CheckGracefulDelete).
  const phase = isJsonObject(current.status) ? current.status.phase : undefined;
  const grace =
    !bound || phase === 'Succeeded' || phase === 'Failed' ? 0 : (options.gracePeriodSeconds ?? specGrace);
  if (grace > 0 || hasFinalizers) {
    const prior = metaOf(current).deletionGracePeriodSeconds;
    // A shorter grace may replace a longer one; never extend it.
    if (existing !== undefined && typeof prior === 'number' && prior <= grace) {
      return { deadline: existing, grace: prior };
    }
    return { deadline: formatTime(new Date(now.getTime() + grace * 1000)), grace };
  }
  return undefined;
}

/** A pod in its grace period stays until the kubelet confirms (grace 0) or the period ends. */
function awaitingGrace(o: JsonObject, now: () => Date): boolean {
  const deadline = metaString(o, 'deletionTimestamp');
  const grace = metaOf(o).deletionGracePeriodSeconds;
  return (
    deadline !== undefined && typeof grace === 'number' && grace > 0 && Date.parse(deadline) > now().getTime()
  );
}

/** core/v1 Pod. */
export const podStrategy: KindStrategy = {
  checkGracefulDelete,
  deletionPending: awaitingGrace,
};
