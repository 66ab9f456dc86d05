/**
 * The Job controller: runs a Job's pods to completion (`planJob` decides; this adapter creates
 * and deletes pods and writes the status).
 * Pods are created with the Job as controller owner and the template's labels; what was asked
 * for but not yet seen in the informer is remembered (pod-control.ts), so a lagging cache never
 * starts a pod twice.
 */
import { JOB_COMPLETION_INDEX, type Job, type OwnerReference, type Pod } from '../../lib/api/index.js';
import { splitObjectKey } from '../../lib/api/meta.js';
import { isConflict, isNotFound, jobsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import {
  type ControllerContext,
  controlledPods,
  type RunningController,
  startController,
} from './context.js';
import { type EventNote, recordEvent } from './events.js';
import { type JobPlanOptions, planJob } from './job-plan.js';
import { controllerOwnerRef, PodControl } from './pod-control.js';
import { podFromTemplate } from './pods.js';

/** Options of the Job controller. */
export type JobControllerOptions = JobPlanOptions;

/** JSON with object keys sorted, so equal statuses compare equal whatever their key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function sameStatus(a: Job['status'], b: Job['status']): boolean {
  return canonical(a ?? {}) === canonical(b ?? {});
}

const JOB_REF = { apiVersion: 'batch/v1', kind: 'Job' };

/**
 * A pod of an Indexed Job for completion index `i`: named `<job>-<i>-<random>`, the index in an
 * annotation and a label, hostname `<job>-<i>`, and `JOB_COMPLETION_INDEX` in every container's
 * environment (read from the annotation), as the Job controller makes them.
 */
function indexedPod(job: Job, i: number, namespace: string, owner: OwnerReference): Pod {
  const name = job.metadata.name ?? '';
  const pod = podFromTemplate(job.spec.template, { namespace, generateName: `${name}-${i}-`, owner });
  pod.metadata.annotations = { ...pod.metadata.annotations, [JOB_COMPLETION_INDEX]: String(i) };
  pod.metadata.labels = { ...pod.metadata.labels, [JOB_COMPLETION_INDEX]: String(i) };
  pod.spec.hostname ??= `${name}-${i}`;
  const env = {
    name: 'JOB_COMPLETION_INDEX',
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } },
  };
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])])
    if (!c.env?.some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
  return pod;
}

/** The events kube's Job controller records for conditions that became True (or Suspended False). */
function transitions(before: Job['status'], after: Job['status']): EventNote[] {
  const was = (type: string, status = 'True') =>
    before?.conditions?.some((c) => c.type === type && c.status === status) === true;
  const out: EventNote[] = [];
  for (const c of after?.conditions ?? []) {
    if (c.type === 'Suspended') {
      if (c.status === 'True' && !was('Suspended'))
        out.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
      if (c.status === 'False' && was('Suspended'))
        out.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      continue;
    }
    if (c.status !== 'True' || was(c.type)) continue;
    if (c.type === 'Complete') out.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    if (c.type === 'Failed')
      out.push({ type: 'Warning', reason: c.reason ?? 'Failed', message: c.message ?? 'Job failed' });
  }
  return out;
}

/** Starts the Job controller's handlers; run the returned controller while leading. */
export function jobController(ctx: ControllerContext, options: JobControllerOptions = {}): RunningController {
  const { informers: inf, client } = ctx;
  const podControl = new PodControl(client);
  const jobs = client.resource(jobsResource);
  const event = (job: Job, note: EventNote): void =>
    void recordEvent(ctx, 'job-controller', job, JOB_REF, note);

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const job = inf.jobs.cache.get(key);
    if (!job || job.metadata.deletionTimestamp) {
      podControl.expectations.forget(key);
      return { kind: 'done' };
    }
    const { namespace, name } = splitObjectKey(key);
    const plan = planJob(
      job,
      podControl.expectations.adjust(key, controlledPods(inf, job)),
      ctx.clock.now(),
      options,
    );
    if (plan.create > 0) {
      const owner = controllerOwnerRef(job, JOB_REF);
      const todo =
        plan.indexes.length > 0
          ? plan.indexes.map((i) => indexedPod(job, i, namespace, owner))
          : Array.from({ length: plan.create }, () =>
              podFromTemplate(job.spec.template, { namespace, generateName: `${name}-`, owner }),
            );
      await podControl.create(key, namespace, todo, (p) =>
        event(job, {
          type: 'Normal',
          reason: 'SuccessfulCreate',
          message: `Created pod: ${p.metadata.name ?? ''}`,
        }),
      );
    }
    await podControl.delete(key, namespace, plan.delete, (p) =>
      event(job, {
        type: 'Normal',
        reason: 'SuccessfulDelete',
        message: `Deleted pod: ${p.metadata.name ?? ''}`,
      }),
    );
    if (!sameStatus(job.status, plan.status)) {
      try {
        await jobs.updateStatus({ ...job, status: plan.status }, { namespace });
        for (const note of transitions(job.status, plan.status)) event(job, note);
      } catch (err: unknown) {
        if (isConflict(err)) return { kind: 'requeueAfter', ms: 50 };
        if (!isNotFound(err)) throw err;
      }
    }
    if (plan.requeueAfterMs !== undefined) return { kind: 'requeueAfter', ms: plan.requeueAfterMs + 10 };
    return { kind: 'done' };
  };

  return startController(ctx, {
    name: 'job',
    reconcile,
    workers: 4,
    watches: [watch(inf.jobs), podControl.watchOwnedPods(inf.pods, 'Job', 'batch/v1')],
  });
}
