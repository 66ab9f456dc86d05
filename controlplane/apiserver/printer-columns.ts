/**
 * CRD `additionalPrinterColumns`: the JSONPath subset they use (`.a.b`, `.a[0].b`,
 * `.a[?(@.k=="v")].b`, `.a[*].b`) and the cell each column gives, as apiextensions-apiserver's
 * table convertor does (pkg/registry/customresource/tableconvertor): `date` columns show an age,
 * a missing value is null (kubectl prints `<none>`), several matches are joined with commas.
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { type FieldError, invalidValue } from '../../lib/api/validation/index.js';

/** One additionalPrinterColumns entry (apiextensions/v1 CustomResourceColumnDefinition). */
export interface PrinterColumn {
  readonly name: string;
  /** integer, number, string, boolean or date (OpenAPI types plus date). */
  readonly type: string;
  readonly jsonPath: string;
  readonly priority: number;
  readonly description: string;
  readonly format: string;
}

type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'filter'; readonly key: string; readonly value: string };

/** Parses the supported JSONPath subset; undefined when the expression is outside it. */
export function parsePrinterPath(path: string): Step[] | undefined {
  const text = path
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .replace(/^\$/, '');
  const steps: Step[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push({ kind: 'field', name: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ kind: 'filter', key: m[3], value: m[4] ?? '' });
    else steps.push({ kind: 'all' });
    at = re.lastIndex;
  }
  return steps.length > 0 ? steps : undefined;
}

function field(v: Json, dotted: string): Json | undefined {
  let cur: Json | undefined = v;
  for (const p of dotted.split('.')) cur = isJsonObject(cur) ? cur[p] : undefined;
  return cur;
}

/** Every value `steps` reach in `o`. */
function evaluate(o: JsonObject, steps: readonly Step[]): Json[] {
  let cur: Json[] = [o];
  for (const s of steps) {
    const next: Json[] = [];
    for (const v of cur) {
      if (s.kind === 'field') {
        if (isJsonObject(v) && v[s.name] !== undefined) next.push(v[s.name] as Json);
      } else if (!Array.isArray(v)) {
      } else if (s.kind === 'index') {
        if (v[s.index] !== undefined) next.push(v[s.index] as Json);
      } else if (s.kind === 'all') {
        next.push(...v);
      } else {
        next.push(...v.filter((e) => String(field(e, s.key) ?? '') === s.value));
      }
    }
    cur = next;
  }
  return cur;
}

/** The cell of one column for one object. */
export function printerCell(column: PrinterColumn, o: JsonObject, age: (t: string) => string): Json {
  const steps = parsePrinterPath(column.jsonPath);
  const values = steps ? evaluate(o, steps).filter((v) => v !== null) : [];
  if (values.length === 0) return null;
  if (column.type === 'date') return typeof values[0] === 'string' ? age(values[0]) : null;
  if (values.length === 1) {
    const v = values[0] as Json;
    return isJsonObject(v) || Array.isArray(v) ? JSON.stringify(v) : v;
  }
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
}

const TYPES = ['integer', 'number', 'string', 'boolean', 'date'];

/** Reads and checks a CRD version's additionalPrinterColumns (apiextensions validation). */
export function printerColumnsOf(version: JsonObject, path: string, errs: FieldError[]): PrinterColumn[] {
  const list = Array.isArray(version.additionalPrinterColumns) ? version.additionalPrinterColumns : [];
  const out: PrinterColumn[] = [];
  list.forEach((c, i) => {
    const at = `${path}.additionalPrinterColumns[${i}]`;
    if (!isJsonObject(c)) return;
    const type = typeof c.type === 'string' ? c.type : '';
    const jsonPath = typeof c.jsonPath === 'string' ? c.jsonPath : '';
    if (!TYPES.includes(type))
      errs.push(invalidValue(`${at}.type`, type, `must be one of ${TYPES.join(', ')}`));
    if (parsePrinterPath(jsonPath) === undefined)
      errs.push(invalidValue(`${at}.jsonPath`, jsonPath, 'must be a simple JSON path, like .spec.size'));
    out.push({
      name: typeof c.name === 'string' ? c.name : '',
      type,
      jsonPath,
      priority: typeof c.priority === 'number' ? c.priority : 0,
      description: typeof c.description === 'string' ? c.description : '',
      format: typeof c.format === 'string' ? c.format : '',
    });
  });
  return out;
}
