/** meta/v1 LabelSelector validation (apimachinery ValidateLabelSelector). */
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { asArray, asRecord, asString } from './json.js';
import { labelValueProblem, qualifiedNameProblem } from './names.js';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Problems of the selector at `path` (absent is fine: callers say whether it is required). */
export function validateLabelSelector(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  const sel = asRecord(value);
  if (!sel) return [invalidValue(path, value, 'must be an object')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(asRecord(sel.matchLabels) ?? {})) {
    const kp = qualifiedNameProblem(k);
    if (kp) errs.push(invalidValue(`${path}.matchLabels`, k, kp));
    const vp = typeof v === 'string' ? labelValueProblem(v) : 'must be a string';
    if (vp) errs.push(invalidValue(`${path}.matchLabels`, v, vp));
  }
  (asArray(sel.matchExpressions) ?? []).forEach((e, i) => {
    const expr = asRecord(e) ?? {};
    const at = `${path}.matchExpressions[${i}]`;
    const op = asString(expr.operator);
    const values = asArray(expr.values) ?? [];
    if (!op || !OPERATORS.includes(op)) errs.push(notSupported(`${at}.operator`, expr.operator, OPERATORS));
    else if ((op === 'In' || op === 'NotIn') && values.length === 0)
      errs.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    else if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0)
      errs.push({
        reason: 'FieldValueForbidden',
        field: `${at}.values`,
        message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      });
    const key = asString(expr.key) ?? '';
    const kp = qualifiedNameProblem(key);
    if (kp) errs.push(invalidValue(`${at}.key`, key, kp));
  });
  return errs;
}
