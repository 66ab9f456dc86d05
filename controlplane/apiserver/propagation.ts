/**
 * Pure pieces of cascading deletion (the garbage collector's view of ownerReferences): which
 * objects name an owner, and the edits that orphan a dependent or release a finalizer. The
 * server uses them for the parts of the collector's work that need no controller
 * (pkg/controller/garbagecollector: orphanDependents, and removing `foregroundDeletion` from an
 * owner that has no dependents).
 */

import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { metaOf } from './object-meta.js';

/** True when `o` lists an owner reference with `uid`. */
export function hasOwner(o: JsonObject, uid: string): boolean {
  const refs = metaOf(o).ownerReferences;
  return Array.isArray(refs) && refs.some((r) => isJsonObject(r) && r.uid === uid);
}

/** `o` without its owner references to `uid` (the field removed when none remain). */
export function withoutOwner(o: JsonObject, uid: string): JsonObject {
  const meta = metaOf(o);
  const refs = Array.isArray(meta.ownerReferences) ? meta.ownerReferences : [];
  const keep = refs.filter((r) => !(isJsonObject(r) && r.uid === uid));
  if (keep.length > 0) meta.ownerReferences = keep;
  else delete meta.ownerReferences;
  return o;
}

/** `o` without the finalizer `name` (the field removed when none remain). */
export function withoutFinalizer(o: JsonObject, name: string): JsonObject {
  const meta = metaOf(o);
  const keep = (Array.isArray(meta.finalizers) ? meta.finalizers : []).filter((f) => f !== name);
  if (keep.length > 0) meta.finalizers = keep;
  else delete meta.finalizers;
  return o;
}
