/**
 * The TTL-after-finished controller: deletes a finished Job (`Complete` or `Failed`) once its
 * `ttlSecondsAfterFinished` has passed since it finished, in the foreground (its pods go first)
 * and only if it is still the same Job (checked live, then a uid precondition), as
 * kube-controller-manager's ttlafterfinished controller does. A Job not yet due is looked at
 * again when it is.
 */
import type { Job } from '../../lib/api/index.js';
import { splitObjectKey } from '../../lib/api/meta.js';
import { isConflict, isNotFound, jobsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, startController } from './context.js';
import { jobExpiresAt } from './job-plan.js';

/** Starts the controller's handlers; run the returned controller while leading. */
export function ttlAfterFinishedController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const jobs = client.resource(jobsResource);

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const job = inf.jobs.cache.get(key);
    if (!job || job.metadata.deletionTimestamp) return { kind: 'done' };
    const due = jobExpiresAt(job);
    if (due === undefined) return { kind: 'done' };
    const now = ctx.clock.now();
    if (now < due) return { kind: 'requeueAfter', ms: due - now };
    const { namespace, name } = splitObjectKey(key);
    // The cache may lag: decide on the live Job (its TTL may have been changed or removed).
    let fresh: Job;
    try {
      fresh = await jobs.get(name, { namespace });
    } catch (err: unknown) {
      if (isNotFound(err)) return { kind: 'done' };
      throw err;
    }
    const freshDue = fresh.metadata.deletionTimestamp ? undefined : jobExpiresAt(fresh);
    if (freshDue === undefined) return { kind: 'done' };
    if (now < freshDue) return { kind: 'requeueAfter', ms: freshDue - now };
    await jobs
      .delete(name, {
        namespace,
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata.uid ?? '' },
      })
      .catch((err: unknown) => {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      });
    return { kind: 'done' };
  };

  return startController(ctx, {
    name: 'ttlafterfinished',
    reconcile,
    workers: 2,
    watches: [watch(inf.jobs, { on: ['add', 'update'] })],
  });
}
