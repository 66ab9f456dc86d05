/**
 * PodDisruptionBudgets on the API server side: their defaults, and the pods/eviction
 * subresource (pkg/registry/core/pod/storage/eviction.go). An eviction deletes the pod unless
 * that would break the one budget selecting it: then 429 TooManyRequests with a
 * `DisruptionBudget` cause. When allowed, the budget's `disruptionsAllowed` is decremented and
 * the pod recorded in `disruptedPods` by a status update whose resourceVersion precondition
 * makes concurrent evictions take turns, before the pod is deleted.
 */

import { isConflict } from '../../lib/api/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { type LabelSelector, matchSelector, selectorFromLabelSelector } from '../../lib/api/meta.js';
import { DISRUPTION_ALLOWED_CONDITION, DISRUPTION_BUDGET_CAUSE } from '../../lib/api/policy-v1.js';
import { formatTime } from '../../lib/api/time.js';
import type { ResourceStorage } from './registry/storage.js';
import type { DeleteOptions } from './registry/types.js';
import { deleteOptions, writeOptions } from './request-options.js';
import type { ResourceRegistry } from './resources.js';
import { ApiError, badRequest } from './status.js';

const MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
/** Entries of disruptedPods beyond which evictions stop until the controller catches up (MaxDisruptedPodSize). */
const MAX_DISRUPTED_PODS = 2000;

/** policy/v1 PrepareForCreate: a new budget starts with a zero status. */
export function defaultPodDisruptionBudget(o: JsonObject): void {
  const status: JsonObject = isJsonObject(o.status) ? o.status : {};
  for (const k of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    if (typeof status[k] !== 'number') status[k] = 0;
  }
  o.status = status;
}

/** Whether a budget's selector selects these labels: a null selector none, an empty one all (policy/v1). */
function budgetSelects(pdb: JsonObject, labels: Readonly<Record<string, string>>): boolean {
  const spec = isJsonObject(pdb.spec) ? pdb.spec : {};
  if (!isJsonObject(spec.selector)) return false;
  try {
    return matchSelector(selectorFromLabelSelector(spec.selector as LabelSelector), labels);
  } catch {
    return false;
  }
}

/** podutil.IsPodReady: the Ready condition is True. */
function podIsReady(pod: JsonObject): boolean {
  const status = isJsonObject(pod.status) ? pod.status : {};
  const conds = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function num(o: JsonObject, key: string): number {
  const v = o[key];
  return typeof v === 'number' ? v : 0;
}

function tooManyRequests(cause: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'TooManyRequests', MESSAGE, {
    causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }],
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
  });
}

/** What an eviction may do under one budget: the budget's next status, or the refusal. Pure. */
export function decrementBudget(pdb: JsonObject, podName: string, now: Date): JsonObject | ApiError {
  const meta = isJsonObject(pdb.metadata) ? pdb.metadata : {};
  const name = String(meta.name ?? '');
  const status = isJsonObject(pdb.status) ? pdb.status : {};
  if (num(status, 'observedGeneration') < (typeof meta.generation === 'number' ? meta.generation : 0))
    return tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
  const allowed = num(status, 'disruptionsAllowed');
  const forbidden = (why: string) =>
    new ApiError(403, 'Forbidden', `poddisruptionbudget.policy "${name}" is forbidden: ${why}`, {
      name,
      group: 'policy',
      kind: 'poddisruptionbudget',
    });
  if (allowed < 0) return forbidden('pdb disruptions allowed is negative');
  const disrupted = isJsonObject(status.disruptedPods) ? status.disruptedPods : {};
  if (Object.keys(disrupted).length > MAX_DISRUPTED_PODS)
    return forbidden('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0) {
    return tooManyRequests(
      `The disruption budget ${name} needs ${num(status, 'desiredHealthy')} healthy pods and has ${num(status, 'currentHealthy')} currently`,
      0,
    );
  }
  const next: JsonObject = structuredClone(pdb);
  const nextStatus = next.status as JsonObject;
  nextStatus.disruptionsAllowed = allowed - 1;
  nextStatus.disruptedPods = { ...disrupted, [podName]: formatTime(now) };
  if (allowed - 1 === 0) {
    const conds = Array.isArray(nextStatus.conditions) ? nextStatus.conditions.filter(isJsonObject) : [];
    const others = conds.filter((c) => c.type !== DISRUPTION_ALLOWED_CONDITION);
    const prev = conds.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
    const changed = prev?.status !== 'False';
    nextStatus.conditions = [
      ...others,
      {
        type: DISRUPTION_ALLOWED_CONDITION,
        status: 'False',
        reason: 'InsufficientPods',
        message: '',
        observedGeneration: num(meta, 'generation'),
        lastTransitionTime: changed
          ? formatTime(now)
          : ((prev?.lastTransitionTime as Json | undefined) ?? null),
      },
    ];
  }
  return next;
}

/** POST pods/NAME/eviction. */
export async function evictPod(args: {
  readonly rest: ResourceStorage;
  readonly resources: ResourceRegistry;
  readonly namespace: string;
  readonly name: string;
  readonly body: Json;
  readonly dryRun: boolean;
  readonly now: () => Date;
}): Promise<void> {
  const { rest, resources, namespace, name } = args;
  const pods = resources.lookup('', 'v1', 'pods');
  const pdbs = resources.lookup('policy', 'v1', 'poddisruptionbudgets');
  if (!pods || !pdbs) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const body = isJsonObject(args.body) ? args.body : {};
  const evictionName = isJsonObject(body.metadata) ? body.metadata.name : undefined;
  if (typeof evictionName === 'string' && evictionName !== '' && evictionName !== name)
    throw badRequest('name in URL does not match name in Eviction object');
  await rest.admit(pods, {
    operation: 'CREATE',
    subresource: 'eviction',
    namespace,
    name,
    object: { apiVersion: 'policy/v1', kind: 'Eviction', ...body },
  });
  const bodyOptions = isJsonObject(body.deleteOptions) ? body.deleteOptions : {};
  // `kubectl drain --dry-run=server` says dryRun inside the Eviction's deleteOptions.
  const dryRun =
    args.dryRun || writeOptions(new URLSearchParams(), 'delete', bodyOptions.dryRun).dryRun === true;
  const options: DeleteOptions = {
    ...deleteOptions(new URLSearchParams(), bodyOptions),
    ...(dryRun ? { dryRun: true } : {}),
    admitted: true,
  };
  const remove = async (): Promise<void> => {
    await rest.delete(pods, namespace, name, options);
  };
  for (let attempt = 0; ; attempt++) {
    const pod = await rest.get(pods, namespace, name);
    const podMeta = isJsonObject(pod.metadata) ? pod.metadata : {};
    const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
    // Terminal, pending and terminating pods never count against a budget (canIgnorePDB).
    if (podMeta.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending')
      return remove();
    const labels = isJsonObject(podMeta.labels) ? (podMeta.labels as Record<string, string>) : {};
    const list = await rest.list(pdbs, namespace);
    const matching = (list.items as JsonObject[]).filter((p) => budgetSelects(p, labels));
    if (matching.length === 0) return remove();
    if (matching.length > 1) {
      const why =
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
      throw new ApiError(500, 'InternalError', `Internal error occurred: ${why}`, {
        causes: [{ message: why }],
      });
    }
    const pdb = matching[0] as JsonObject;
    const spec = isJsonObject(pdb.spec) ? pdb.spec : {};
    const status = isJsonObject(pdb.status) ? pdb.status : {};
    if (!podIsReady(pod)) {
      // An unready pod does not lower the healthy count: it may go if the budget is met anyway.
      if (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return remove();
      const desired = num(status, 'desiredHealthy');
      if (num(status, 'currentHealthy') >= desired && desired > 0) return remove();
    }
    const next = decrementBudget(pdb, name, args.now());
    if (next instanceof ApiError) throw next;
    if (!dryRun) {
      const pdbName = String((pdb.metadata as JsonObject).name);
      try {
        // `next` keeps the listed resourceVersion: a concurrent eviction makes this a 409.
        await rest.update(pdbs, namespace, pdbName, next, 'status');
      } catch (err) {
        if (isConflict(err) && attempt < 5) continue;
        throw err;
      }
    }
    return remove();
  }
}
