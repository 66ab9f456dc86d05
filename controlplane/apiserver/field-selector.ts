/**
 * Field selectors (`fieldSelector=spec.nodeName=node-1,status.phase!=Failed`): the grammar of
 * apimachinery's pkg/fields, and the per-type field whitelists of kube-apiserver (every type:
 * metadata.name, metadata.namespace; pods: pkg/registry/core/pod/strategy.go ToSelectableFields;
 * events: involvedObject.*, reason, source, type). An unsupported field is a 400, as there.
 */
import { isJsonObject, type Json } from '../../lib/api/json.js';
import { badRequest } from './status.js';

/** One `field=value` or `field!=value` term. */
export interface FieldRequirement {
  readonly field: string;
  readonly negate: boolean;
  readonly value: string;
}

const EXTRA_FIELDS: Readonly<Record<string, readonly string[]>> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  secrets: ['type'],
  nodes: ['spec.unschedulable'],
  namespaces: ['status.phase'],
  replicasets: ['status.replicas'],
};

/**
 * Parses a field selector for `resource`; throws 400 naming an unsupported field. `selectable`
 * adds a custom resource's CRD `selectableFields` (KEP-4358, beta and on by default in 1.31).
 */
export function parseFieldSelector(
  input: string,
  resource: string,
  options: { readonly selectable?: readonly string[] } = {},
): FieldRequirement[] {
  if (input.trim() === '') return [];
  const allowed = new Set([
    'metadata.name',
    'metadata.namespace',
    ...(EXTRA_FIELDS[resource] ?? []),
    ...(options.selectable ?? []),
  ]);
  return input.split(',').map((term) => {
    const m = /^\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: "${term}"`);
    const [, field = '', op, value = ''] = m;
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, negate: op === '!=', value };
  });
}

/**
 * What an absent field reads as: the selectable fields are Go values formatted as text, so an
 * unset bool is "false" and an unset count "0" (strconv.FormatBool / Itoa in the strategies).
 */
const ZERO: Readonly<Record<string, string>> = {
  'spec.hostNetwork': 'false',
  'spec.unschedulable': 'false',
  'status.replicas': '0',
};

/** The string value of a dotted field in an object ('' when absent, as apiserver does). */
function fieldValue(obj: Json, path: string): string {
  // `source` on events selects source.component (pkg/registry/core/event/strategy.go).
  const dotted = path === 'source' ? 'source.component' : path;
  let cur: Json | undefined = obj;
  for (const part of dotted.split('.')) cur = isJsonObject(cur) ? cur[part] : undefined;
  if (cur === undefined || cur === null) return ZERO[path] ?? '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** True when `obj` satisfies every requirement. */
export function matchFields(reqs: readonly FieldRequirement[], obj: Json): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) !== r.negate);
}
