/**
 * Defaults of batch/v1 Job and CronJob as kube-apiserver applies them: the v1 defaulters
 * (k8s.io/kubernetes pkg/apis/batch/v1/defaults.go) plus the Job strategy's generated selector,
 * which names the Job's uid (`batch.kubernetes.io/controller-uid`) and labels the pod template
 * with it and the Job's name (both label spellings). A Job without labels of its own shows its
 * template's labels, as a Job read back from kube-apiserver's storage does.
 */
import {
  JOB_CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from '../../lib/api/index.js';
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';

function child(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isJsonObject(v)) return v;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
}

function setDefault(o: JsonObject, key: string, value: Json): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

const unset = (v: Json | undefined): boolean => v === undefined || v === null;

/** The Job strategy's generateSelector: labels the template and selects on the uid. */
function generateSelector(o: JsonObject, spec: JsonObject): void {
  const meta = child(o, 'metadata');
  const name = typeof meta.name === 'string' ? meta.name : '';
  const uid = typeof meta.uid === 'string' ? meta.uid : '';
  const labels = child(child(child(spec, 'template'), 'metadata'), 'labels');
  setDefault(labels, LEGACY_JOB_NAME_LABEL, name);
  setDefault(labels, JOB_NAME_LABEL, name);
  setDefault(labels, LEGACY_CONTROLLER_UID_LABEL, uid);
  setDefault(labels, JOB_CONTROLLER_UID_LABEL, uid);
  setDefault(child(child(spec, 'selector'), 'matchLabels'), JOB_CONTROLLER_UID_LABEL, uid);
}

/** Defaults a Job in place; `defaultPodSpec` defaults the pod template's spec. */
export function defaultJob(o: JsonObject, defaultPodSpec: (spec: JsonObject) => void): void {
  const spec = child(o, 'spec');
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', unset(spec.backoffLimitPerIndex) ? 6 : 2147483647);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'manualSelector', false);
  setDefault(spec, 'podReplacementPolicy', unset(spec.podFailurePolicy) ? 'TerminatingOrFailed' : 'Failed');
  defaultPodSpec(child(child(spec, 'template'), 'spec'));
  if (spec.manualSelector !== true) generateSelector(o, spec);
  const meta = child(o, 'metadata');
  const templateLabels = child(child(spec, 'template'), 'metadata').labels;
  if (isJsonObject(templateLabels) && (!isJsonObject(meta.labels) || Object.keys(meta.labels).length === 0))
    meta.labels = structuredClone(templateLabels);
}

/** Defaults a CronJob in place (its Job template gets pod defaults only, as in Kubernetes). */
export function defaultCronJob(o: JsonObject, defaultPodSpec: (spec: JsonObject) => void): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultPodSpec(child(child(child(child(spec, 'jobTemplate'), 'spec'), 'template'), 'spec'));
}
