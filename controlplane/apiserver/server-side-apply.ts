/**
 * Server-side apply and field ownership (`metadata.managedFields`), after kube-apiserver's
 * fieldmanager over sigs.k8s.io/structured-merge-diff: an apply merges the applied
 * configuration into the live object by the schema's list types and keys, takes ownership of
 * the fields it names, removes the fields its manager applied before and no longer applies
 * (unless another manager owns them too), and fails with 409 on fields another manager owns
 * with a different value unless forced. Any other write (create, update, patch) is an `Update`
 * by its manager, which takes over the fields it changed.
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import {
  difference,
  emptySet,
  type FieldSet,
  fieldSetOf,
  fromFieldsV1,
  has,
  intersection,
  isEmpty,
  isLeaf,
  itemElement,
  members,
  pathString,
  removeAt,
  setOf,
  toFieldsV1,
  union,
  valueAt,
} from './field-sets.js';
import { fieldOf, isAtomicType } from './list-semantics.js';
import { ApiError } from './status.js';

/** Who writes, as managedFields records it. */
export interface Manager {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly subresource?: string;
  /** `force=true` on an apply: take conflicting fields over. */
  readonly force?: boolean;
}

interface Entry {
  readonly manager: string;
  readonly operation: string;
  readonly apiVersion: string;
  readonly time: string | undefined;
  readonly subresource: string | undefined;
  set: FieldSet;
  /** Written now: its time is `time`, not the old entry's. */
  readonly fresh?: boolean;
}

function entriesOf(obj: JsonObject): Entry[] {
  const meta = isJsonObject(obj.metadata) ? obj.metadata : {};
  const raw = Array.isArray(meta.managedFields) ? meta.managedFields : [];
  return raw.filter(isJsonObject).map((e) => ({
    manager: typeof e.manager === 'string' ? e.manager : '',
    operation: typeof e.operation === 'string' ? e.operation : 'Update',
    apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
    time: typeof e.time === 'string' ? e.time : undefined,
    subresource: typeof e.subresource === 'string' && e.subresource !== '' ? e.subresource : undefined,
    set: fromFieldsV1(e.fieldsV1),
  }));
}

const sameEntry = (e: Entry, m: Manager): boolean =>
  e.manager === m.manager && e.operation === m.operation && e.subresource === m.subresource;

/** The managedFields list of entries, keeping an old entry's time when its fields did not change. */
function encodeEntries(entries: readonly Entry[], before: readonly Entry[]): Json[] {
  return entries
    .filter((e) => !isEmpty(e.set))
    .map((e) => {
      const fieldsV1 = toFieldsV1(e.set);
      const old = before.find(
        (b) =>
          b.manager === e.manager &&
          b.operation === e.operation &&
          b.subresource === e.subresource &&
          b.apiVersion === e.apiVersion &&
          JSON.stringify(toFieldsV1(b.set)) === JSON.stringify(fieldsV1),
      );
      const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
      const time = e.fresh === true ? e.time : (old?.time ?? e.time);
      if (time !== undefined) out.time = time;
      out.fieldsType = 'FieldsV1';
      out.fieldsV1 = fieldsV1;
      if (e.subresource !== undefined) out.subresource = e.subresource;
      return out;
    });
}

/** Merges an applied configuration into a live value by the schema (applied values win). */
function mergeValue(
  live: Json | undefined,
  applied: Json,
  type: string | undefined,
  list: string | undefined,
  keys: readonly string[],
  itemType: string | undefined,
): Json {
  if (Array.isArray(applied)) {
    const cur = Array.isArray(live) ? live : [];
    if (list === 'set') {
      const out = [...cur];
      for (const v of applied) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
      return out;
    }
    if (list !== 'map') return structuredClone(applied);
    const out = cur.map((x) => structuredClone(x));
    for (const item of applied) {
      if (!isJsonObject(item)) continue;
      const el = itemElement(item, keys, itemType);
      const at = out.findIndex((x) => isJsonObject(x) && itemElement(x, keys, itemType) === el);
      if (at === -1) out.push(structuredClone(item));
      else out[at] = mergeValue(out[at], item, itemType, undefined, [], undefined);
    }
    return out;
  }
  if (isJsonObject(applied) && !isAtomicType(type)) {
    const out: JsonObject = isJsonObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) continue;
      const f = fieldOf(type, k);
      if (f?.map === true && isJsonObject(v)) {
        const m: JsonObject = isJsonObject(out[k]) ? { ...(out[k] as JsonObject) } : {};
        for (const [mk, mv] of Object.entries(v))
          m[mk] = mergeValue(m[mk], mv, f.of, undefined, [], undefined);
        out[k] = m;
      } else out[k] = mergeValue(out[k], v, f?.of, f?.list, f?.keys ?? [], f?.of);
    }
    return out;
  }
  return structuredClone(applied);
}

/** A 409 with kube-apiserver's wording (fieldmanager NewConflictError). */
function conflictError(
  conflicts: readonly { readonly manager: Entry; readonly path: readonly string[] }[],
): ApiError {
  const who = (e: Entry): string => {
    let s = JSON.stringify(e.manager);
    if (e.subresource !== undefined) s += ` with subresource ${JSON.stringify(e.subresource)}`;
    if (e.operation === 'Update')
      s += e.time === undefined ? ` using ${e.apiVersion}` : ` using ${e.apiVersion} at ${e.time}`;
    return s;
  };
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first !== undefined) {
    message = `Apply failed with 1 conflict: conflict with ${who(first.manager)}: ${pathString(first.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const k = who(c.manager);
      byManager.set(k, [...(byManager.get(k) ?? []), pathString(c.path)]);
    }
    const lines: string[] = [];
    for (const k of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${k}`);
      for (const p of byManager.get(k) ?? []) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${who(c.manager)}`,
      field: pathString(c.path),
    })),
  });
}

/**
 * Whether every conflict lies within the object's client-side apply record (the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation): kube-apiserver then lets the
 * apply take those fields over, so moving from `kubectl apply` to `--server-side` works
 * (fieldmanager lastAppliedManager).
 */
function lastAppliedCovers(
  live: JsonObject,
  conflicts: readonly { readonly path: readonly string[] }[],
  type: string | undefined,
): boolean {
  const meta = isJsonObject(live.metadata) ? live.metadata : {};
  const annotations = isJsonObject(meta.annotations) ? meta.annotations : {};
  const raw = annotations['kubectl.kubernetes.io/last-applied-configuration'];
  if (typeof raw !== 'string') return false;
  let last: Json;
  try {
    last = JSON.parse(raw) as Json;
  } catch {
    return false;
  }
  if (!isJsonObject(last)) return false;
  const set = fieldSetOf(last, type);
  return conflicts.every((c) => has(set, c.path));
}

/**
 * Server-side apply of `applied` to `live` (which may be `{}` for a create) by `who`; returns
 * the merged object with its managedFields. `type` is the kind's OpenAPI definition
 * (list-semantics.ts); undefined for custom resources, whose lists are then atomic.
 */
export function serverSideApply(
  live: JsonObject,
  applied: JsonObject,
  type: string | undefined,
  who: Manager,
  now: string,
): JsonObject {
  const before = entriesOf(live);
  const appliedSet = fieldSetOf(applied, type);
  const merged = mergeValue(live, applied, type, undefined, [], undefined) as JsonObject;
  const apiVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  const others = before.filter((e) => !sameEntry(e, who));
  // Conflicts: members this apply changes that another manager owns.
  const conflicts: { manager: Entry; path: string[] }[] = [];
  for (const path of members(appliedSet)) {
    if (!isLeaf(appliedSet, path)) continue;
    if (JSON.stringify(valueAt(live, path, type)) === JSON.stringify(valueAt(merged, path, type))) continue;
    if (valueAt(live, path, type) === undefined) continue;
    for (const e of others) if (has(e.set, path)) conflicts.push({ manager: e, path });
  }
  if (conflicts.length > 0 && who.force !== true && !lastAppliedCovers(live, conflicts, type))
    throw conflictError(conflicts);
  for (const c of conflicts) c.manager.set = difference(c.manager.set, setOf([c.path]));
  // What this manager applied before and no longer does goes, unless someone else owns it.
  const previous = before.find((e) => sameEntry(e, who))?.set ?? emptySet();
  const candidates = members(difference(previous, appliedSet)).filter(
    (p) => !others.some((e) => has(e.set, p)),
  );
  const key = (p: readonly string[]): string => JSON.stringify(p);
  const all = new Set(candidates.map(key));
  // An item or field that goes takes its members with it: only the outermost paths are removed.
  const dropped = candidates
    .filter((p) => !p.some((_, i) => i > 0 && all.has(key(p.slice(0, i)))))
    // Deepest first, so an item goes before the list that held it is looked at.
    .sort((a, b) => b.length - a.length);
  for (const p of dropped) removeAt(merged, p, type);
  const mine: Entry = {
    manager: who.manager,
    operation: 'Apply',
    apiVersion,
    time: now,
    subresource: who.subresource,
    set: appliedSet,
  };
  const at = before.findIndex((e) => sameEntry(e, who));
  const entries = at === -1 ? [...others, mine] : before.map((e) => (sameEntry(e, who) ? mine : e));
  setManagedFields(merged, encodeEntries(entries, before));
  return merged;
}

function setManagedFields(obj: JsonObject, entries: Json[]): void {
  const meta: JsonObject = isJsonObject(obj.metadata) ? obj.metadata : {};
  obj.metadata = meta;
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
}

/**
 * managedFields after a non-apply write (`Update`) by `who`: it takes over the members it
 * added or changed from `old` to `next` (all of them on a create, `old` = `{}`).
 */
export function recordUpdate(
  old: JsonObject,
  next: JsonObject,
  type: string | undefined,
  who: Manager,
  now: string,
): void {
  const before = entriesOf(old);
  const nextSet = fieldSetOf(next, type);
  const changed = emptySet();
  // Only subtrees whose value differs are walked: an update of one field costs little.
  const walk = (node: FieldSet, into: FieldSet, path: readonly string[]): void => {
    for (const [el, c] of node.children) {
      const p = [...path, el];
      const was = valueAt(old, p, type);
      const target: FieldSet = { self: false, children: new Map() };
      if (was === undefined) {
        into.children.set(el, c);
        continue;
      }
      if (JSON.stringify(was) === JSON.stringify(valueAt(next, p, type))) continue;
      if (c.children.size === 0) target.self = c.self;
      else walk(c, target, p);
      if (!isEmpty(target)) into.children.set(el, target);
    }
  };
  walk(nextSet, changed, []);
  // Members gone from the object are nobody's any more.
  const prune = (s: FieldSet): FieldSet => intersection(s, nextSet);
  const apiVersion = typeof next.apiVersion === 'string' ? next.apiVersion : '';
  const entries = before.map((e) => ({
    ...e,
    set: difference(prune(e.set), sameEntry(e, who) ? emptySet() : changed),
  }));
  const mine = entries.find((e) => sameEntry(e, who));
  if (mine === undefined) {
    if (!isEmpty(changed))
      entries.push({
        manager: who.manager,
        operation: 'Update',
        apiVersion,
        time: now,
        subresource: who.subresource,
        set: changed,
      });
  } else if (!isEmpty(changed)) {
    entries[entries.indexOf(mine)] = {
      ...mine,
      time: now,
      fresh: true,
      set: union(mine.set, changed),
    };
  }
  setManagedFields(next, encodeEntries(entries, before));
}
