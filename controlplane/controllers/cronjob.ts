/**
 * The CronJob controller: starts a Job for each schedule time (`planCronJob` decides), deletes
 * running Jobs under `Replace` and finished Jobs beyond the history limits (background
 * propagation), and reports `status.active`, `lastScheduleTime` and `lastSuccessfulTime`.
 * Each CronJob is looked at again just after its next schedule time, on its clock — a test
 * passes a `FakeClock` and steps it.
 */
import type { CronJob, Job } from '../../lib/api/index.js';
import { splitObjectKey } from '../../lib/api/meta.js';
import {
  cronJobsResource,
  isAlreadyExists,
  isConflict,
  isNotFound,
  jobsResource,
} from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { Clock, ReconcileResult } from '../../lib/reconcile/index.js';
import {
  BY_OWNER,
  type ControllerContext,
  controllerRef,
  ownerKey,
  type RunningController,
  startController,
} from './context.js';
import { jobReference, planCronJob } from './cronjob-plan.js';
import { recordEvent } from './events.js';

const CRONJOB_REF = { apiVersion: 'batch/v1', kind: 'CronJob' };

/** Options of the CronJob controller. */
export interface CronJobControllerOptions {
  /** The clock schedules are read on (default: the manager's). */
  readonly clock?: Clock;
  /** The zone of schedules without `timeZone` (default: this process's local zone). */
  readonly defaultTimeZone?: string;
}

function sameStatus(a: CronJob['status'], b: CronJob['status']): boolean {
  const norm = (s: CronJob['status']) =>
    JSON.stringify({
      active: (s?.active ?? []).map((r) => r.uid).sort(),
      last: s?.lastScheduleTime,
      ok: s?.lastSuccessfulTime,
    });
  return norm(a) === norm(b);
}

/** Starts the CronJob controller's handlers; run the returned controller while leading. */
export function cronJobController(
  ctx: ControllerContext,
  options: CronJobControllerOptions = {},
): RunningController {
  const { informers: inf, client } = ctx;
  const clock = options.clock ?? ctx.clock;
  const defaultZone = options.defaultTimeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const jobs = client.resource(jobsResource);
  const cronJobs = client.resource(cronJobsResource);

  const owned = (cj: CronJob): Job[] =>
    inf.jobs.cache
      .byIndex(BY_OWNER, cj.metadata.uid ?? '')
      .filter((j) => controllerRef(j)?.uid === cj.metadata.uid);

  /** `status.active` entries missing from the cache that a live GET confirms are gone. */
  const confirmGone = async (cj: CronJob, have: readonly Job[]): Promise<Set<string>> => {
    const gone = new Set<string>();
    for (const r of cj.status?.active ?? []) {
      if (have.some((j) => j.metadata.uid === r.uid)) continue;
      try {
        const live = await jobs.get(r.name ?? '', { namespace: r.namespace ?? cj.metadata.namespace ?? '' });
        if (live.metadata.uid !== r.uid) gone.add(r.uid ?? '');
      } catch (err: unknown) {
        if (!isNotFound(err)) throw err;
        gone.add(r.uid ?? '');
      }
    }
    return gone;
  };

  const deleteJob = async (cj: CronJob, j: Job): Promise<void> => {
    await jobs
      .delete(j.metadata.name ?? '', {
        namespace: j.metadata.namespace ?? '',
        propagationPolicy: 'Background',
      })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    void recordEvent(ctx, 'cronjob-controller', cj, CRONJOB_REF, {
      type: 'Normal',
      reason: 'SuccessfulDelete',
      message: `Deleted job ${j.metadata.name ?? ''}`,
    });
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const cj = inf.cronJobs.cache.get(key);
    if (!cj || cj.metadata.deletionTimestamp) return { kind: 'done' };
    const { namespace } = splitObjectKey(key);
    const have = owned(cj);
    const plan = planCronJob(cj, {
      owned: have,
      gone: await confirmGone(cj, have),
      now: clock.now(),
      defaultZone,
    });
    for (const j of plan.deleteActive) await deleteJob(cj, j);
    const status = { ...plan.status, active: [...(plan.status.active ?? [])] };
    if (plan.create) {
      try {
        const made = await jobs.create(plan.create, { namespace });
        status.active.push(jobReference(made));
        void recordEvent(ctx, 'cronjob-controller', cj, CRONJOB_REF, {
          type: 'Normal',
          reason: 'SuccessfulCreate',
          message: `Created job ${made.metadata.name ?? ''}`,
        });
      } catch (err: unknown) {
        // Made by an earlier pass whose status write was lost: the informer will show it.
        if (!isAlreadyExists(err)) throw err;
      }
    }
    if (status.active.length === 0) delete (status as { active?: unknown }).active;
    if (!sameStatus(cj.status, status)) {
      try {
        await cronJobs.updateStatus({ ...cj, status }, { namespace });
      } catch (err: unknown) {
        if (isConflict(err)) return { kind: 'requeueAfter', ms: 50 };
        if (!isNotFound(err)) throw err;
      }
    }
    for (const j of plan.deleteFinished) await deleteJob(cj, j);
    if (plan.requeueAfterMs !== undefined) return { kind: 'requeueAfter', ms: plan.requeueAfterMs };
    return { kind: 'done' };
  };

  return startController(
    { ...ctx, clock },
    {
      name: 'cronjob',
      reconcile,
      workers: 2,
      watches: [watch(inf.cronJobs), watch(inf.jobs, { keys: (j) => ownerKey(j, 'CronJob', 'batch/v1') })],
    },
  );
}
