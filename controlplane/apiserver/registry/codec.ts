/**
 * Where objects live in the store and how they are written there: kube-apiserver's key layout
 * (`/registry/<prefix>/<namespace>/<name>`), the stored form (storage version, no
 * resourceVersion: the revision is one) and the read form (resourceVersion stamped, converted
 * to the version a request is served). Pure.
 */

import type { JsonObject } from '../../../lib/api/json.js';
import type { KeyValue } from '../../store/index.js';
import { toServedVersion, toStorageVersion } from '../crd-conversion.js';
import { metaOf } from '../object-meta.js';
import type { ResourceInfo } from '../resources.js';

/** A stored value with the revision it was written at. */
export type StoredValue = Pick<KeyValue, 'value' | 'modRevision'>;

/** The key prefix of a list: all namespaces when `namespace` is undefined. */
export function prefixOf(info: ResourceInfo, namespace: string | undefined): string {
  const base = `/registry/${info.storagePrefix}/`;
  return info.namespaced && namespace ? `${base}${namespace}/` : base;
}

/** The store key of an object: `/registry/<prefix>/<ns>/<name>` (kube-apiserver layout). */
export function keyOf(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${prefixOf(info, namespace)}${name}` : `/registry/${info.storagePrefix}/${name}`;
}

/** Decodes a stored value and stamps its resourceVersion. */
export function decode(kv: StoredValue): JsonObject {
  const o = JSON.parse(kv.value) as JsonObject;
  metaOf(o).resourceVersion = String(kv.modRevision);
  return o;
}

/** A stored value decoded and converted to the version `info` serves (custom resources). */
export function readAs(info: ResourceInfo, kv: StoredValue): JsonObject {
  return toServedVersion(info, decode(kv));
}

/** The object as stored: in the storage version, without resourceVersion (the revision is). */
export function storedForm(info: ResourceInfo, o: JsonObject): JsonObject {
  const stored = toStorageVersion(info, o);
  const copy = { ...stored, metadata: { ...metaOf(stored) } };
  delete (copy.metadata as JsonObject).resourceVersion;
  return copy;
}

/** The value to store: `o` in the storage version, without its resourceVersion. */
export function encode(info: ResourceInfo, o: JsonObject): string {
  return JSON.stringify(storedForm(info, o));
}
