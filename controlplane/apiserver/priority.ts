/**
 * PriorityClasses: the built-in classes, their defaults, and the Priority admission plugin
 * (plugin/pkg/admission/priority): a new pod's `spec.priorityClassName` becomes `spec.priority`
 * and `spec.preemptionPolicy`; a pod naming no class gets the global default's (or 0); at most
 * one class is the global default; the built-in classes may not be deleted; a class's value and
 * preemption policy never change.
 */

import { isAlreadyExists } from '../../lib/api/errors.js';
import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { SYSTEM_PRIORITY_CLASSES } from '../../lib/api/scheduling-v1.js';
import { validatePriorityClassUpdate } from '../../lib/api/validation/index.js';
import type { ResourceStorage } from './registry/storage.js';
import type { AdmissionRequest } from './registry/types.js';
import type { ResourceRegistry } from './resources.js';
import { ApiError, invalidError } from './status.js';

const RESOURCE = 'priorityclasses.scheduling.k8s.io';

/** Where admission reads PriorityClasses: the informer's copy, the whole set, and the store on a miss. */
export interface PriorityClassSource {
  cached(name: string): JsonObject | undefined;
  all(): Iterable<JsonObject>;
  fetch(name: string): Promise<JsonObject | undefined>;
}

/** The built-in classes as stored objects (created at start, as kube-apiserver's post-start hook). */
function systemPriorityClasses(): JsonObject[] {
  return SYSTEM_PRIORITY_CLASSES.map((c) => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: c.name },
    value: c.value,
    description: c.description,
  }));
}

/** scheduling/v1 defaults: value 0, preemptionPolicy PreemptLowerPriority. */
export function defaultPriorityClass(o: JsonObject): void {
  // `value` is a plain int32: absent on the wire means 0.
  if (o.value === undefined || o.value === null) o.value = 0;
  if (o.preemptionPolicy === undefined || o.preemptionPolicy === null)
    o.preemptionPolicy = 'PreemptLowerPriority';
}

function forbidden(resource: string, name: string, why: string): ApiError {
  const subject = name ? `${resource} "${name}"` : resource;
  const [plural, ...group] = resource.split('.');
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${why}`, {
    name,
    ...(group.length > 0 ? { group: group.join('.') } : {}),
    kind: plural ?? resource,
  });
}

function nameOf(o: JsonObject | undefined): string {
  const meta = o?.metadata;
  return isJsonObject(meta) && typeof meta.name === 'string' ? meta.name : '';
}

/** The global default class: the lowest-valued one when several claim it (getDefaultPriorityClass). */
export function globalDefaultClass(classes: Iterable<JsonObject>): JsonObject | undefined {
  let best: JsonObject | undefined;
  for (const c of classes) {
    if (c.globalDefault !== true) continue;
    if (!best || Number(c.value) < Number(best.value)) best = c;
  }
  return best;
}

/** What a new pod's priority is, or the Forbidden answer. Pure: the class is looked up by the caller. */
export function resolvePodPriority(
  spec: JsonObject,
  found: JsonObject | undefined,
  globalDefault: JsonObject | undefined,
): { readonly className: string; readonly priority: number; readonly preemptionPolicy: string } | string {
  const named = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  let className = named;
  let priority = 0;
  let policy = 'PreemptLowerPriority';
  if (named === '') {
    if (globalDefault) {
      className = nameOf(globalDefault);
      priority = Number(globalDefault.value);
      policy = String(globalDefault.preemptionPolicy ?? policy);
    }
  } else {
    if (!found) return `no PriorityClass with name ${named} was found`;
    priority = Number(found.value);
    policy = String(found.preemptionPolicy ?? policy);
  }
  if (typeof spec.priority === 'number' && spec.priority !== priority) {
    return `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`;
  }
  if (typeof spec.preemptionPolicy === 'string' && spec.preemptionPolicy !== policy) {
    return `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`;
  }
  return { className, priority, preemptionPolicy: policy };
}

async function admitPod(r: AdmissionRequest, classes: PriorityClassSource): Promise<void> {
  const spec = r.object?.spec;
  if (!isJsonObject(spec)) return;
  if (r.operation === 'UPDATE') {
    // Priority is fixed at creation: an update that drops it keeps the stored one.
    const old = r.oldObject?.spec;
    if (isJsonObject(old)) {
      if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
      if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined)
        spec.preemptionPolicy = old.preemptionPolicy;
    }
    return;
  }
  const named = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  const found = named === '' ? undefined : (classes.cached(named) ?? (await classes.fetch(named)));
  const answer = resolvePodPriority(
    spec,
    found,
    named === '' ? globalDefaultClass(classes.all()) : undefined,
  );
  if (typeof answer === 'string') throw forbidden('pods', r.name, answer);
  if (answer.className !== '') spec.priorityClassName = answer.className;
  spec.priority = answer.priority;
  spec.preemptionPolicy = answer.preemptionPolicy;
}

function admitClass(r: AdmissionRequest, classes: PriorityClassSource): void {
  if (r.operation === 'DELETE') {
    if (SYSTEM_PRIORITY_CLASSES.some((c) => c.name === r.name))
      throw forbidden(RESOURCE, r.name, 'this is a system priority class and cannot be deleted');
    return;
  }
  const o = r.object;
  if (!o) return;
  if (r.operation === 'UPDATE' && r.oldObject) {
    const errs = validatePriorityClassUpdate(o, r.oldObject);
    if (errs.length > 0)
      throw invalidError({ group: 'scheduling.k8s.io', kind: 'PriorityClass' }, r.name, errs);
  }
  if (o.globalDefault === true) {
    const current = globalDefaultClass(classes.all());
    if (current && (r.operation === 'CREATE' || nameOf(current) !== r.name)) {
      throw forbidden(
        RESOURCE,
        r.name,
        `PriorityClass ${nameOf(current)} is already marked as default. Only one default can exist`,
      );
    }
  }
}

/** The Priority admission plugin: pods get their priority; PriorityClass writes keep the rules. */
export async function admitPriority(r: AdmissionRequest, classes: PriorityClassSource): Promise<void> {
  if (r.subresource !== '') return;
  if (r.info.group === '' && r.info.kind === 'Pod' && r.operation !== 'DELETE') return admitPod(r, classes);
  if (r.info.group === 'scheduling.k8s.io' && r.info.kind === 'PriorityClass') admitClass(r, classes);
}

/** Creates the built-in classes that are missing (kube-apiserver's scheduling post-start hook). */
export async function ensureSystemPriorityClasses(
  rest: ResourceStorage,
  resources: ResourceRegistry,
): Promise<void> {
  const info = resources.lookup('scheduling.k8s.io', 'v1', 'priorityclasses');
  if (!info) return;
  for (const pc of systemPriorityClasses()) {
    await rest.create(info, undefined, pc).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
  }
}
