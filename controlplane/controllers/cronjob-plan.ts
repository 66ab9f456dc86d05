/**
 * The CronJob controller's pure core (pkg/controller/cronjob, v2): which Job to start for the
 * most recent missed schedule time, what to delete (running Jobs under `Replace`, finished
 * Jobs beyond the history limits), the status to report and when to look again.
 */
import {
  CRONJOB_SCHEDULED_TIMESTAMP,
  type CronJob,
  type CronSchedule,
  type Job,
  type ObjectReference,
  parseSchedule,
  wallClock,
} from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import { isJobFinished } from './job-plan.js';

/** Why a CronJob schedules nothing now (the controller's Warning events). */
export type CronJobSkip =
  | 'Suspended'
  | 'UnknownTimeZone'
  | 'UnparseableSchedule'
  | 'MissSchedule'
  | 'JobAlreadyActive'
  | 'NotDue'
  | 'AlreadyStarted';

/** What to do for one CronJob. */
export interface CronJobPlan {
  /** The Job to create for `scheduledTime`, if one is due. */
  readonly create: Job | undefined;
  readonly scheduledTime: number | undefined;
  /** Why nothing is created, when nothing is. */
  readonly skipped: CronJobSkip | undefined;
  /** Running Jobs to delete first (`concurrencyPolicy: Replace`). */
  readonly deleteActive: readonly Job[];
  /** Finished Jobs beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit`, oldest first. */
  readonly deleteFinished: readonly Job[];
  /** Status without the Job to be created (the adapter adds its reference once created). */
  readonly status: NonNullable<CronJob['status']>;
  /** Look again after this long (the next schedule time), if the schedule has one. */
  readonly requeueAfterMs: number | undefined;
}

/** Inputs besides the CronJob. */
export interface CronJobPlanInput {
  /** Jobs whose controller is this CronJob. */
  readonly owned: readonly Job[];
  /** uids of `status.active` entries confirmed gone (a live GET said 404). */
  readonly gone: ReadonlySet<string>;
  readonly now: number;
  /** The zone of a schedule without `timeZone` (kube-controller-manager's local zone). */
  readonly defaultZone: string;
}

/**
 * Windows (ms before now) tried, smallest first, when looking for the most recent schedule
 * time: the first one holding a time bounds the walk, so a frequent schedule far behind (a
 * CronJob suspended for a year) costs a few steps, not one per missed minute.
 */
const WINDOWS_MS = [2 * 60_000, 2 * 3_600_000, 2 * 86_400_000, 62 * 86_400_000, 800 * 86_400_000];

function isSucceeded(j: Job): boolean {
  return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') === true;
}

function isFailed(j: Job): boolean {
  return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') === true;
}

/** Jobs oldest first by `status.startTime` (unstarted last), then name (byJobStartTime). */
function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa !== sb) return Date.parse(sa ?? '') - Date.parse(sb ?? '');
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

function beyondLimit(jobs: readonly Job[], limit: number | undefined): Job[] {
  if (limit === undefined || jobs.length <= limit) return [];
  return [...jobs].sort(byStartTime).slice(0, jobs.length - limit);
}

/** `t` as RFC 3339 in `zone` (`2026-01-10T09:00:00+01:00`, or `Z` for UTC). */
export function rfc3339In(t: number, zone: string): string {
  const offsetMin = Math.round((wallClock(t, zone) - t) / 60_000);
  const local = new Date(t + offsetMin * 60_000).toISOString().replace(/\.\d+Z$/, '');
  if (offsetMin === 0) return `${local}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The reference `status.active` keeps to a Job. */
export function jobReference(j: Job): ObjectReference {
  return {
    kind: 'Job',
    namespace: j.metadata.namespace ?? '',
    name: j.metadata.name ?? '',
    uid: j.metadata.uid ?? '',
    apiVersion: 'batch/v1',
    ...(j.metadata.resourceVersion ? { resourceVersion: j.metadata.resourceVersion } : {}),
  };
}

/** The Job a CronJob starts for `scheduled` (getJobFromTemplate2). */
export function jobForSchedule(cj: CronJob, scheduled: number, zone: string): Job {
  const tmpl = cj.spec.jobTemplate;
  const name = cj.metadata.name ?? '';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${name}-${Math.floor(scheduled / 60_000)}`,
      namespace: cj.metadata.namespace ?? 'default',
      ...(tmpl.metadata?.labels ? { labels: { ...tmpl.metadata.labels } } : {}),
      annotations: {
        ...tmpl.metadata?.annotations,
        [CRONJOB_SCHEDULED_TIMESTAMP]: rfc3339In(scheduled, zone),
      },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name,
          uid: cj.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(tmpl.spec),
  };
}

/** The latest schedule time in (earliest, now], and the first one after now. */
function scheduleTimes(
  s: CronSchedule,
  zone: string,
  earliest: number,
  now: number,
): { recent: number | undefined; next: number | undefined } {
  const next = s.next(now, zone);
  for (const w of [...WINDOWS_MS, now - earliest]) {
    const from = Math.max(earliest, now - w);
    let t = s.next(from, zone);
    if (t === undefined || t > now) {
      if (from === earliest) break;
      continue;
    }
    let recent = t;
    for (t = s.next(t, zone); t !== undefined && t <= now; t = s.next(t, zone)) recent = t;
    return { recent, next };
  }
  return { recent: undefined, next };
}

/** Pure: the plan for `cj`. */
export function planCronJob(cj: CronJob, input: CronJobPlanInput): CronJobPlan {
  const { owned, gone, now } = input;
  const prev = cj.status ?? {};
  const byUid = new Map(owned.map((j) => [j.metadata.uid ?? '', j]));
  const running = owned.filter((j) => !isJobFinished(j) && !j.metadata.deletionTimestamp);
  // Active: the Jobs still running, plus references the cache has not caught up with yet.
  const active: ObjectReference[] = (prev.active ?? []).filter((r) => {
    const j = byUid.get(r.uid ?? '');
    return j ? running.includes(j) : !gone.has(r.uid ?? '');
  });
  for (const j of running) if (!active.some((r) => r.uid === j.metadata.uid)) active.push(jobReference(j));
  let lastSuccessful = prev.lastSuccessfulTime;
  for (const j of owned.filter(isSucceeded)) {
    const done = j.status?.completionTime;
    if (done && (lastSuccessful === undefined || Date.parse(done) > Date.parse(lastSuccessful)))
      lastSuccessful = done;
  }
  const finished = owned.filter((j) => !j.metadata.deletionTimestamp);
  const deleteFinished = [
    ...beyondLimit(finished.filter(isSucceeded), cj.spec.successfulJobsHistoryLimit),
    ...beyondLimit(finished.filter(isFailed), cj.spec.failedJobsHistoryLimit),
  ];
  const status = (extra: { active?: ObjectReference[]; lastScheduleTime?: string } = {}) => {
    const act = extra.active ?? active;
    const out: NonNullable<CronJob['status']> = {};
    if (act.length > 0) out.active = act;
    const last = extra.lastScheduleTime ?? prev.lastScheduleTime;
    if (last !== undefined) out.lastScheduleTime = last;
    if (lastSuccessful !== undefined) out.lastSuccessfulTime = lastSuccessful;
    return out;
  };
  const nothing = (skipped: CronJobSkip, requeueAfterMs?: number): CronJobPlan => ({
    create: undefined,
    scheduledTime: undefined,
    skipped,
    deleteActive: [],
    deleteFinished,
    status: status(),
    requeueAfterMs,
  });

  const zone = cj.spec.timeZone ?? input.defaultZone;
  const parsed = parseSchedule(cj.spec.schedule);
  if (!parsed.ok) return nothing('UnparseableSchedule');
  if (parsed.schedule.zone === undefined) {
    try {
      wallClock(now, zone);
    } catch {
      return nothing('UnknownTimeZone');
    }
  }
  if (cj.spec.suspend === true) return nothing('Suspended');

  const created = Date.parse(cj.metadata.creationTimestamp ?? '') || now;
  let earliest = prev.lastScheduleTime ? Date.parse(prev.lastScheduleTime) : created;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (deadline !== undefined && now - deadline * 1000 > earliest) earliest = now - deadline * 1000;
  const { recent, next } = scheduleTimes(parsed.schedule, zone, earliest, now);
  // Look again just after the next schedule time (kube adds 100 ms).
  const requeue = next === undefined ? undefined : next - now + 100;
  if (recent === undefined) return nothing('NotDue', requeue);
  if (deadline !== undefined && recent + deadline * 1000 < now) return nothing('MissSchedule', requeue);
  const job = jobForSchedule(cj, recent, parsed.schedule.zone ?? zone);
  if (
    owned.some((j) => j.metadata.name === job.metadata.name) ||
    active.some((r) => r.name === job.metadata.name)
  )
    return nothing('AlreadyStarted', requeue);
  const policy = cj.spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) return nothing('JobAlreadyActive', requeue);
  const deleteActive = policy === 'Replace' ? running : [];
  const keep =
    policy === 'Replace' ? active.filter((r) => !running.some((j) => j.metadata.uid === r.uid)) : active;
  return {
    create: job,
    scheduledTime: recent,
    skipped: undefined,
    deleteActive,
    deleteFinished,
    status: status({ active: keep, lastScheduleTime: formatTime(recent) }),
    requeueAfterMs: requeue,
  };
}
