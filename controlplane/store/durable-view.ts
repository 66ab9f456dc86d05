/**
 * What readers of the SQLite store see while a group commit waits for its fsync. The batch is
 * already committed in SQLite (so the connection's own queries return it), but it is not
 * durable yet, and a read must never show data or a revision that a power cut could still take
 * back. `PendingBatch` remembers, for every key the batch changed, its value before the batch;
 * the functions here lay that over what SQLite returns, so reads answer from the durable prefix
 * without waiting for the disk. Pure: no database, no clock.
 */
import type { KeyValue } from './types.js';

/** Keys the unsynced batch changed → their value before it (undefined: the key did not exist). */
export type PendingBatch = ReadonlyMap<string, KeyValue | undefined>;

/** The durable value of `key`, given what SQLite holds now (`row`). */
export function durableGet(
  key: string,
  row: KeyValue | undefined,
  pending: PendingBatch | undefined,
): KeyValue | undefined {
  return pending?.has(key) ? pending.get(key) : row;
}

/**
 * How many rows to ask SQLite for so that a page of `limit` keys (-1: no limit) is still full
 * after the pending batch's keys are taken out: one more than the page (to know whether more
 * follow), plus one per key the batch may hide.
 */
export function fetchCount(limit: number, pending: PendingBatch | undefined): number {
  return limit === -1 ? -1 : limit + 1 + (pending?.size ?? 0);
}

/**
 * One page of a durable list. `rows` are SQLite's rows under `prefix` after `after`, in key
 * order, fetched with `fetchCount` (`fetched`, -1: unlimited); the pending batch's keys are
 * replaced by their durable values.
 */
export function durableList(
  rows: readonly KeyValue[],
  fetched: number,
  pending: PendingBatch | undefined,
  prefix: string,
  after: string,
  limit: number,
): { items: KeyValue[]; more: boolean } {
  let merged: readonly KeyValue[] = rows;
  if (pending && pending.size > 0) {
    // When SQLite had more rows than were fetched, keys past the last fetched row are unknown
    // here: durable values beyond it must wait for the next page.
    const complete = fetched === -1 || rows.length < fetched;
    const last = complete ? undefined : rows[rows.length - 1]?.key;
    const restored: KeyValue[] = [];
    for (const [key, kv] of pending) {
      if (!kv || !key.startsWith(prefix) || compareKeys(key, after) <= 0) continue;
      if (last !== undefined && compareKeys(key, last) > 0) continue;
      restored.push(kv);
    }
    restored.sort((x, y) => compareKeys(x.key, y.key));
    merged = mergeSorted(
      rows.filter((r) => !pending.has(r.key)),
      restored,
    );
  }
  const more = limit !== -1 && merged.length > limit;
  return { items: more ? merged.slice(0, limit) : [...merged], more };
}

function mergeSorted(a: readonly KeyValue[], b: readonly KeyValue[]): KeyValue[] {
  if (b.length === 0) return [...a];
  const out: KeyValue[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as KeyValue;
    const y = b[j] as KeyValue;
    if (compareKeys(x.key, y.key) <= 0) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  for (; i < a.length; i++) out.push(a[i] as KeyValue);
  for (; j < b.length; j++) out.push(b[j] as KeyValue);
  return out;
}

/**
 * Orders keys as SQLite's BINARY collation does (UTF-8 bytes, i.e. code points). JavaScript's
 * `<` compares UTF-16 code units, which differs only between surrogates (code points above
 * U+FFFF) and U+E000–U+FFFF; `rank` moves the surrogates above that range.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

function rank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}
