/**
 * The three patch formats Kubernetes clients send, as pure functions over JSON values:
 * JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch (the Kubernetes
 * extension: lists merged by key, `$patch`, `$setElementOrder`, `$retainKeys`,
 * `$deleteFromPrimitiveList`; see community/contributors/devel/sig-api-machinery/strategic-merge-patch.md).
 */
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { fieldOf } from './list-semantics.js';
import { badRequest } from './status.js';

/** RFC 7386 §2: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return patch;
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** One RFC 6902 operation. */
interface JsonPatchOp {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`json patch: invalid pointer "${pointer}"`);
  // RFC 6901 §4: ~1 → '/', then ~0 → '~'.
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

function parentOf(doc: Json, tokens: readonly string[], pointer: string): { parent: Json; last: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur)
      ? cur[Number(t)]
      : isJsonObject(cur)
        ? cur[t]
        : undefined;
    if (next === undefined) throw badRequest(`json patch: path "${pointer}" does not exist`);
    cur = next;
  }
  return { parent: cur, last: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: Json, pointer: string): Json {
  let cur: Json = doc;
  for (const t of parsePointer(pointer)) {
    const next: Json | undefined = Array.isArray(cur)
      ? cur[Number(t)]
      : isJsonObject(cur)
        ? cur[t]
        : undefined;
    if (next === undefined) throw badRequest(`json patch: path "${pointer}" does not exist`);
    cur = next;
  }
  return cur;
}

function arrayIndex(arr: readonly Json[], token: string, forAdd: boolean, pointer: string): number {
  if (forAdd && token === '-') return arr.length;
  const i = /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : Number.NaN;
  if (!Number.isInteger(i) || i < 0 || i > arr.length || (!forAdd && i === arr.length)) {
    throw badRequest(`json patch: index "${token}" out of range in "${pointer}"`);
  }
  return i;
}

function addAt(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, pointer), 0, value);
  else if (isJsonObject(parent)) parent[last] = value;
  else throw badRequest(`json patch: cannot add at "${pointer}"`);
  return doc;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, pointer), 1);
  else if (isJsonObject(parent) && last in parent) delete parent[last];
  else throw badRequest(`json patch: path "${pointer}" does not exist`);
  return doc;
}

/** RFC 6902: applies the operations in order to a copy; any failure rejects the whole patch. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch: body must be an array of operations');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isJsonObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('json patch: each operation needs "op" and "path"');
    }
    const op = raw as unknown as JsonPatchOp;
    const need = (): Json => {
      if (op.value === undefined) throw badRequest(`json patch: "${op.op}" at "${op.path}" needs a value`);
      return clone(op.value);
    };
    // RFC 6902 §4.4–4.5: move and copy name their source in "from", a JSON pointer string.
    const from = (): string => {
      if (typeof raw.from !== 'string')
        throw badRequest(`json patch: "${op.op}" to "${op.path}" needs "from" as a string`);
      return raw.from;
    };
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, need());
        break;
      case 'remove':
        doc = removeAt(doc, op.path);
        break;
      case 'replace':
        getAt(doc, op.path);
        doc = addAt(removeAt(doc, op.path), op.path, need());
        break;
      case 'move': {
        const source = from();
        const v = clone(getAt(doc, source));
        doc = addAt(removeAt(doc, source), op.path, v);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, clone(getAt(doc, from())));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) {
          throw badRequest(`json patch: test failed at "${op.path}"`);
        }
        break;
      default:
        throw badRequest(`json patch: unknown op "${op.op}"`);
    }
  }
  return doc;
}

/** How strategic merge treats one field: its merge key (if merged by key) and its value's type. */
function smpField(
  type: string | undefined,
  field: string,
): { readonly merge: boolean; readonly key?: string; readonly of?: string } {
  const f = fieldOf(type, field);
  const merge = f?.patch?.split(',').includes('merge') ?? false;
  return {
    merge,
    ...(f?.mergeKey !== undefined ? { key: f.mergeKey } : {}),
    ...(f?.of !== undefined ? { of: f.of } : {}),
  };
}

/**
 * Applies a strategic merge patch; `patch` must be an object. `type` is the OpenAPI definition of
 * the target (list-semantics.ts), whose `x-kubernetes-patch-strategy` / `-merge-key` annotations
 * decide how each list merges; lists without one (or of an unknown type) are replaced whole.
 */
export function strategicMergePatch(target: Json, patch: Json, type?: string): Json {
  if (!isJsonObject(patch)) throw badRequest('strategic merge patch: body must be an object');
  return smpObject(isJsonObject(target) ? target : {}, patch, type);
}

function smpObject(target: JsonObject, patch: JsonObject, type: string | undefined): JsonObject {
  if (patch.$patch === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return {};
  let out: JsonObject = { ...target };
  const retain = patch.$retainKeys;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) {
        const drop = new Set(v.map((x) => JSON.stringify(x)));
        out[field] = cur.filter((x) => !drop.has(JSON.stringify(x)));
      }
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (isJsonObject(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = smpObject(isJsonObject(cur) ? cur : {}, v, smpField(type, k).of);
    } else if (Array.isArray(v)) {
      out[k] = smpList(Array.isArray(cur) ? cur : [], v, smpField(type, k));
    } else {
      out[k] = v;
    }
  }
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith('$setElementOrder/') || !Array.isArray(order)) continue;
    const field = k.slice('$setElementOrder/'.length);
    const list = out[field];
    const before = Array.isArray(target[field]) ? target[field] : [];
    if (Array.isArray(list)) out[field] = applyOrder({ list, order, before, key: smpField(type, field).key });
  }
  if (Array.isArray(retain)) {
    const keep = new Set(retain.filter((x): x is string => typeof x === 'string'));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  return out;
}

function smpList(
  target: readonly Json[],
  patch: readonly Json[],
  field: { readonly merge: boolean; readonly key?: string; readonly of?: string },
): Json[] {
  // patchStrategy merge on a list of scalars: a set union.
  if (field.merge && field.key === undefined && patch.every((x) => !isJsonObject(x))) {
    const out = [...target];
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    return applyOrder({ list: out, order: patch, before: target, key: undefined });
  }
  const key = field.merge ? field.key : undefined;
  // Without a merge key a list is atomic: the patch replaces it (minus any directive entries).
  if (key === undefined || patch.some((x) => !isJsonObject(x)))
    return patch.filter((x) => !(isJsonObject(x) && '$patch' in x)).map((x) => clone(x));
  if (patch.some((x) => isJsonObject(x) && x.$patch === 'replace')) {
    return patch.filter((x) => !(isJsonObject(x) && x.$patch === 'replace')).map((x) => clone(x));
  }
  const out = target.map((x) => clone(x));
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const id = item[key];
    const at = out.findIndex((x) => isJsonObject(x) && JSON.stringify(x[key]) === JSON.stringify(id));
    if (item.$patch === 'delete') {
      if (at !== -1) out.splice(at, 1);
      continue;
    }
    const existing = at === -1 ? undefined : out[at];
    if (isJsonObject(existing)) out[at] = smpObject(existing, item, field.of);
    else out.push(smpObject({}, item, field.of));
  }
  return applyOrder({
    list: out,
    order: patch.filter((x) => !(isJsonObject(x) && x.$patch)),
    before: target,
    key,
  });
}

/**
 * The order of a merged list (apimachinery strategicpatch normalizeElementOrder): the elements
 * the patch names (or `$setElementOrder` lists) in that order, the others in their old order,
 * and the two interleaved by their old positions where both had one (mergeSortedSlice). So an
 * element new to the list comes before the old ones that follow it, e.g. a patch adding a
 * container puts it first.
 */
function applyOrder(o: {
  readonly list: readonly Json[];
  readonly order: readonly Json[];
  readonly before: readonly Json[];
  readonly key: string | undefined;
}): Json[] {
  const key = o.key;
  const idOf = (x: Json): string => JSON.stringify(key !== undefined && isJsonObject(x) ? x[key] : x);
  const ids = o.order.map(idOf);
  const old = o.before.map(idOf);
  const named = o.list
    .filter((x) => ids.includes(idOf(x)))
    .sort((a, b) => ids.indexOf(idOf(a)) - ids.indexOf(idOf(b)));
  const others = o.list.filter((x) => !ids.includes(idOf(x)));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < others.length || j < named.length) {
    const left = others[i];
    const right = named[j];
    if (right === undefined) {
      out.push(left as Json);
      i++;
    } else if (left === undefined) {
      out.push(right);
      j++;
    } else {
      // The old element goes first only when both were in the old list and it came first there.
      const li = old.indexOf(idOf(left));
      const ri = old.indexOf(idOf(right));
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push(left);
        i++;
      } else {
        out.push(right);
        j++;
      }
    }
  }
  return out;
}
