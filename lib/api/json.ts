/**
 * JSON values as TypeScript types, and the one guard for "a JSON object" (not null, not an
 * array). Dependency-free, so the CNI plugins can load it by file without lib/api's index.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/**
 * True for a JSON object: an object that is neither null nor an array. Meant for values that
 * came from `JSON.parse` (or are on their way to `JSON.stringify`), whose members are JSON too.
 */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
