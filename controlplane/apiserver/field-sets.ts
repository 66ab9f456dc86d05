/**
 * Field sets as server-side apply sees them (sigs.k8s.io/structured-merge-diff): the paths of an
 * object's fields in the `FieldsV1` set notation of `metadata.managedFields` — `f:<name>` for a
 * struct or map member, `k:{"key":value,…}` for an item of a list-map (x-kubernetes-list-type
 * map, keyed by x-kubernetes-list-map-keys), `v:<json>` for a value of a set list, and `.` for a
 * node that is a member itself as well as a parent. Which lists are which comes from
 * list-semantics.ts.
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { type FieldSemantics, fieldOf, isAtomicType, listKeyDefault } from './list-semantics.js';

/** A field set: `self` when the path itself is a member, and its children by path element. */
export interface FieldSet {
  self: boolean;
  readonly children: Map<string, FieldSet>;
}

export const emptySet = (): FieldSet => ({ self: false, children: new Map() });

/** Metadata members apply and update track; the rest is server-owned. */
const TRACKED_META = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

/** The `k:` element of a list-map item: its key fields (defaulted), sorted by name. */
export function itemElement(item: JsonObject, keys: readonly string[], itemType: string | undefined): string {
  const parts = [...keys]
    .sort()
    .map((k) => [k, item[k] ?? listKeyDefault(itemType, k) ?? null] as const)
    .filter(([, v]) => v !== null);
  return `k:${JSON.stringify(Object.fromEntries(parts))}`;
}

function child(set: FieldSet, el: string): FieldSet {
  let c = set.children.get(el);
  if (c === undefined) {
    c = emptySet();
    set.children.set(el, c);
  }
  return c;
}

/** The fields of a value of `type`, added to `into`. */
function addValue(
  into: FieldSet,
  value: Json,
  type: string | undefined,
  f: FieldSemantics | undefined,
): void {
  if (Array.isArray(value)) {
    const list = f?.list ?? 'atomic';
    if (list === 'atomic' || value.length === 0) {
      into.self = true;
      return;
    }
    for (const item of value) {
      if (list === 'set' || !isJsonObject(item)) {
        child(into, `v:${JSON.stringify(item)}`).self = true;
        continue;
      }
      const node = child(into, itemElement(item, f?.keys ?? [], f?.of));
      node.self = true;
      addObject(node, item, f?.of);
    }
    return;
  }
  if (isJsonObject(value) && !isAtomicType(type) && Object.keys(value).length > 0) {
    addObject(into, value, type);
    return;
  }
  into.self = true;
}

function addObject(into: FieldSet, obj: JsonObject, type: string | undefined): void {
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) continue;
    const f = fieldOf(type, k);
    const node = child(into, `f:${k}`);
    if (f?.map === true && isJsonObject(v)) {
      if (Object.keys(v).length === 0) node.self = true;
      for (const [mk, mv] of Object.entries(v)) addValue(child(node, `f:${mk}`), mv, f.of, undefined);
    } else addValue(node, v, f?.of, f);
  }
}

/** The fields an object sets, without apiVersion/kind/status and server-owned metadata. */
export function fieldSetOf(obj: JsonObject, type: string | undefined): FieldSet {
  const set = emptySet();
  const top: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isJsonObject(v)) {
      const meta = Object.fromEntries(Object.entries(v).filter(([mk]) => TRACKED_META.has(mk)));
      if (Object.keys(meta).length > 0) top.metadata = meta;
      continue;
    }
    top[k] = v;
  }
  addObject(set, top, type);
  return set;
}

/** Every member path of a set (each a list of elements). */
export function members(set: FieldSet, prefix: readonly string[] = []): string[][] {
  const out: string[][] = set.self && prefix.length > 0 ? [[...prefix]] : [];
  for (const [el, c] of set.children) out.push(...members(c, [...prefix, el]));
  return out;
}

/** A set holding the given member paths. */
export function setOf(paths: readonly (readonly string[])[]): FieldSet {
  const set = emptySet();
  for (const p of paths) {
    let node = set;
    for (const el of p) node = child(node, el);
    node.self = true;
  }
  return set;
}

/** True when `path` is a member of `set`. */
export function has(set: FieldSet, path: readonly string[]): boolean {
  let node: FieldSet | undefined = set;
  for (const el of path) {
    node = node.children.get(el);
    if (node === undefined) return false;
  }
  return node.self;
}

/** `a` without the members of `b`. */
export function difference(a: FieldSet, b: FieldSet | undefined): FieldSet {
  const out: FieldSet = { self: a.self && b?.self !== true, children: new Map() };
  for (const [el, c] of a.children) {
    const d = difference(c, b?.children.get(el));
    if (d.self || d.children.size > 0) out.children.set(el, d);
  }
  return out;
}

/** The members of both `a` and `b`. */
export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { self: a.self && b.self, children: new Map() };
  for (const [el, c] of a.children) {
    const other = b.children.get(el);
    if (other === undefined) continue;
    const d = intersection(c, other);
    if (d.self || d.children.size > 0) out.children.set(el, d);
  }
  return out;
}

/** The members of `a` or `b`. */
export function union(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { self: a.self || b.self, children: new Map() };
  for (const [el, c] of a.children) {
    const other = b.children.get(el);
    out.children.set(el, other === undefined ? c : union(c, other));
  }
  for (const [el, c] of b.children) if (!a.children.has(el)) out.children.set(el, c);
  return out;
}

/** True when a set has no member. */
export function isEmpty(set: FieldSet): boolean {
  if (set.self) return false;
  for (const c of set.children.values()) if (!isEmpty(c)) return false;
  return true;
}

/** The `fieldsV1` JSON of a set. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const out: JsonObject = {};
  if (set.self && set.children.size > 0) out['.'] = {};
  for (const [el, c] of [...set.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    out[el] = toFieldsV1(c);
  return out;
}

/** A set from its `fieldsV1` JSON. */
export function fromFieldsV1(json: Json | undefined, self = false): FieldSet {
  const set: FieldSet = { self, children: new Map() };
  if (!isJsonObject(json)) return set;
  for (const [el, c] of Object.entries(json)) {
    if (el === '.') {
      set.self = true;
      continue;
    }
    const sub = fromFieldsV1(c, !isJsonObject(c) || Object.keys(c).length === 0);
    set.children.set(el, sub);
  }
  return set;
}

/** kube-apiserver's rendering of a path in conflict messages: `.spec.ports[port=53,protocol="UDP"]`. */
export function pathString(path: readonly string[]): string {
  return path
    .map((el) => {
      if (el.startsWith('f:')) return `.${el.slice(2)}`;
      if (el.startsWith('v:')) return `[=${el.slice(2)}]`;
      if (el.startsWith('k:')) {
        const keys = JSON.parse(el.slice(2)) as Record<string, Json>;
        return `[${Object.entries(keys)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return el;
    })
    .join('');
}

/** Where a path leads in an object: the value, or undefined when absent. */
export function valueAt(obj: Json, path: readonly string[], rootType: string | undefined): Json | undefined {
  let cur: Json | undefined = obj;
  let type = rootType;
  // The semantics of the field whose value `cur` is (undefined for map values and list items).
  let f: FieldSemantics | undefined;
  for (const el of path) {
    if (cur === undefined) return undefined;
    if (el.startsWith('f:')) {
      if (!isJsonObject(cur)) return undefined;
      const name = el.slice(2);
      cur = cur[name];
      if (f?.map === true) {
        type = f.of;
        f = undefined;
        continue;
      }
      f = fieldOf(type, name);
      type = f?.map === true ? undefined : f?.of;
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = el.slice(2);
      cur = cur.find((x) => JSON.stringify(x) === want);
      f = undefined;
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const keys = f?.keys ?? [];
      const itemType = type;
      cur = cur.find((x) => isJsonObject(x) && itemElement(x, keys, itemType) === el);
      f = undefined;
    }
  }
  return cur;
}

/** Removes the member at `path` from an object (a field, a list-map item or a set value). */
export function removeAt(obj: JsonObject, path: readonly string[], rootType: string | undefined): void {
  const last = path[path.length - 1];
  if (last === undefined) return;
  const parent = valueAt(obj, path.slice(0, -1), rootType);
  if (last.startsWith('f:')) {
    if (isJsonObject(parent)) delete parent[last.slice(2)];
    return;
  }
  if (!Array.isArray(parent)) return;
  const target = valueAt(obj, path, rootType);
  const i = target === undefined ? -1 : parent.indexOf(target);
  if (i >= 0) parent.splice(i, 1);
}

/** True when `path` has no members below it in `set` (a leaf, not a list item with fields). */
export function isLeaf(set: FieldSet, path: readonly string[]): boolean {
  let node: FieldSet | undefined = set;
  for (const el of path) {
    node = node?.children.get(el);
    if (node === undefined) return true;
  }
  return node.children.size === 0;
}
