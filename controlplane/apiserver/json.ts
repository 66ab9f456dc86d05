/**
 * Equality of JSON documents as the API server compares objects (no-op updates, managed fields).
 * The JSON types and the object guard are lib/api's (`lib/api/json.ts`).
 */
import { isJsonObject, type Json } from '../../lib/api/json.js';

/** Equal as JSON documents: neither key order nor keys holding undefined (JSON drops them) count. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  const other = Object.keys(b).filter((k) => b[k] !== undefined);
  return keys.length === other.length && keys.every((k) => jsonEqual(a[k], b[k]));
}
