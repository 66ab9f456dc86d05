/** Small readers for untyped JSON bodies, so validators never cast. */
import { isJsonObject } from '../json.js';

/** A JSON object as a record, or undefined. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return isJsonObject(v) ? v : undefined;
}

/** A JSON array, or undefined. */
export function asArray(v: unknown): readonly unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** A string, or undefined. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The value at a dotted path of an object. */
export function at(v: unknown, path: string): unknown {
  let cur: unknown = v;
  for (const part of path.split('.')) cur = asRecord(cur)?.[part];
  return cur;
}
