/**
 * `metadata` checks shared by every kind (apimachinery pkg/api/validation/objectmeta.go):
 * name present and well-formed, namespace present exactly for namespaced kinds, labels and
 * annotations well-formed (annotations ≤ 256 KiB in total).
 */
import { type FieldError, forbidden, invalidValue, required } from './field-errors.js';
import { asRecord, asString } from './json.js';
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelValueProblem,
  qualifiedNameProblem,
} from './names.js';

/** Which name rule a kind uses. */
export type NameRule = 'subdomain' | 'label' | 'any';

/** How to check metadata for one kind. */
export interface ObjectMetaRules {
  readonly namespaced: boolean;
  readonly nameRule: NameRule;
}

const ANNOTATIONS_MAX = 256 * 1024;

/** Checks `metadata`; returns every problem found. */
export function validateObjectMeta(metadata: unknown, rules: ObjectMetaRules): FieldError[] {
  const errs: FieldError[] = [];
  const meta = asRecord(metadata);
  if (!meta) return [required('metadata')];
  const name = asString(meta.name);
  if (!name) errs.push(required('metadata.name', 'name or generateName is required'));
  else if (rules.nameRule !== 'any') {
    const problem = rules.nameRule === 'label' ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name);
    if (problem) errs.push(invalidValue('metadata.name', name, problem));
  } else if (name.includes('/') || name === '.' || name === '..') {
    errs.push(invalidValue('metadata.name', name, 'may not contain "/" or be "." or ".."'));
  }
  const ns = asString(meta.namespace);
  if (rules.namespaced) {
    if (!ns) errs.push(required('metadata.namespace'));
    else {
      const problem = dns1123LabelProblem(ns);
      if (problem) errs.push(invalidValue('metadata.namespace', ns, problem));
    }
  } else if (ns) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  const labels = asRecord(meta.labels) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    const kp = qualifiedNameProblem(k);
    if (kp) errs.push(invalidValue(`metadata.labels`, k, kp));
    if (typeof v !== 'string') errs.push(invalidValue(`metadata.labels[${k}]`, v, 'must be a string'));
    else {
      const vp = labelValueProblem(v);
      if (vp) errs.push(invalidValue(`metadata.labels`, v, vp));
    }
  }
  const annotations = asRecord(meta.annotations) ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    const kp = qualifiedNameProblem(k);
    if (kp) errs.push(invalidValue('metadata.annotations', k, kp));
    if (typeof v !== 'string') errs.push(invalidValue(`metadata.annotations[${k}]`, v, 'must be a string'));
    else size += k.length + v.length;
  }
  if (size > ANNOTATIONS_MAX) {
    errs.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.annotations',
      message: `Too long: must have at most ${ANNOTATIONS_MAX} bytes`,
    });
  }
  return errs;
}
