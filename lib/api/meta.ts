/**
 * Generic Kubernetes object metadata, in the exact wire shape of `meta/v1`
 * (k8s.io/apimachinery/pkg/apis/meta/v1/types.go), plus the pure helpers every component
 * needs: object keys and label selectors.
 */
import { invalid } from '../errors/index.js';

/** `apiVersion` + `kind`, present on every top-level object. */
export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

/** A reference from a dependent to its owner (garbage collection, controller ownership). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** One entry of server-side apply's field ownership record. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** `metadata` of every persisted object. Timestamps are RFC 3339 strings on the wire. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** Opaque to clients: compare for equality only, never order (API conventions, "Concurrency Control"). */
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/** `metadata` of a list. `continue` is the paging token; `remainingItemCount` an estimate. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  selfLink?: string;
}

/** Base of every API object. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
}

/** A list of objects, e.g. `PodList`. */
export interface KubeList<T extends KubeObject = KubeObject> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

/** One entry of `Status.details.causes`: which field failed and why. */
export interface StatusCause {
  /** The machine-readable cause (`FieldValueInvalid`, …); `reason` on the wire, as in Kubernetes. */
  reason?: string;
  message?: string;
  field?: string;
}

/** Extra information in a failure `Status`. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The `Status` object the API returns for errors (and some deletes). */
export interface Status extends TypeMeta {
  kind?: 'Status';
  metadata?: ListMeta;
  status?: 'Success' | 'Failure';
  message?: string;
  /** Machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, … */
  reason?: string;
  code?: number;
  details?: StatusDetails;
}

/** Watch event types (meta/v1 `watch.EventType`). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream. ERROR events carry a `Status` instead of an object. */
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; readonly object: T }
  | { readonly type: 'ERROR'; readonly object: Status };

/** The structured selector of `spec.selector` (meta/v1 `LabelSelector`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** One `matchExpressions` entry. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** Operators of the string selector syntax (labels.Parse in apimachinery). */
export type SelectorOperator = 'in' | 'notin' | 'exists' | '!';

/** One parsed requirement. `=`/`==` become `in` with one value, `!=` becomes `notin`. */
export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A parsed selector: all requirements must hold. Empty matches everything. */
export type Selector = readonly Requirement[];

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects (client-go's convention). */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The cache key of an object from its metadata. */
export function keyOf(obj: KubeObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
}

/** Splits a key made by {@link objectKey}: no `/` means a cluster-scoped name (namespace ''). */
export function splitObjectKey(key: string): { readonly namespace: string; readonly name: string } {
  const i = key.indexOf('/');
  return i === -1 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

// Label keys: optional DNS-subdomain prefix + "/" + name of ≤63 chars (Kubernetes "Labels and Selectors").
const NAME_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const PREFIX_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE_RE = /^(([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?)$/;

/** Why `key` is not a valid label key, or undefined. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !PREFIX_RE.test(prefix))) {
    return `label key "${key}": prefix must be a DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !NAME_RE.test(name)) {
    return `label key "${key}": name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !VALUE_RE.test(value)) {
    return `label value "${value}": must be at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

/** Tokens of the selector grammar. */
type Token =
  | { kind: 'id'; text: string; at: number }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ','; at: number };

function tokenize(input: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t') {
      i += 1;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      tokens.push({ kind: 'op', text: two, at: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '!' || c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'op', text: c, at: i });
      i += 1;
      continue;
    }
    const start = i;
    while (i < input.length && !' \t=!(),'.includes(input[i]!)) i += 1;
    tokens.push({ kind: 'id', text: input.slice(start, i), at: start });
  }
  if (tokens.length === 0 && input.trim() !== '') throw invalid(field, 'empty selector');
  return tokens;
}

/**
 * Parses the string selector syntax used by `labelSelector=` query parameters
 * (`app=web,tier!=db,env in (a,b),!legacy,release`). Errors name the position and problem.
 */
export function parseSelector(input: string, field = 'labelSelector'): Selector {
  const tokens = tokenize(input, field);
  const out: Requirement[] = [];
  let p = 0;
  const peek = (): Token | undefined => tokens[p];
  const fail = (problem: string): never => {
    throw invalid(field, `${problem} in "${input}"`);
  };
  const expectId = (what: string): string => {
    const t = tokens[p];
    if (t?.kind !== 'id') return fail(`expected ${what} at position ${t?.at ?? input.length}`);
    p += 1;
    return t.text;
  };
  const checkKey = (key: string): void => {
    const problem = labelKeyProblem(key);
    if (problem) fail(problem);
  };
  const checkValue = (value: string): void => {
    const problem = labelValueProblem(value);
    if (problem) fail(problem);
  };
  while (p < tokens.length) {
    const t = peek()!;
    if (t.kind === 'op' && t.text === '!') {
      p += 1;
      const key = expectId('a label key after "!"');
      checkKey(key);
      out.push({ key, operator: '!', values: [] });
    } else {
      const key = expectId('a label key');
      checkKey(key);
      const op = peek();
      if (op === undefined || (op.kind === 'op' && op.text === ',')) {
        out.push({ key, operator: 'exists', values: [] });
      } else if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
        p += 1;
        const next = peek();
        // `key=` selects the empty value, which is a valid label value.
        const value = next?.kind === 'id' ? expectId('a value') : '';
        checkValue(value);
        out.push({ key, operator: op.text === '!=' ? 'notin' : 'in', values: [value] });
      } else if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
        p += 1;
        const open = peek();
        if (open?.kind !== 'op' || open.text !== '(')
          fail(`expected "(" after "${op.text}" at position ${op.at}`);
        p += 1;
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v?.kind === 'id') {
            checkValue(v.text);
            values.push(v.text);
            p += 1;
          }
          const sep = peek();
          if (sep?.kind === 'op' && sep.text === ',') {
            p += 1;
            continue;
          }
          if (sep?.kind === 'op' && sep.text === ')') {
            p += 1;
            break;
          }
          fail(`expected "," or ")" in the value set at position ${sep?.at ?? input.length}`);
        }
        if (values.length === 0) fail(`"${op.text}" needs at least one value`);
        out.push({ key, operator: op.text, values: [...new Set(values)].sort() });
      } else {
        fail(`unknown operator "${op.text}" at position ${op.at}`);
      }
    }
    const sep = peek();
    if (sep === undefined) break;
    if (sep.kind !== 'op' || sep.text !== ',') fail(`expected "," at position ${sep.at}`);
    p += 1;
    if (p === tokens.length) fail('trailing ","');
  }
  return out;
}

/** Converts a structured `LabelSelector` (as in `spec.selector`) to requirements. */
export function selectorFromLabelSelector(sel: LabelSelector, field = 'selector'): Selector {
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) throw invalid(`${field}.matchLabels`, problem);
    out.push({ key, operator: 'in', values: [value] });
  }
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const f = `${field}.matchExpressions[${i}]`;
    const problem = labelKeyProblem(expr.key);
    if (problem) throw invalid(`${f}.key`, problem);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          throw invalid(`${f}.values`, `must be non-empty for operator ${expr.operator}`);
        out.push({ key: expr.key, operator: expr.operator === 'In' ? 'in' : 'notin', values: [...values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw invalid(`${f}.values`, `must be empty for operator ${expr.operator}`);
        out.push({ key: expr.key, operator: expr.operator === 'Exists' ? 'exists' : '!', values: [] });
        break;
      default:
        throw invalid(
          `${f}.operator`,
          `must be In, NotIn, Exists or DoesNotExist, got "${String(expr.operator)}"`,
        );
    }
  });
  return out;
}

/** True when `labels` satisfy every requirement. `notin` and `!` match objects without the key. */
export function matchSelector(
  selector: Selector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.hasOwn(l, r.key);
    switch (r.operator) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(l[r.key]!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(l[r.key]!)) return false;
        break;
    }
  }
  return true;
}

/** Renders requirements back to the query-string syntax (canonical: sorted by key). */
export function formatSelector(selector: Selector): string {
  return [...selector]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return r.values.length === 1
            ? `${r.key}!=${r.values[0]}`
            : `${r.key} notin (${r.values.join(',')})`;
      }
      return r.key;
    })
    .join(',');
}
