/** Pure plans of the Job and CronJob controllers. */
import { describe, expect, it } from 'vitest';
import type { CronJob, Job, Pod } from '../../lib/api/index.js';
import { planCronJob, rfc3339In } from './cronjob-plan.js';
import { formatIndexes, jobExpiresAt, planJob } from './job-plan.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function job(spec: Partial<Job['spec']> = {}, status?: Job['status']): Job {
  return {
    metadata: { name: 'j', namespace: 'default', uid: 'job-uid', creationTimestamp: iso(T0) },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

let n = 0;
function pod(phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed', extra: Partial<Pod['status']> = {}): Pod {
  n += 1;
  return {
    metadata: { name: `j-${n}`, namespace: 'default', uid: `pod-${n}`, creationTimestamp: iso(T0) },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase, ...extra },
  };
}

const cond = (j: { status?: Job['status'] }, type: string) =>
  j.status?.conditions?.find((c) => c.type === type);

describe('planJob', () => {
  it('starts min(parallelism, completions - succeeded) pods and sets startTime', () => {
    const p = planJob(job({ completions: 3, parallelism: 2 }), [], T0);
    expect(p.create).toBe(2);
    expect(p.status).toMatchObject({ active: 2, ready: 0, terminating: 0, startTime: iso(T0) });
    const later = planJob(
      job({ completions: 3, parallelism: 2 }),
      [pod('Succeeded'), pod('Succeeded'), pod('Running')],
      T0,
    );
    expect(later.create).toBe(0);
    expect(later.status).toMatchObject({ active: 1, succeeded: 2 });
  });

  it('with completions unset: no new pods once one succeeded; complete when none runs', () => {
    const j = job({ parallelism: 3 });
    delete j.spec.completions;
    expect(planJob(j, [], T0).create).toBe(3);
    const one = planJob(j, [pod('Succeeded'), pod('Running'), pod('Running')], T0);
    expect(one.create).toBe(0);
    expect(cond(one, 'SuccessCriteriaMet')).toBeUndefined();
    const done = planJob(j, [pod('Succeeded'), pod('Succeeded'), pod('Failed')], T0 + 5000);
    expect(cond(done, 'SuccessCriteriaMet')?.status).toBe('True');
    expect(cond(done, 'Complete')).toMatchObject({
      status: 'True',
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods',
    });
    expect(done.status.completionTime).toBe(iso(T0 + 5000));
  });

  it('SuccessCriteriaMet first while pods still run (they are deleted), then Complete', () => {
    const running = pod('Running');
    const p = planJob(job({ completions: 1, parallelism: 2 }), [pod('Succeeded'), running], T0);
    expect(cond(p, 'SuccessCriteriaMet')?.status).toBe('True');
    expect(cond(p, 'Complete')).toBeUndefined();
    expect(p.delete).toEqual([running]);
    expect(p.status.completionTime).toBeUndefined();
  });

  it('fails with BackoffLimitExceeded once failed > backoffLimit (FailureTarget, then Failed)', () => {
    const j = job({ backoffLimit: 1 });
    const under = planJob(j, [pod('Failed', { containerStatuses: [] })], T0);
    expect(cond(under, 'FailureTarget')).toBeUndefined();
    const over = planJob(j, [pod('Failed'), pod('Failed')], T0);
    expect(cond(over, 'FailureTarget')?.reason).toBe('BackoffLimitExceeded');
    expect(cond(over, 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(over.status.failed).toBe(2);
    expect(over.status.completionTime).toBeUndefined();
  });

  it('counts container restarts under restartPolicy OnFailure against the backoff limit', () => {
    const j = job({
      backoffLimit: 2,
      template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x' }] } },
    });
    const restarting = (r: number) =>
      pod('Running', { containerStatuses: [{ name: 'c', image: 'x', ready: false, restartCount: r }] });
    expect(cond(planJob(j, [restarting(1)], T0), 'FailureTarget')).toBeUndefined();
    const p = planJob(j, [restarting(2)], T0);
    expect(cond(p, 'FailureTarget')?.reason).toBe('BackoffLimitExceeded');
    expect(p.delete).toHaveLength(1);
  });

  it('waits an exponential backoff after failures before replacing a pod', () => {
    const failedAt = (ms: number) =>
      pod('Failed', {
        containerStatuses: [
          {
            name: 'c',
            image: 'x',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 1, finishedAt: iso(ms) } },
          },
        ],
      });
    const j = job({ backoffLimit: 5 });
    const p = planJob(j, [failedAt(T0)], T0 + 4000, { backoffBaseMs: 10_000 });
    expect(p.create).toBe(0);
    expect(p.requeueAfterMs).toBe(6000);
    expect(planJob(j, [failedAt(T0)], T0 + 10_000, { backoffBaseMs: 10_000 }).create).toBe(1);
    // Two failures: 20 s.
    expect(
      planJob(j, [failedAt(T0 - 5000), failedAt(T0)], T0 + 15_000, { backoffBaseMs: 10_000 }).create,
    ).toBe(0);
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds, and asks to look again at the deadline', () => {
    const j = job({ activeDeadlineSeconds: 30 }, { startTime: iso(T0), active: 1 });
    const before = planJob(j, [pod('Running')], T0 + 10_000);
    expect(before.requeueAfterMs).toBe(20_000);
    const after = planJob(j, [pod('Running')], T0 + 30_000);
    expect(cond(after, 'FailureTarget')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    expect(after.delete).toHaveLength(1);
    expect(cond(after, 'Failed')).toBeUndefined();
  });

  it('suspend deletes active pods and sets Suspended; resume resets startTime', () => {
    const running = pod('Running');
    const s = planJob(job({ suspend: true }, { startTime: iso(T0), active: 1 }), [running], T0 + 1000);
    expect(s.delete).toEqual([running]);
    expect(s.create).toBe(0);
    expect(cond(s, 'Suspended')).toMatchObject({
      status: 'True',
      reason: 'JobSuspended',
      message: 'Job suspended',
    });
    const resumed = planJob(job({ suspend: false }, s.status), [], T0 + 9000);
    expect(cond(resumed, 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
    expect(resumed.status.startTime).toBe(iso(T0 + 9000));
    expect(resumed.create).toBe(1);
  });

  it('a finished Job expires ttlSecondsAfterFinished after its terminal condition', () => {
    const finished = job(
      { ttlSecondsAfterFinished: 60 },
      { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: iso(T0) }], succeeded: 1 },
    );
    expect(jobExpiresAt(finished)).toBe(T0 + 60_000);
    expect(jobExpiresAt(job({}, finished.status))).toBeUndefined();
    expect(jobExpiresAt(job({ ttlSecondsAfterFinished: 0 }))).toBeUndefined();
    const p = planJob(finished, [pod('Succeeded')], T0 + 1e9);
    expect(p.create).toBe(0);
    expect(p.requeueAfterMs).toBeUndefined();
  });

  it('Indexed: one pod per missing index (lowest first), completedIndexes, duplicates and done indexes deleted', () => {
    const at = (i: number, phase: 'Running' | 'Succeeded') => {
      const p = pod(phase);
      p.metadata.annotations = { 'batch.kubernetes.io/job-completion-index': String(i) };
      return p;
    };
    const j = job({ completionMode: 'Indexed', completions: 5, parallelism: 3 });
    const first = planJob(j, [], T0);
    expect(first.indexes).toEqual([0, 1, 2]);
    const dup = at(1, 'Running');
    const redundant = at(0, 'Running');
    const p = planJob(j, [at(0, 'Succeeded'), at(1, 'Running'), dup, redundant, at(3, 'Succeeded')], T0);
    expect(p.status.succeeded).toBe(2);
    expect(p.status.completedIndexes).toBe('0,3');
    expect(p.delete).toHaveLength(2);
    expect(p.delete).toContain(redundant);
    expect(p.indexes).toEqual([2, 4]);
    const done = planJob(
      j,
      [0, 1, 2, 3, 4].map((i) => at(i, 'Succeeded')),
      T0,
    );
    expect(done.status.completedIndexes).toBe('0-4');
    expect(cond(done, 'Complete')?.status).toBe('True');
    expect(formatIndexes(new Set([1, 3, 4, 5, 7, 8]))).toBe('1,3-5,7,8');
  });

  it('never lowers the counts already reported', () => {
    const p = planJob(job({ completions: 5 }, { succeeded: 3, failed: 1 }), [pod('Succeeded')], T0);
    expect(p.status).toMatchObject({ succeeded: 3, failed: 1 });
  });
});

function cronJob(spec: Partial<CronJob['spec']> = {}, status?: CronJob['status']): CronJob {
  return {
    metadata: { name: 'cj', namespace: 'default', uid: 'cj-uid', creationTimestamp: iso(T0) },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: 'x' } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } },
      },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function childJob(name: string, state: 'running' | 'complete' | 'failed', start: number): Job {
  const conditions =
    state === 'running'
      ? []
      : [
          {
            type: state === 'complete' ? ('Complete' as const) : ('Failed' as const),
            status: 'True' as const,
          },
        ];
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'cj-uid', controller: true },
      ],
    },
    spec: { template: { spec: { containers: [] } } },
    status: {
      startTime: iso(start),
      conditions,
      ...(state === 'complete' ? { completionTime: iso(start + 1000) } : {}),
    },
  };
}

const input = (now: number, owned: Job[] = [], gone = new Set<string>()) => ({
  owned,
  gone,
  now,
  defaultZone: 'UTC',
});

describe('planCronJob', () => {
  it('does nothing before the first schedule time and looks again just after it', () => {
    const p = planCronJob(cronJob(), input(T0 + 60_000));
    expect(p.create).toBeUndefined();
    expect(p.skipped).toBe('NotDue');
    expect(p.requeueAfterMs).toBe(4 * 60_000 + 100);
  });

  it('creates <name>-<minutes since epoch> for the most recent missed time, owned, with the scheduled-time annotation', () => {
    const now = T0 + 11 * 60_000;
    const p = planCronJob(cronJob(), input(now));
    const scheduled = T0 + 10 * 60_000;
    expect(p.scheduledTime).toBe(scheduled);
    expect(p.create?.metadata.name).toBe(`cj-${scheduled / 60_000}`);
    expect(p.create?.metadata.labels).toEqual({ app: 'x' });
    expect(p.create?.metadata.annotations).toEqual({
      'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-06-01T12:10:00Z',
    });
    expect(p.create?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'CronJob',
      uid: 'cj-uid',
      controller: true,
    });
    expect(p.status.lastScheduleTime).toBe(iso(scheduled));
    expect(p.requeueAfterMs).toBe(4 * 60_000 + 100);
  });

  it('reads the schedule in spec.timeZone and writes the annotation in that zone', () => {
    const p = planCronJob(
      cronJob({ schedule: '30 14 * * *', timeZone: 'Europe/Berlin' }),
      input(T0 + 3_600_000),
    );
    // 14:30 in Berlin (CEST, +02:00) is 12:30 UTC.
    expect(p.scheduledTime).toBe(T0 + 1_800_000);
    expect(p.create?.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(
      '2026-06-01T14:30:00+02:00',
    );
    expect(rfc3339In(T0, 'America/New_York')).toBe('2026-06-01T08:00:00-04:00');
  });

  it('Forbid skips while a Job runs; Replace deletes the running one; Allow runs both', () => {
    const now = T0 + 5 * 60_000 + 1000;
    const running = childJob('cj-old', 'running', T0);
    const forbid = planCronJob(cronJob({ concurrencyPolicy: 'Forbid' }), input(now, [running]));
    expect(forbid.create).toBeUndefined();
    expect(forbid.skipped).toBe('JobAlreadyActive');
    const replace = planCronJob(cronJob({ concurrencyPolicy: 'Replace' }), input(now, [running]));
    expect(replace.deleteActive).toEqual([running]);
    expect(replace.create).toBeDefined();
    expect(replace.status.active).toBeUndefined();
    const allow = planCronJob(cronJob(), input(now, [running]));
    expect(allow.create).toBeDefined();
    expect(allow.status.active?.map((r) => r.name)).toEqual(['cj-old']);
  });

  it('a frequent schedule a year behind finds the most recent time in a few steps', () => {
    const yearAgo = iso(T0 - 365 * 86_400_000);
    const started = Date.now();
    const p = planCronJob(
      cronJob({ schedule: '* * * * *' }, { lastScheduleTime: yearAgo }),
      input(T0 + 30_000),
    );
    expect(Date.now() - started).toBeLessThan(500);
    expect(p.scheduledTime).toBe(T0);
    const yearly = planCronJob(cronJob({ schedule: '@yearly' }, { lastScheduleTime: yearAgo }), input(T0));
    expect(yearly.scheduledTime).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('startingDeadlineSeconds: a time missed by more than the deadline is not run', () => {
    const p = planCronJob(cronJob({ startingDeadlineSeconds: 30 }), input(T0 + 5 * 60_000 + 31_000));
    expect(p.create).toBeUndefined();
    const ok = planCronJob(cronJob({ startingDeadlineSeconds: 30 }), input(T0 + 5 * 60_000 + 29_000));
    expect(ok.create).toBeDefined();
  });

  it('suspend: nothing is created; an already-started time is not started twice', () => {
    expect(planCronJob(cronJob({ suspend: true }), input(T0 + 3_600_000)).skipped).toBe('Suspended');
    const now = T0 + 5 * 60_000 + 1000;
    const started = childJob(`cj-${(T0 + 5 * 60_000) / 60_000}`, 'running', now);
    expect(planCronJob(cronJob(), input(now, [started])).skipped).toBe('AlreadyStarted');
  });

  it('keeps the newest finished Jobs within the history limits, deletes the oldest', () => {
    const owned = [
      childJob('ok-1', 'complete', T0 + 1000),
      childJob('ok-2', 'complete', T0 + 2000),
      childJob('ok-3', 'complete', T0 + 3000),
      childJob('bad-1', 'failed', T0 + 1500),
      childJob('bad-2', 'failed', T0 + 2500),
    ];
    const p = planCronJob(
      cronJob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }),
      input(T0 + 1000, owned),
    );
    expect(p.deleteFinished.map((j) => j.metadata.name)).toEqual(['ok-1', 'ok-2', 'bad-1']);
    expect(p.status.lastSuccessfulTime).toBe(iso(T0 + 4000));
  });

  it('active: drops finished Jobs and ones confirmed gone, keeps ones the cache has not seen yet', () => {
    const done = childJob('cj-a', 'complete', T0);
    const status = {
      active: [
        { kind: 'Job', name: 'cj-a', uid: 'uid-cj-a' },
        { kind: 'Job', name: 'cj-b', uid: 'uid-cj-b' },
        { kind: 'Job', name: 'cj-c', uid: 'uid-cj-c' },
      ],
    };
    const p = planCronJob(cronJob({}, status), input(T0 + 1000, [done], new Set(['uid-cj-b'])));
    expect(p.status.active?.map((r) => r.name)).toEqual(['cj-c']);
  });
});
