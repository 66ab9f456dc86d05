/** Picks the patch algorithm for a request's Content-Type (apiserver handlers/patch.go). */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { formatTime } from '../../lib/api/time.js';
import { rootTypeOf } from './list-semantics.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { type Manager, serverSideApply } from './server-side-apply.js';
import { ApiError, badRequest } from './status.js';

/** Patch content types the server accepts. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** The OpenAPI definition of a stored object's kind, which decides how its lists merge. */
function schemaOf(o: JsonObject): string | undefined {
  return typeof o.apiVersion === 'string' && typeof o.kind === 'string'
    ? rootTypeOf(o.apiVersion, o.kind)
    : undefined;
}

/**
 * Applies one patch format; strategic merge is refused for custom resources, as Kubernetes does.
 * An apply needs its manager (`fieldManager`, `force`) and the time to record in managedFields.
 */
export function applyPatch(
  current: JsonObject,
  type: PatchType,
  body: Json,
  custom: boolean,
  apply: { readonly who: Manager; readonly now: string } = {
    who: { manager: 'unknown', operation: 'Apply' },
    now: formatTime(Date.now()),
  },
): JsonObject {
  let out: Json;
  switch (type) {
    case 'merge':
      out = mergePatch(current, body);
      break;
    case 'apply':
      if (!isJsonObject(body)) throw badRequest('apply: the body must be an object');
      out = serverSideApply(current, body, custom ? undefined : schemaOf(current), apply.who, apply.now);
      break;
    case 'json':
      out = jsonPatch(current, body);
      break;
    case 'strategic':
      if (custom)
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          'strategic merge patch is not supported for custom resources',
        );
      out = strategicMergePatch(current, body, schemaOf(current));
      break;
  }
  if (!isJsonObject(out)) throw badRequest('the patch must leave a JSON object');
  return out;
}
