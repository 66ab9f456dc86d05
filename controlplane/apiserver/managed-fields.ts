/**
 * The REST layer's side of field ownership: who a request's manager is (kube-apiserver's
 * `fieldManager` / `force` parameters, else the User-Agent's program name) and keeping
 * `metadata.managedFields` across writes (server-side-apply.ts does the set work).
 */

import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { rootTypeOf } from './list-semantics.js';
import { queryBool } from './query-params.js';
import type { ResourceInfo } from './resources.js';
import { type Manager, recordUpdate, serverSideApply } from './server-side-apply.js';
import { badRequest } from './status.js';

export type { Manager } from './server-side-apply.js';

/**
 * The manager of a write: `fieldManager` (required for apply, at most 128 characters), else the
 * User-Agent up to its first `/` (apiserver fieldmanager prefixFromUserAgent).
 */
export function managerOf(
  q: URLSearchParams,
  userAgent: string | undefined,
  operation: Manager['operation'],
  subresource: string | undefined,
): Manager {
  const given = q.get('fieldManager');
  if (given !== null && given.length > 128)
    throw badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
  if (operation === 'Apply' && (given === null || given === ''))
    throw badRequest(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  const manager =
    given !== null && given !== '' ? given : ((userAgent ?? 'unknown').split('/')[0] ?? 'unknown');
  const force = queryBool(q, 'force');
  return {
    manager,
    operation,
    ...(subresource !== undefined && subresource !== '' ? { subresource } : {}),
    ...(force ? { force } : {}),
  };
}

/** The OpenAPI definition of an object of a built-in kind (undefined for custom resources). */
export function schemaOf(info: ResourceInfo, obj: JsonObject): string | undefined {
  if (info.custom) return undefined;
  const apiVersion =
    typeof obj.apiVersion === 'string'
      ? obj.apiVersion
      : info.group === ''
        ? info.version
        : `${info.group}/${info.version}`;
  return rootTypeOf(apiVersion, info.kind);
}

function metaOf(o: JsonObject): JsonObject {
  if (!isJsonObject(o.metadata)) o.metadata = {};
  return o.metadata as JsonObject;
}

/** managedFields of a created object: its creator owns what it sent. */
export function recordWrite(
  old: JsonObject,
  obj: JsonObject,
  type: string | undefined,
  who: Manager,
  now: string,
): void {
  if (who.operation === 'Apply') {
    const out = serverSideApply(old, obj, type, who, now);
    const mf = metaOf(out).managedFields;
    if (mf === undefined) delete metaOf(obj).managedFields;
    else metaOf(obj).managedFields = mf;
    return;
  }
  recordUpdate(old, obj, type, who, now);
}

/**
 * managedFields of an updated object: an apply's own result, else the stored entries with the
 * writer's changes recorded as its `Update` (writes without a manager, the server's own, keep them).
 */
export function keepManagedFields(o: {
  readonly merged: JsonObject;
  readonly current: JsonObject;
  readonly applied: JsonObject[keyof JsonObject] | undefined;
  readonly type: string | undefined;
  readonly who: Manager | undefined;
  readonly now: string;
}): void {
  const meta = metaOf(o.merged);
  if (o.who?.operation === 'Apply') {
    if (o.applied === undefined) delete meta.managedFields;
    else meta.managedFields = o.applied;
    return;
  }
  const before = isJsonObject(o.current.metadata) ? o.current.metadata.managedFields : undefined;
  // A write that sets managedFields itself replaces them (kubectl's client-side to server-side
  // apply upgrade patches them so; an empty list clears them).
  if (o.applied !== undefined && JSON.stringify(o.applied) !== JSON.stringify(before ?? [])) {
    if (Array.isArray(o.applied) && o.applied.length > 0) meta.managedFields = o.applied;
    else delete meta.managedFields;
    return;
  }
  if (before === undefined) delete meta.managedFields;
  else meta.managedFields = structuredClone(before);
  if (o.who !== undefined) recordUpdate(o.current, o.merged, o.type, o.who, o.now);
}
