/** Picks the patch algorithm for a request's Content-Type (apiserver handlers/patch.go). */
import { isObject, type Json, type JsonObject, jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { ApiError, badRequest } from './status.js';

/** Patch content types the server accepts. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** Applies one patch format. Custom resources take strategic merge as JSON merge, as Kubernetes refuses it. */
export function applyPatch(current: JsonObject, type: PatchType, body: Json, custom: boolean): JsonObject {
  let out: Json;
  switch (type) {
    case 'merge':
      out = mergePatch(current, body);
      break;
    case 'apply':
      // Server-side apply without managedFields: fields other writers set must survive, and list
      // entries match by their keys (listMapKeys are the strategic merge keys of built-in kinds),
      // so a strategic merge is the nearest; custom resources have no merge keys here.
      out = custom ? mergePatch(current, body) : strategicMergePatch(current, body);
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
      out = strategicMergePatch(current, body);
      break;
  }
  if (!isObject(out)) throw badRequest('the patch must leave a JSON object');
  return out;
}
