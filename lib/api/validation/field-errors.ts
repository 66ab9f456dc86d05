/**
 * Field-level validation errors in the shape of apimachinery's pkg/util/validation/field:
 * a reason (`FieldValueRequired`, `FieldValueInvalid`, …), the dotted field path and a message
 * such as `Invalid value: 70000: must be between 1 and 65535, inclusive`.
 */

/** One failed field. */
export interface FieldError {
  readonly reason:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueForbidden';
  readonly field: string;
  readonly message: string;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

/** `Required value`. */
export function required(field: string, detail?: string): FieldError {
  return {
    reason: 'FieldValueRequired',
    field,
    message: detail ? `Required value: ${detail}` : 'Required value',
  };
}

/** `Invalid value: <v>: <detail>`. */
export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${show(value)}: ${detail}` };
}

/** `Unsupported value: <v>: supported values: "a", "b"`. */
export function notSupported(field: string, value: unknown, allowed: readonly string[]): FieldError {
  const list = allowed.map((a) => JSON.stringify(a)).join(', ');
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${show(value)}: supported values: ${list}`,
  };
}

/** `Duplicate value: <v>`. */
export function duplicate(field: string, value: unknown): FieldError {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${show(value)}` };
}

/** `Forbidden: <detail>`. */
export function forbidden(field: string, detail: string): FieldError {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}
