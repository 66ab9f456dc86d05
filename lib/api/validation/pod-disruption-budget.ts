/** policy/v1 PodDisruptionBudget validation (pkg/apis/policy/validation). */
import { type FieldError, invalidValue, notSupported } from './field-errors.js';
import { asRecord } from './json.js';
import { validateLabelSelector } from './label-selector.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** An int ≥ 0 or a percentage string of at most 100% (ValidatePositiveIntOrPercent + IsNotMoreThan100Percent). */
function intOrPercentProblems(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return [invalidValue(path, value, 'must be an integer')];
    return value < 0 ? [invalidValue(path, value, 'must be greater than or equal to 0')] : [];
  }
  if (typeof value === 'string') {
    const m = /^([0-9]+)%$/.exec(value);
    if (!m) {
      return [
        invalidValue(
          path,
          value,
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
      ];
    }
    return Number(m[1]) > 100 ? [invalidValue(path, value, 'must not be greater than 100%')] : [];
  }
  return [invalidValue(path, value, 'must be an integer or a percentage string')];
}

/** Problems of a PodDisruptionBudget's spec. */
export function validatePodDisruptionBudget(obj: Record<string, unknown>): FieldError[] {
  const spec = asRecord(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const min = spec.minAvailable;
  const max = spec.maxUnavailable;
  if (min !== undefined && min !== null && max !== undefined && max !== null)
    errs.push(invalidValue('spec', 'object', 'minAvailable and maxUnavailable cannot be both set'));
  if (min !== undefined && min !== null) errs.push(...intOrPercentProblems(min, 'spec.minAvailable'));
  if (max !== undefined && max !== null) errs.push(...intOrPercentProblems(max, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== null && !EVICTION_POLICIES.includes(String(policy)))
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  return errs;
}
