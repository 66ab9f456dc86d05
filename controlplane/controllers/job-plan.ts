/**
 * The Job controller's pure core (pkg/controller/job, 1.32 behaviour for NonIndexed Jobs): how
 * many pods to start or stop, and the status to report, from the Job and the pods it owns.
 *
 * Counting is simple: `succeeded`/`failed` are the Succeeded/Failed pods that exist, never less
 * than the counts already reported (no `batch.kubernetes.io/job-tracking` finalizer, so a
 * terminated pod deleted before the controller saw it is not counted; nor is a pod deleted while
 * running). Terminal conditions are delayed as in 1.31+: `FailureTarget` or `SuccessCriteriaMet`
 * first, then — once no pod is active or terminating — `Failed` or `Complete` (with
 * `completionTime`).
 */
import {
  JOB_COMPLETION_INDEX,
  type Job,
  type JobCondition,
  type JobConditionType,
  type JobStatus,
  type Pod,
} from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import { deletionOrder, isPodActive, isPodReady } from './pods.js';

/** Tunables of the plan (kube-controller-manager's defaults). */
export interface JobPlanOptions {
  /** Delay before re-creating a pod after the first failure, doubled per failure (10 s). */
  readonly backoffBaseMs?: number;
  /** Longest such delay (6 min). */
  readonly backoffMaxMs?: number;
}

/** What to do for one Job. */
export interface JobPlan {
  /** Pods to create from the template now. */
  readonly create: number;
  /** For an Indexed Job, the completion index of each pod to create (as many as `create`). */
  readonly indexes: readonly number[];
  /** Active pods to delete. */
  readonly delete: readonly Pod[];
  /** The status to report. */
  readonly status: JobStatus;
  /** Look again after this long (a deadline or a backoff), if anything is pending. */
  readonly requeueAfterMs: number | undefined;
}

const BACKOFF_LIMIT_EXCEEDED = {
  reason: 'BackoffLimitExceeded',
  message: 'Job has reached the specified backoff limit',
};
const DEADLINE_EXCEEDED = {
  reason: 'DeadlineExceeded',
  message: 'Job was active longer than specified deadline',
};
const COMPLETIONS_REACHED = {
  reason: 'CompletionsReached',
  message: 'Reached expected number of succeeded pods',
};

function hasCondition(status: JobStatus | undefined, type: JobConditionType): JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Whether the Job has finished (a `Complete` or `Failed` condition is True). */
export function isJobFinished(job: Job): boolean {
  return jobFinishedAt(job) !== undefined;
}

/** When the Job finished (its `Complete`/`Failed` condition's transition time), if it has. */
export function jobFinishedAt(job: Job): number | undefined {
  const c = hasCondition(job.status, 'Complete') ?? hasCondition(job.status, 'Failed');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Sets a condition, keeping its transition time when its status does not change. */
function setCondition(
  conditions: JobCondition[],
  type: JobConditionType,
  status: 'True' | 'False',
  why: { reason: string; message: string },
  now: string,
): void {
  const i = conditions.findIndex((c) => c.type === type);
  const prev = conditions[i];
  if (prev && prev.status === status && prev.reason === why.reason) return;
  const next: JobCondition = { type, status, lastProbeTime: now, lastTransitionTime: now, ...why };
  if (prev) conditions[i] = next;
  else conditions.push(next);
}

function restarts(p: Pod): number {
  const all = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])];
  return all.reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** With restartPolicy OnFailure, failures show as restarts of the running pods (pastBackoffLimitOnFailure). */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[], limit: number): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  const n = pods
    .filter(
      (p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending' || p.status?.phase === undefined,
    )
    .reduce((sum, p) => sum + restarts(p), 0);
  return limit === 0 ? n > 0 : n >= limit;
}

/** When a failed pod finished: its containers' finish time, else its last condition change. */
function failedAt(p: Pod): number {
  const times = (p.status?.containerStatuses ?? [])
    .map((c) => Date.parse(c.state?.terminated?.finishedAt ?? ''))
    .filter((t) => !Number.isNaN(t));
  if (times.length > 0) return Math.max(...times);
  const cond = (p.status?.conditions ?? []).map((c) => Date.parse(c.lastTransitionTime ?? ''));
  const known = cond.filter((t) => !Number.isNaN(t));
  return known.length > 0 ? Math.max(...known) : Date.parse(p.metadata.creationTimestamp ?? '') || 0;
}

/** A pod's completion index, if it has a valid one below `completions`. */
export function completionIndexOf(p: Pod, completions: number): number | undefined {
  const v = p.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n < completions ? n : undefined;
}

/** `status.completedIndexes` text (`1,3-5,7`) to a set. */
function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const hi = Math.min(Number(m[2] ?? m[1]), completions - 1);
    for (let i = Number(m[1]); i <= hi; i++) out.add(i);
  }
  return out;
}

/** A set of indexes as `status.completedIndexes`: ascending, three or more in a row as `a-b`. */
export function formatIndexes(indexes: ReadonlySet<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const lo = sorted[i] ?? 0;
    const hi = sorted[j] ?? 0;
    if (j - i >= 2) parts.push(`${lo}-${hi}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(',');
}

function minDefined(...xs: (number | undefined)[]): number | undefined {
  const d = xs.filter((x): x is number => x !== undefined);
  return d.length === 0 ? undefined : Math.max(0, Math.min(...d));
}

/** Pure: the plan for `job` given the pods it controls, at `now` (ms). */
export function planJob(job: Job, owned: readonly Pod[], now: number, options: JobPlanOptions = {}): JobPlan {
  const spec = job.spec;
  const prev = job.status ?? {};
  const nowText = formatTime(now);
  const active = owned.filter(isPodActive);
  const terminating = owned.filter(
    (p) =>
      p.metadata.deletionTimestamp !== undefined &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed',
  );
  const failedPods = owned.filter((p) => p.status?.phase === 'Failed');
  const indexed = spec.completionMode === 'Indexed' && typeof spec.completions === 'number';
  const completionsN = spec.completions ?? 0;
  // Indexed: each index counts once, however many of its pods succeeded.
  const doneIndexes = parseIndexes(indexed ? prev.completedIndexes : undefined, completionsN);
  if (indexed)
    for (const p of owned) {
      const i = completionIndexOf(p, completionsN);
      if (i !== undefined && p.status?.phase === 'Succeeded') doneIndexes.add(i);
    }
  const succeeded = indexed
    ? doneIndexes.size
    : Math.max(prev.succeeded ?? 0, owned.filter((p) => p.status?.phase === 'Succeeded').length);
  const failed = Math.max(prev.failed ?? 0, failedPods.length);
  const conditions = (prev.conditions ?? []).map((c) => ({ ...c }));
  const base = (n: { create: number; delete: readonly Pod[] }): JobStatus => {
    const deleting = new Set(n.delete.map((p) => p.metadata.uid));
    const stillActive = active.filter((p) => !deleting.has(p.metadata.uid));
    const out: JobStatus = {
      ...prev,
      conditions,
      active: stillActive.length + n.create,
      ready: stillActive.filter(isPodReady).length,
      succeeded,
      failed,
      terminating: terminating.length + n.delete.length,
      uncountedTerminatedPods: prev.uncountedTerminatedPods ?? {},
    };
    if (indexed) out.completedIndexes = formatIndexes(doneIndexes);
    if (conditions.length === 0) delete out.conditions;
    for (const k of ['active', 'succeeded', 'failed'] as const) if (out[k] === 0) delete out[k];
    return out;
  };

  // Finished: nothing runs any more (the TTL-after-finished controller may delete the Job).
  if (jobFinishedAt(job) !== undefined)
    return {
      create: 0,
      indexes: [],
      delete: active,
      status: base({ create: 0, delete: active }),
      requeueAfterMs: undefined,
    };

  let startTime = prev.startTime;
  const suspended = spec.suspend === true;
  const wasSuspended = conditions.some((c) => c.type === 'Suspended' && c.status === 'True');
  if (suspended) {
    if (!wasSuspended)
      setCondition(
        conditions,
        'Suspended',
        'True',
        { reason: 'JobSuspended', message: 'Job suspended' },
        nowText,
      );
  } else {
    if (wasSuspended) {
      setCondition(
        conditions,
        'Suspended',
        'False',
        { reason: 'JobResumed', message: 'Job resumed' },
        nowText,
      );
      // The active deadline counts from the resumption.
      startTime = nowText;
    }
    startTime ??= nowText;
  }

  // Terminal decisions, made once and kept (FailureTarget / SuccessCriteriaMet).
  const limit = spec.backoffLimit ?? 6;
  const deadline = spec.activeDeadlineSeconds;
  const startedMs = startTime === undefined ? undefined : Date.parse(startTime);
  let failure = hasCondition({ conditions }, 'FailureTarget');
  let success = hasCondition({ conditions }, 'SuccessCriteriaMet');
  let deadlineInMs: number | undefined;
  if (!failure && !success) {
    const completions = spec.completions;
    const complete =
      completions === undefined || completions === null
        ? succeeded > 0 && active.length === 0
        : succeeded >= completions;
    let why: { reason: string; message: string } | undefined;
    if (failed > limit || pastBackoffLimitOnFailure(job, active, limit)) why = BACKOFF_LIMIT_EXCEEDED;
    else if (deadline !== undefined && !suspended && startedMs !== undefined) {
      if (now - startedMs >= deadline * 1000) why = DEADLINE_EXCEEDED;
      else deadlineInMs = startedMs + deadline * 1000 - now;
    }
    if (why) {
      setCondition(conditions, 'FailureTarget', 'True', why, nowText);
      failure = hasCondition({ conditions }, 'FailureTarget');
    } else if (complete) {
      setCondition(conditions, 'SuccessCriteriaMet', 'True', COMPLETIONS_REACHED, nowText);
      success = hasCondition({ conditions }, 'SuccessCriteriaMet');
    }
  }
  if (failure || success) {
    // Stop what still runs; the terminal condition follows once nothing is left.
    const status = base({ create: 0, delete: active });
    if (active.length === 0 && terminating.length === 0) {
      const why = {
        reason: (failure ?? success)?.reason ?? '',
        message: (failure ?? success)?.message ?? '',
      };
      setCondition(conditions, failure ? 'Failed' : 'Complete', 'True', why, nowText);
      if (success) status.completionTime = nowText;
    }
    status.conditions = conditions;
    if (startTime !== undefined) status.startTime = startTime;
    return { create: 0, indexes: [], delete: active, status, requeueAfterMs: undefined };
  }

  if (suspended) {
    const status = base({ create: 0, delete: active });
    if (startTime !== undefined) status.startTime = startTime;
    return { create: 0, indexes: [], delete: active, status, requeueAfterMs: undefined };
  }

  // Running: as many active pods as parallelism allows and the remaining completions need.
  const parallelism = spec.parallelism ?? 1;
  const completions = spec.completions;
  const want =
    completions === undefined || completions === null
      ? succeeded > 0
        ? Math.min(active.length, parallelism)
        : parallelism
      : Math.max(0, Math.min(parallelism, completions - succeeded));
  // Indexed: a pod whose index is done, invalid or held by another active pod goes.
  const surplus: Pod[] = [];
  let running = active;
  if (indexed) {
    const held = new Set<number>();
    running = [];
    for (const p of [...active].sort((a, b) => deletionOrder(b, a))) {
      const i = completionIndexOf(p, completionsN);
      if (i === undefined || doneIndexes.has(i) || held.has(i)) surplus.push(p);
      else {
        held.add(i);
        running.push(p);
      }
    }
  }
  // With podReplacementPolicy Failed, a terminating pod still holds its place until it is gone.
  const occupied = running.length + (spec.podReplacementPolicy === 'Failed' ? terminating.length : 0);
  let create = Math.max(0, want - occupied);
  let backoffInMs: number | undefined;
  if (create > 0 && failedPods.length > 0) {
    const baseMs = options.backoffBaseMs ?? 10_000;
    const maxMs = options.backoffMaxMs ?? 360_000;
    const delay = Math.min(maxMs, baseMs * 2 ** Math.min(30, failedPods.length - 1));
    const wait = Math.max(...failedPods.map(failedAt)) + delay - now;
    if (wait > 0) {
      create = 0;
      backoffInMs = wait;
    }
  }
  const indexes: number[] = [];
  if (indexed) {
    const taken = new Set(running.map((p) => completionIndexOf(p, completionsN)));
    for (let i = 0; i < completionsN && indexes.length < create; i++)
      if (!doneIndexes.has(i) && !taken.has(i)) indexes.push(i);
    create = indexes.length;
  }
  const excess = Math.max(0, running.length - want);
  const del = [...surplus, ...(excess > 0 ? [...running].sort(deletionOrder).slice(0, excess) : [])];
  const status = base({ create, delete: del });
  status.startTime = startTime ?? nowText;
  return {
    create,
    indexes,
    delete: del,
    status,
    requeueAfterMs: minDefined(deadlineInMs, backoffInMs),
  };
}

/**
 * When a finished Job's `ttlSecondsAfterFinished` runs out (the TTL-after-finished controller's
 * rule): its finish time plus the TTL; undefined while it runs or without a TTL.
 */
export function jobExpiresAt(job: Job): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  const finished = jobFinishedAt(job);
  return ttl === undefined || ttl === null || finished === undefined ? undefined : finished + ttl * 1000;
}
