/**
 * The cells of server-side printing: a column's shape, reads of an object's fields by dotted
 * path, kubectl's human durations, and the columns most tables share (Name, Age, a workload's
 * wide Containers/Images/Selector).
 */
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';

/** One column of a Table: header, type, `-o wide` priority and how a cell is computed. */
export interface Column {
  readonly name: string;
  readonly type?: 'string' | 'integer' | 'date' | 'boolean';
  readonly priority?: number;
  readonly cell: (o: JsonObject, now: Date) => Json;
}

/** The value at a dotted path (`spec.selector.matchLabels`), undefined when absent. */
export function get(o: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = o;
  for (const p of path.split('.')) cur = isJsonObject(cur) ? cur[p] : undefined;
  return cur;
}

/** The value at `path` as text; `fallback` when absent, null or empty. */
export function str(o: JsonObject, path: string, fallback = '<none>'): string {
  const v = get(o, path);
  return v === undefined || v === null || v === '' ? fallback : String(v);
}

/** The objects of a list value (none when not a list). */
export function arr(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

/** The number at `path`, 0 when absent. */
export function num(o: JsonObject, path: string): number {
  const v = get(o, path);
  return typeof v === 'number' ? v : 0;
}

/** How many keys an object value has (0 when not an object). */
export function keys(v: Json | undefined): number {
  return isJsonObject(v) ? Object.keys(v).length : 0;
}

/** apimachinery duration.HumanDuration: `45s`, `5m10s`, `3h`, `2d5h`, `400d`. */
export function humanDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** The age of the timestamp at `path` (creation by default), as kubectl prints it. */
export function age(o: JsonObject, now: Date, path = 'metadata.creationTimestamp'): string {
  const t = get(o, path);
  if (typeof t !== 'string') return '<unknown>';
  return humanDuration((now.getTime() - Date.parse(t)) / 1000);
}

export const NAME: Column = { name: 'Name', cell: (o) => str(o, 'metadata.name', '') };
export const AGE: Column = { name: 'Age', cell: age };

function selectorText(o: JsonObject): string {
  const match = get(o, 'spec.selector.matchLabels');
  const parts = isJsonObject(match) ? Object.entries(match).map(([k, v]) => `${k}=${String(v)}`) : [];
  return parts.length ? parts.join(',') : '<none>';
}

function containersOf(o: JsonObject): JsonObject[] {
  return arr(get(o, 'spec.template.spec.containers'));
}

/** A workload's wide columns: its template's containers and images, its selector. */
export const WORKLOAD_WIDE: Column[] = [
  {
    name: 'Containers',
    priority: 1,
    cell: (o) =>
      containersOf(o)
        .map((c) => String(c.name))
        .join(',') || '<none>',
  },
  {
    name: 'Images',
    priority: 1,
    cell: (o) =>
      containersOf(o)
        .map((c) => String(c.image))
        .join(',') || '<none>',
  },
  { name: 'Selector', priority: 1, cell: selectorText },
];
