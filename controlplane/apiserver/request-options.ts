/**
 * Query and body options of resource requests, parsed and checked: list/watch parameters
 * (meta/v1 ListOptions), `dryRun` (Create/Update/Patch/DeleteOptions) and DeleteOptions.
 */
import { isJsonObject, type Json } from '../../lib/api/json.js';
import { queryInt64, queryOptionalBool } from './query-params.js';
import type { DeleteOptions, ListQuery, WriteOptions } from './registry/types.js';
import { badRequest, invalidError } from './status.js';

/** `labelSelector`, `fieldSelector`, `limit`, `continue`, `resourceVersion` of a list or watch. */
export function listQuery(q: URLSearchParams): ListQuery {
  const limit = queryInt64(q, 'limit');
  const out: { -readonly [K in keyof ListQuery]: ListQuery[K] } = {};
  const ls = q.get('labelSelector');
  const fs = q.get('fieldSelector');
  const cont = q.get('continue');
  const rv = q.get('resourceVersion');
  if (ls) out.labelSelector = ls;
  if (fs) out.fieldSelector = fs;
  if (cont) out.continue = cont;
  if (rv !== null) out.resourceVersion = rv;
  // kube-apiserver does not validate limit: zero or below lists everything. Beyond 2^53 is
  // more than any store holds, so the safe maximum stands for it (SQLite and etcd take int64).
  if (limit !== undefined && limit > 0) out.limit = Math.min(limit, Number.MAX_SAFE_INTEGER);
  return out;
}

const OPTIONS_KIND: Readonly<Record<string, string>> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
  deletecollection: 'DeleteOptions',
};

/**
 * `?dryRun=All` of a write. "All" is the only value Kubernetes defines; anything else is 422
 * (apimachinery ValidateDryRun). A DeleteOptions body may carry it too (`dryRun: ["All"]`).
 */
export function writeOptions(q: URLSearchParams, verb: string, bodyDryRun?: Json): WriteOptions {
  const kind = OPTIONS_KIND[verb];
  if (kind === undefined) return {};
  const values = [...q.getAll('dryRun'), ...(Array.isArray(bodyDryRun) ? bodyDryRun.map(String) : [])];
  const bad = values.filter((v) => v !== 'All');
  if (bad.length > 0) {
    throw invalidError({ group: 'meta.k8s.io', kind }, '', [
      {
        reason: 'FieldValueNotSupported',
        field: 'dryRun',
        message: `Unsupported value: ${JSON.stringify(values)}: supported values: "All"`,
      },
    ]);
  }
  return values.length > 0 ? { dryRun: true } : {};
}

/** DeleteOptions from the query and the body (gracePeriodSeconds, propagation, preconditions). */
export function deleteOptions(q: URLSearchParams, input: Json): DeleteOptions {
  const b = isJsonObject(input) ? input : {};
  const out: {
    gracePeriodSeconds?: number;
    propagationPolicy?: string;
    orphanDependents?: boolean;
    preconditions?: { uid?: string; resourceVersion?: string };
  } = {};
  const grace = b.gracePeriodSeconds ?? queryInt64(q, 'gracePeriodSeconds');
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace < 0)
      throw badRequest('gracePeriodSeconds: must be a non-negative integer');
    out.gracePeriodSeconds = grace;
  }
  const policy = b.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  if (typeof policy === 'string') out.propagationPolicy = policy;
  // Deprecated since 1.7 but still sent by old clients: true = Orphan, false = Background.
  const orphan = b.orphanDependents ?? queryOptionalBool(q, 'orphanDependents');
  if (typeof orphan === 'boolean') out.orphanDependents = orphan;
  else if (orphan !== undefined && orphan !== null)
    throw badRequest('orphanDependents: must be true or false');
  if (isJsonObject(b.preconditions)) {
    const p: { uid?: string; resourceVersion?: string } = {};
    if (typeof b.preconditions.uid === 'string') p.uid = b.preconditions.uid;
    if (typeof b.preconditions.resourceVersion === 'string')
      p.resourceVersion = b.preconditions.resourceVersion;
    out.preconditions = p;
  }
  return out;
}
