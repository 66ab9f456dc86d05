/**
 * batch/v1 Job and CronJob validation (k8s.io/kubernetes pkg/apis/batch/validation): counts
 * non-negative, restartPolicy OnFailure or Never, the selector present and matching the template
 * (for a Job whose selector the server generated, matching its uid), completion mode and
 * replacement policy enums; a CronJob's schedule parses, its timeZone is a real IANA zone,
 * its concurrencyPolicy is known and its jobTemplate is a valid Job spec without a selector.
 */
import { JOB_CONTROLLER_UID_LABEL } from '../batch-v1.js';
import { isKnownTimeZone, parseSchedule } from '../cron.js';
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { asRecord, asString, at } from './json.js';
import { labelValueProblem, qualifiedNameProblem } from './names.js';
import { validatePodSpec } from './pod.js';

const NON_NEGATIVE = 'must be greater than or equal to 0';
const JOB_RESTART = ['OnFailure', 'Never'];
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];
const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];
/** A CronJob's Jobs are named `<cronjob>-<minutes>` and must fit a 63-character label value. */
const CRONJOB_NAME_MAX = 52;

function nonNegative(v: unknown, field: string, errs: FieldError[]): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) errs.push(invalidValue(field, v, NON_NEGATIVE));
}

/** Checks a JobSpec at `path` (`spec`, or `spec.jobTemplate.spec`); selector rules are the caller's. */
function validateJobSpec(spec: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  nonNegative(spec.parallelism, `${path}.parallelism`, errs);
  nonNegative(spec.completions, `${path}.completions`, errs);
  nonNegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`, errs);
  nonNegative(spec.backoffLimit, `${path}.backoffLimit`, errs);
  nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`, errs);
  const mode = spec.completionMode;
  if (mode !== undefined && !COMPLETION_MODES.includes(String(mode)))
    errs.push(notSupported(`${path}.completionMode`, mode, COMPLETION_MODES));
  if (mode === 'Indexed' && (spec.completions === undefined || spec.completions === null))
    errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
  const replacement = spec.podReplacementPolicy;
  if (replacement !== undefined && !REPLACEMENT_POLICIES.includes(String(replacement)))
    errs.push(notSupported(`${path}.podReplacementPolicy`, replacement, REPLACEMENT_POLICIES));
  if (replacement === 'TerminatingOrFailed' && spec.podFailurePolicy !== undefined)
    errs.push(notSupported(`${path}.podReplacementPolicy`, replacement, ['Failed']));
  const template = asRecord(spec.template);
  if (!template) {
    errs.push(required(`${path}.template`));
    return errs;
  }
  // The template's labels (the generated `job-name` ones included, so a Job name longer than a
  // label value is refused here, as upstream).
  for (const [k, v] of Object.entries(asRecord(at(template, 'metadata.labels')) ?? {})) {
    const kp = qualifiedNameProblem(k);
    if (kp) errs.push(invalidValue(`${path}.template.labels`, k, kp));
    const vp = typeof v === 'string' ? labelValueProblem(v) : 'must be a string';
    if (vp) errs.push(invalidValue(`${path}.template.labels`, v, vp));
  }
  const podSpec = asRecord(template.spec);
  errs.push(...validatePodSpec(podSpec, `${path}.template.spec`));
  const restart = podSpec?.restartPolicy;
  if (restart === undefined)
    errs.push(required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  else if (!JOB_RESTART.includes(String(restart)))
    errs.push(notSupported(`${path}.template.spec.restartPolicy`, restart, JOB_RESTART));
  return errs;
}

function templateLabels(spec: Record<string, unknown>): Record<string, unknown> {
  return asRecord(at(spec, 'template.metadata.labels')) ?? {};
}

/** Validates a whole Job's spec. */
export function validateJob(obj: Record<string, unknown>): FieldError[] {
  const spec = asRecord(obj.spec);
  if (!spec) return [required('spec')];
  const errs = validateJobSpec(spec, 'spec');
  const selector = asRecord(spec.selector);
  const match = asRecord(selector?.matchLabels) ?? {};
  if (!selector) errs.push(required('spec.selector'));
  else {
    const labels = templateLabels(spec);
    if (Object.entries(match).some(([k, v]) => labels[k] !== v))
      errs.push(
        invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'),
      );
  }
  if (spec.manualSelector !== true) {
    // The selector the server generated must name this Job's uid and nothing else.
    const uid = asString(at(obj, 'metadata.uid')) ?? '';
    if (selector && match[JOB_CONTROLLER_UID_LABEL] !== uid)
      errs.push(invalidValue('spec.selector', selector, '`selector` not auto-generated'));
    if (templateLabels(spec)[JOB_CONTROLLER_UID_LABEL] !== uid)
      errs.push(
        invalidValue(
          `spec.template.metadata.labels[${JOB_CONTROLLER_UID_LABEL}]`,
          templateLabels(spec)[JOB_CONTROLLER_UID_LABEL] ?? '',
          `must be '${uid}'`,
        ),
      );
  }
  return errs;
}

function validateTimeZone(tz: unknown, errs: FieldError[]): void {
  if (tz === undefined || tz === null) return;
  const field = 'spec.timeZone';
  if (typeof tz !== 'string' || tz === '') {
    errs.push(invalidValue(field, tz, 'timeZone must be nil or non-empty string'));
  } else if (tz.toLowerCase() === 'local') {
    errs.push(
      invalidValue(
        field,
        tz,
        'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ),
    );
  } else if (!/^[A-Za-z0-9.\-_+/]+$/.test(tz) || !isKnownTimeZone(tz)) {
    errs.push(invalidValue(field, tz, `unknown time zone ${tz}`));
  }
}

/** Validates a whole CronJob's spec (and its name's length). */
export function validateCronJob(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const name = asString(at(obj, 'metadata.name'));
  if (name !== undefined && name.length > CRONJOB_NAME_MAX)
    errs.push(invalidValue('metadata.name', name, `must be no more than ${CRONJOB_NAME_MAX} characters`));
  const spec = asRecord(obj.spec);
  if (!spec) return [...errs, required('spec')];
  const schedule = spec.schedule;
  if (typeof schedule !== 'string' || schedule === '') errs.push(required('spec.schedule'));
  else if (schedule.includes('TZ'))
    errs.push(
      invalidValue(
        'spec.schedule',
        schedule,
        'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ),
    );
  else {
    const parsed = parseSchedule(schedule);
    if (!parsed.ok) errs.push(invalidValue('spec.schedule', schedule, parsed.problem));
  }
  validateTimeZone(spec.timeZone, errs);
  const policy = spec.concurrencyPolicy;
  if (policy === undefined || policy === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY.includes(String(policy)))
    errs.push(notSupported('spec.concurrencyPolicy', policy, CONCURRENCY));
  nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds', errs);
  nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit', errs);
  nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit', errs);
  const jobSpec = asRecord(at(spec, 'jobTemplate.spec'));
  if (!jobSpec) {
    errs.push(required('spec.jobTemplate.spec.template.spec.containers'));
    return errs;
  }
  errs.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec'));
  if (jobSpec.selector !== undefined && jobSpec.selector !== null)
    errs.push(
      invalidValue('spec.jobTemplate.spec.selector', jobSpec.selector, '`selector` will be auto-generated'),
    );
  if (jobSpec.manualSelector === true)
    errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  return errs;
}

/** JSON with object keys sorted: equal values compare equal whatever their key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    const r = asRecord(x);
    return r ? Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x;
  });
}

/** Pod template fields a suspended Job that never started may still change (scheduling directives). */
const MUTABLE_WHILE_SUSPENDED = ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates'];

function withoutSchedulingDirectives(template: unknown): unknown {
  const t = structuredClone(asRecord(template) ?? {});
  const meta = asRecord(t.metadata);
  if (meta) {
    delete meta.labels;
    delete meta.annotations;
  }
  const spec = asRecord(t.spec);
  if (spec) for (const f of MUTABLE_WHILE_SUSPENDED) delete spec[f];
  return t;
}

/** Job fields that may not change after creation (ValidateJobSpecUpdate). */
export function validateJobUpdate(obj: Record<string, unknown>, old: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asRecord(obj.spec) ?? {};
  const prev = asRecord(old.spec) ?? {};
  for (const f of ['selector', 'completionMode', 'completions', 'podFailurePolicy']) {
    if (canonical(spec[f]) !== canonical(prev[f]))
      errs.push(invalidValue(`spec.${f}`, spec[f], 'field is immutable'));
  }
  const suspendedUnstarted = prev.suspend === true && at(old, 'status.startTime') === undefined;
  const same = suspendedUnstarted
    ? canonical(withoutSchedulingDirectives(spec.template)) ===
      canonical(withoutSchedulingDirectives(prev.template))
    : canonical(spec.template) === canonical(prev.template);
  if (!same) errs.push(invalidValue('spec.template', spec.template, 'field is immutable'));
  return errs;
}
