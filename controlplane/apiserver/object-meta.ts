/**
 * Server-owned metadata: what create sets (uid, creationTimestamp, generation, a generated name)
 * and what update must carry over unchanged, per apiserver's rest.BeforeCreate/BeforeUpdate.
 */
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';

/** Alphabet of generated name suffixes: no vowels or look-alikes (apimachinery util/rand). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 random characters; the prefix is cut so the result stays ≤ 63 characters. */
export function generateName(prefix: string, random: () => number): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)];
  return prefix.slice(0, 58) + s;
}

/** The `metadata` object of `o`, created when missing. */
export function metaOf(o: JsonObject): JsonObject {
  if (!isJsonObject(o.metadata)) o.metadata = {};
  return o.metadata as JsonObject;
}

/** A string field of metadata, or undefined. */
export function metaString(o: JsonObject, field: string): string | undefined {
  const v = isJsonObject(o.metadata) ? o.metadata[field] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Everything but metadata and status: a change here bumps `metadata.generation`. */
export function specPart(o: JsonObject): string {
  const { metadata: _m, status: _s, kind: _k, apiVersion: _a, ...rest } = o;
  return JSON.stringify(rest);
}

const IMMUTABLE_META = [
  'uid',
  'creationTimestamp',
  'name',
  'namespace',
  'generateName',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** Copies server-owned metadata from the stored object onto an update. */
export function carryOverMeta(
  next: JsonObject,
  current: JsonObject,
  options: { readonly generation: boolean } = { generation: true },
): void {
  const nm = metaOf(next);
  const cm = metaOf(current);
  for (const f of IMMUTABLE_META) {
    const v: Json | undefined = cm[f];
    if (v === undefined) delete nm[f];
    else nm[f] = v;
  }
  delete nm.managedFields;
  if (!options.generation) {
    delete nm.generation;
    return;
  }
  const gen = typeof cm.generation === 'number' ? cm.generation : 1;
  nm.generation = specPart(next) !== specPart(current) ? gen + 1 : gen;
}
