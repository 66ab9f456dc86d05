/** scheduling.k8s.io/v1 PriorityClass validation (pkg/apis/scheduling/validation). */
import {
  HIGHEST_USER_DEFINABLE_PRIORITY,
  SYSTEM_PRIORITY_CLASS_PREFIX,
  SYSTEM_PRIORITY_CLASSES,
} from '../scheduling-v1.js';
import { type FieldError, forbidden, invalidValue, notSupported } from './field-errors.js';

const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

/** Why a `system-…` class is not one of the built-in ones, or undefined when it is. */
function systemClassProblem(name: string, value: unknown, globalDefault: boolean): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

/** Problems of a PriorityClass object (the metadata rules run separately). */
export function validatePriorityClass(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  const value = obj.value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    errs.push(invalidValue('value', value, 'must be a 32-bit integer'));
  } else if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const problem = systemClassProblem(name, value, obj.globalDefault === true);
    if (problem) {
      errs.push(
        forbidden(
          'metadata.name',
          `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${problem}`,
        ),
      );
    }
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbidden(
        'value',
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    );
  }
  if (obj.globalDefault !== undefined && typeof obj.globalDefault !== 'boolean')
    errs.push(invalidValue('globalDefault', obj.globalDefault, 'must be a boolean'));
  const policy = obj.preemptionPolicy;
  if (policy !== undefined && !PREEMPTION_POLICIES.includes(String(policy)))
    errs.push(notSupported('preemptionPolicy', policy, PREEMPTION_POLICIES));
  return errs;
}

/** Problems of an update: `value` and `preemptionPolicy` are fixed at creation. */
export function validatePriorityClassUpdate(
  next: Record<string, unknown>,
  current: Record<string, unknown>,
): FieldError[] {
  const errs: FieldError[] = [];
  if (next.value !== current.value) errs.push(forbidden('value', 'may not be changed in an update.'));
  if (next.preemptionPolicy !== current.preemptionPolicy)
    errs.push(invalidValue('preemptionPolicy', next.preemptionPolicy ?? null, 'field is immutable'));
  return errs;
}
