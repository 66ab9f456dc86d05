/**
 * Job and CronJob controllers against the real API server with the scheduler, simulated nodes
 * and the stand-in kubelet (`test/harness/cluster/sim-node.ts`: a pod whose command ends in `exit N` finishes with N).
 * The CronJob controller reads schedules on a FakeClock the test steps minute by minute; the
 * rest runs in real time. kubectl 1.32 drives `create job` and `wait --for=condition=complete`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CronJob, Job, Pod } from '../../lib/api/index.js';
import {
  coreResources,
  cronJobsResource,
  eventsResource,
  jobsResource,
  podsResource,
} from '../../lib/client/index.js';
import { FakeClock } from '../../lib/reconcile/index.js';
import { kubectl } from '../../test/harness/cluster/apiserver.js';
import { eventually } from '../../test/harness/cluster/env.js';
import { type SimCluster, startSimCluster } from '../../test/harness/cluster/sim-cluster.js';

let env: SimCluster;
let kube: { kubeconfig: string; home: string };
/** The CronJob controller's clock; starts at the real time and moves only when a test says. */
const cronClock = new FakeClock(Date.now());

beforeAll(async () => {
  env = await startSimCluster({
    nodes: ['node-1', 'node-2'],
    leaseRenewMs: 1000,
    kubeletSyncMs: 50,
    unschedulableRetryMs: 500,
    manager: {
      leaderElection: false,
      // Each controller as its own service account, under the bootstrap policy's roles.
      useServiceAccountCredentials: true,
      controllers: ['job', 'cronjob', 'ttlafterfinished', 'garbagecollector'],
      job: { backoffBaseMs: 100 },
      cronJob: { clock: cronClock, defaultTimeZone: 'UTC' },
    },
  });
  const home = join(env.server.dir, 'home');
  mkdirSync(home, { recursive: true });
  kube = { kubeconfig: env.server.server.kubeconfigPath, home };
}, 30_000);

afterAll(async () => {
  await env?.stop();
}, 30_000);

async function namespace(name: string): Promise<void> {
  await env.client.resource(coreResources.namespaces).create({ metadata: { name } });
}

function jobOf(name: string, ns: string, command: string[], spec: Partial<Job['spec']> = {}): Job {
  return {
    metadata: { name, namespace: ns },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'work', image: 'busybox', command }],
        },
      },
      ...spec,
    },
  };
}

const jobs = () => env.client.resource(jobsResource);
const getJob = (ns: string, name: string) => jobs().get(name, { namespace: ns });
const condition = (j: Job, type: string) =>
  j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const podsOf = async (ns: string, job: string): Promise<Pod[]> =>
  (await env.client.resource(podsResource).list({ namespace: ns, labelSelector: `job-name=${job}` })).items;

describe('Job', () => {
  it('completions 3, parallelism 2: never more than 2 pods at once, then Complete with the counts', async () => {
    await namespace('j1');
    await jobs().create(jobOf('three', 'j1', ['sh', '-c', 'exit 0'], { completions: 3, parallelism: 2 }), {
      namespace: 'j1',
    });
    let maxActive = 0;
    const done = await eventually(
      'job three complete',
      async () => {
        const pods = await podsOf('j1', 'three');
        const active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
        maxActive = Math.max(maxActive, active.length);
        const j = await getJob('j1', 'three');
        return condition(j, 'Complete') ? j : undefined;
      },
      20_000,
    );
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(maxActive).toBeGreaterThan(0);
    expect(done.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0 });
    expect(done.status?.active).toBeUndefined();
    expect(condition(done, 'SuccessCriteriaMet')?.reason).toBe('CompletionsReached');
    expect(condition(done, 'Complete')).toMatchObject({ reason: 'CompletionsReached' });
    expect(Date.parse(done.status?.completionTime ?? '')).toBeGreaterThanOrEqual(
      Date.parse(done.status?.startTime ?? ''),
    );
    const pods = await podsOf('j1', 'three');
    expect(pods.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: 'three',
          uid: done.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(p.metadata.labels?.['batch.kubernetes.io/controller-uid']).toBe(done.metadata.uid);
    }
    const reasons = await eventually('job events', async () => {
      const events = (await env.client.resource(eventsResource).list({ namespace: 'j1' })).items;
      const r = events.filter((e) => e.involvedObject.name === 'three').map((e) => e.reason ?? '');
      return r.includes('Completed') ? r.sort() : undefined;
    });
    expect(reasons).toEqual(['Completed', 'SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulCreate']);
    const described = await kubectl(kube, ['describe', 'job', 'three', '-n', 'j1']);
    expect(described.stdout).toMatch(/Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
  }, 30_000);

  it('Indexed completion mode: one succeeded pod per index, completedIndexes, hostnames', async () => {
    await namespace('j7');
    await jobs().create(
      jobOf('idx', 'j7', ['sh', '-c', 'exit 0'], {
        completionMode: 'Indexed',
        completions: 4,
        parallelism: 2,
      }),
      { namespace: 'j7' },
    );
    const done = await eventually(
      'indexed job complete',
      async () => {
        const j = await getJob('j7', 'idx');
        return condition(j, 'Complete') ? j : undefined;
      },
      20_000,
    );
    expect(done.status).toMatchObject({ succeeded: 4, completedIndexes: '0-3' });
    const pods = await podsOf('j7', 'idx');
    const byIndex = pods
      .map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])
      .sort();
    expect(byIndex).toEqual(['0', '1', '2', '3']);
    for (const p of pods) {
      const i = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
      expect(p.metadata.name).toMatch(new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
      expect(p.spec.hostname).toBe(`idx-${i}`);
      expect(p.metadata.labels?.['batch.kubernetes.io/job-completion-index']).toBe(i);
    }
  }, 30_000);

  it('pods that fail: backoffLimit 2 → three failed pods, FailureTarget then Failed (BackoffLimitExceeded)', async () => {
    await namespace('j2');
    await jobs().create(jobOf('doomed', 'j2', ['sh', '-c', 'exit 3'], { backoffLimit: 2 }), {
      namespace: 'j2',
    });
    const failed = await eventually(
      'job doomed failed',
      async () => {
        const j = await getJob('j2', 'doomed');
        return condition(j, 'Failed') ? j : undefined;
      },
      20_000,
    );
    expect(condition(failed, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(failed.status?.failed).toBe(3);
    expect(failed.status?.completionTime).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500));
    const pods = await podsOf('j2', 'doomed');
    expect(pods.map((p) => p.status?.phase)).toEqual(['Failed', 'Failed', 'Failed']);
    const printed = await kubectl(kube, ['get', 'job', 'doomed', '-n', 'j2', '--no-headers']);
    expect(printed.stdout).toMatch(/^doomed\s+Failed\s+0\/1\s+\S+\s+\S+$/m);
  }, 30_000);

  it('kubectl create job and kubectl wait --for=condition=complete', async () => {
    await namespace('j3');
    const created = await kubectl(kube, [
      'create',
      'job',
      'hello',
      '-n',
      'j3',
      '--image=busybox',
      '--',
      'sh',
      '-c',
      'exit 0',
    ]);
    expect(created.stdout.trim()).toBe('job.batch/hello created');
    const waited = await kubectl(
      kube,
      ['wait', '-n', 'j3', '--for=condition=complete', 'job/hello', '--timeout=30s'],
      {
        timeoutMs: 40_000,
      },
    );
    expect(waited.stderr).toBe('');
    expect(waited.stdout.trim()).toBe('job.batch/hello condition met');
    const printed = await kubectl(kube, ['get', 'job', 'hello', '-n', 'j3', '--no-headers']);
    expect(printed.stdout).toMatch(/^hello\s+Complete\s+1\/1\s+\d+s\s+\d+s$/m);
  }, 60_000);

  it('activeDeadlineSeconds: a pod that outlives it is stopped and the Job fails with DeadlineExceeded', async () => {
    await namespace('j4');
    await jobs().create(jobOf('slow', 'j4', ['sleep', '3600'], { activeDeadlineSeconds: 1 }), {
      namespace: 'j4',
    });
    const failed = await eventually(
      'job slow failed',
      async () => {
        const j = await getJob('j4', 'slow');
        return condition(j, 'Failed') ? j : undefined;
      },
      20_000,
    );
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    await eventually('slow pods gone', async () => (await podsOf('j4', 'slow')).length === 0);
  }, 30_000);

  it('suspend: no pods and Suspended=True; resuming runs it to completion', async () => {
    await namespace('j5');
    await jobs().create(jobOf('later', 'j5', ['true'], { suspend: true }), { namespace: 'j5' });
    const suspended = await eventually('Suspended', async () => {
      const j = await getJob('j5', 'later');
      return condition(j, 'Suspended') ? j : undefined;
    });
    expect(condition(suspended, 'Suspended')).toMatchObject({
      reason: 'JobSuspended',
      message: 'Job suspended',
    });
    expect(await podsOf('j5', 'later')).toEqual([]);
    await jobs().patch('later', { spec: { suspend: false } }, { type: 'merge', namespace: 'j5' });
    const done = await eventually(
      'resumed job complete',
      async () => {
        const j = await getJob('j5', 'later');
        return condition(j, 'Complete') ? j : undefined;
      },
      20_000,
    );
    expect(done.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({
      status: 'False',
      reason: 'JobResumed',
    });
  }, 30_000);

  it('ttlSecondsAfterFinished: the finished Job and its pods are deleted', async () => {
    await namespace('j6');
    await jobs().create(jobOf('brief', 'j6', ['true'], { ttlSecondsAfterFinished: 1 }), { namespace: 'j6' });
    await eventually(
      'brief deleted',
      async () => {
        try {
          await getJob('j6', 'brief');
          return false;
        } catch {
          return true;
        }
      },
      20_000,
    );
    await eventually('brief pods gone', async () => (await podsOf('j6', 'brief')).length === 0, 10_000);
  }, 30_000);
});

const cronJobs = () => env.client.resource(cronJobsResource);

function cronJobOf(
  name: string,
  ns: string,
  command: string[],
  spec: Partial<CronJob['spec']> = {},
): CronJob {
  return {
    metadata: { name, namespace: ns },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: 0,
              containers: [{ name: 'tick', image: 'busybox', command }],
            },
          },
        },
      },
      ...spec,
    },
  };
}

/**
 * Steps the CronJob clock to just after the next whole minute later than `after` (a CronJob's
 * creation: earlier schedule times never fire); returns that minute (ms).
 */
async function nextMinute(after = 0): Promise<number> {
  for (;;) {
    // Wait until the controller has looked at every CronJob and asked to be woken.
    await eventually('a wake-up is pending', () => cronClock.pending > 0);
    await new Promise((r) => setTimeout(r, 300));
    const minute = (Math.floor(cronClock.now() / 60_000) + 1) * 60_000;
    await cronClock.advance(minute + 1000 - cronClock.now());
    if (minute > after) return minute;
  }
}

const createdAt = (o: CronJob): number => Date.parse(o.metadata.creationTimestamp ?? '');

const ownedJobs = async (ns: string): Promise<Job[]> => (await jobs().list({ namespace: ns })).items;

describe('CronJob', () => {
  it('starts <name>-<minute> Jobs at schedule times and keeps only the history limits', async () => {
    await namespace('c1');
    const every = await cronJobs().create(
      cronJobOf('every', 'c1', ['true'], { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }),
      { namespace: 'c1' },
    );
    // The clock may already be past the creation (an earlier test stepped it): start afresh.
    await eventually('first look', () => cronClock.pending > 0);
    const minutes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const minute = await nextMinute(Math.max(createdAt(every), cronClock.now()));
      minutes.push(minute);
      const name = `every-${minute / 60_000}`;
      const j = await eventually(
        `${name} complete`,
        async () => {
          const job = await getJob('c1', name);
          return condition(job, 'Complete') ? job : undefined;
        },
        20_000,
      );
      expect(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(
        new Date(minute).toISOString().replace('.000Z', 'Z'),
      );
      expect(j.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'CronJob',
        name: 'every',
        controller: true,
      });
    }
    const kept = await eventually('history pruned to 2', async () => {
      const names = (await ownedJobs('c1')).map((j) => j.metadata.name).sort();
      return names.length === 2 ? names : undefined;
    });
    expect(kept).toEqual(minutes.slice(2).map((m) => `every-${m / 60_000}`));
    const cj = await eventually('status settled', async () => {
      const c = await cronJobs().get('every', { namespace: 'c1' });
      return c.status?.active === undefined && c.status?.lastSuccessfulTime ? c : undefined;
    });
    expect(cj.status?.lastScheduleTime).toBe(new Date(minutes[3] ?? 0).toISOString().replace('.000Z', 'Z'));
    const printed = await kubectl(kube, ['get', 'cj', 'every', '-n', 'c1', '--no-headers']);
    expect(printed.stdout).toMatch(/^every\s+\* \* \* \* \*\s+<none>\s+False\s+0\s+\S+\s+\S+$/m);
    await cronJobs().delete('every', { namespace: 'c1' });
  }, 90_000);

  it('Forbid skips a run while one is active; Replace replaces it', async () => {
    await namespace('c2');
    const forbid0 = await cronJobs().create(
      cronJobOf('forbid', 'c2', ['sleep', '3600'], { concurrencyPolicy: 'Forbid' }),
      { namespace: 'c2' },
    );
    await cronJobs().create(cronJobOf('replace', 'c2', ['sleep', '3600'], { concurrencyPolicy: 'Replace' }), {
      namespace: 'c2',
    });
    await eventually('first look', () => cronClock.pending > 0);
    // A schedule time between the creation and the clock (an earlier test stepped it) fires at once.
    const current = Math.floor(cronClock.now() / 60_000) * 60_000;
    const first = current > createdAt(forbid0) ? current : await nextMinute(createdAt(forbid0));
    await eventually('both started', async () => (await ownedJobs('c2')).length === 2);
    await eventually('forbid status shows it active', async () => {
      const c = await cronJobs().get('forbid', { namespace: 'c2' });
      return c.status?.active?.length === 1;
    });
    const second = await nextMinute();
    await eventually('replace swapped its job', async () => {
      const names = (await ownedJobs('c2'))
        .filter((j) => !j.metadata.deletionTimestamp)
        .map((j) => j.metadata.name);
      return names.includes(`replace-${second / 60_000}`) && !names.includes(`replace-${first / 60_000}`);
    });
    await new Promise((r) => setTimeout(r, 500));
    const names = (await ownedJobs('c2')).map((j) => j.metadata.name);
    expect(names).toContain(`forbid-${first / 60_000}`);
    expect(names).not.toContain(`forbid-${second / 60_000}`);
    const forbid = await cronJobs().get('forbid', { namespace: 'c2' });
    expect(forbid.status?.active?.map((r) => r.name)).toEqual([`forbid-${first / 60_000}`]);
    expect(forbid.status?.lastScheduleTime).toBe(new Date(first).toISOString().replace('.000Z', 'Z'));
    const replace = await cronJobs().get('replace', { namespace: 'c2' });
    expect(replace.status?.active?.map((r) => r.name)).toEqual([`replace-${second / 60_000}`]);
    for (const n of ['forbid', 'replace']) await cronJobs().delete(n, { namespace: 'c2' });
  }, 60_000);
});
