/**
 * The generic registry's DELETE (apiserver's Store.Delete): preconditions, admission, the
 * propagation policy turned into finalizers, the kind's own first step (namespaces), then either
 * a hold (finalizers, a pod's grace period: the object is marked and stays, 202) or the store's
 * delete at the revision read (200). A held owner starts the collector's work (gc.ts).
 */

import type { JsonObject } from '../../../lib/api/json.js';
import { isNotFound } from '../../../lib/errors/index.js';
import { isConflict } from '../../store/index.js';
import { deletionHold, finalizersOf, gcFinalizers, propagationPolicyOf } from '../deletion.js';
import { metaOf, metaString } from '../object-meta.js';
import type { ResourceInfo } from '../resources.js';
import { conflictError, notFoundError } from '../status.js';
import { strategyOf } from '../strategies/index.js';
import { admitStored } from './checks.js';
import { encode, keyOf, readAs } from './codec.js';
import type { RegistryContext } from './context.js';
import { collectAfterDelete } from './gc.js';
import type { GraceTimers } from './graceful.js';
import { RETRY, retryOnConflict } from './retry.js';
import type { DeleteOptions, DeleteResult } from './types.js';

/** 409 unless the stored object meets the DELETE's uid and resourceVersion preconditions. */
function checkPreconditions(
  info: ResourceInfo,
  name: string,
  stored: JsonObject,
  revision: number,
  options: DeleteOptions,
): void {
  const pre = options.preconditions;
  if (pre?.uid !== undefined && pre.uid !== metaString(stored, 'uid')) {
    throw conflictError(
      info,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${metaString(stored, 'uid') ?? ''}`,
    );
  }
  if (pre?.resourceVersion !== undefined && pre.resourceVersion !== String(revision)) {
    throw conflictError(
      info,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${revision}`,
    );
  }
}

/**
 * DELETE. Returns the object and whether it is gone (200) or still terminating (202 when
 * finalizers or a pod's grace period hold it). A namespace's first DELETE only marks it
 * Terminating; it goes once spec.finalizers and metadata.finalizers are empty.
 */
export async function deleteObject(
  ctx: RegistryContext,
  grace: GraceTimers,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  const strategy = strategyOf(info);
  strategy.checkDelete?.(name);
  const key = keyOf(info, namespace, name);
  const policy = propagationPolicyOf(options);
  return retryOnConflict(async (mayRetry): Promise<DeleteResult | typeof RETRY> => {
    const kv = await ctx.store.get(key);
    if (!kv) throw notFoundError(info, name);
    const stored = readAs(info, kv);
    checkPreconditions(info, name, stored, kv.modRevision, options);
    if (!options.admitted)
      await admitStored(ctx, info, { operation: 'DELETE', namespace, name, oldObject: stored });
    await options.admit?.({
      operation: 'DELETE',
      group: info.group,
      resource: info.plural,
      subresource: '',
      namespace: namespace ?? '',
      name,
      oldObject: stored,
    });
    // The propagation policy becomes finalizers the garbage collector acts on.
    const finalizers = gcFinalizers(finalizersOf(stored), policy);
    const step = strategy.beginDelete?.(stored, finalizers, ctx.now);
    if (step !== undefined && 'wait' in step) return { object: stored, gone: false };
    if (step !== undefined) {
      if (options.dryRun) return { object: step.mark, gone: false };
      try {
        const out = readAs(info, await ctx.store.update(key, encode(info, step.mark), kv.modRevision));
        collectAfterDelete(ctx, info, out);
        return { object: out, gone: false };
      } catch (err) {
        if (isConflict(err) && mayRetry) return RETRY;
        throw err;
      }
    }
    const current = structuredClone(stored);
    if (finalizers.length > 0) metaOf(current).finalizers = finalizers;
    else delete metaOf(current).finalizers;
    const hold = deletionHold({ info, current, options, now: ctx.now() });
    if (hold !== undefined) {
      const next = current;
      const meta = metaOf(next);
      meta.deletionTimestamp = hold.deadline;
      meta.deletionGracePeriodSeconds = hold.grace;
      if (options.dryRun) return { object: next, gone: false };
      // A repeated DELETE that changes nothing (the namespace controller deletes a pod in its
      // grace period on every pass) writes nothing and leaves the grace timer as it is, so
      // the pod still goes at its deadline.
      const unchanged = encode(info, next) === encode(info, stored);
      try {
        const out = unchanged
          ? stored
          : readAs(info, await ctx.store.update(key, encode(info, next), kv.modRevision));
        if (hold.grace > 0 && !unchanged) grace.schedule(info, namespace, name, hold.grace);
        collectAfterDelete(ctx, info, out);
        return { object: out, gone: false };
      } catch (err) {
        if (isConflict(err) && mayRetry) return RETRY;
        throw err;
      }
    }
    if (options.dryRun) return { object: stored, gone: true };
    try {
      const object = readAs(info, await ctx.store.delete(key, kv.modRevision));
      const allocator = strategy.allocator?.(ctx.strategy);
      if (allocator) await allocator.release(allocator.held(object), metaString(object, 'uid') ?? '');
      return { object, gone: true };
    } catch (err) {
      if (isConflict(err) && mayRetry) return RETRY;
      if (isNotFound(err)) throw notFoundError(info, name);
      throw err;
    }
  });
}
