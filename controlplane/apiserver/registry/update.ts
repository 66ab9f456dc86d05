/**
 * The generic registry's UPDATE (apiserver's Store.Update over GuaranteedUpdate): read, mutate
 * a copy, check the resourceVersion precondition, merge with what the subresource may not
 * change, the kind's PrepareForUpdate, defaults, server-owned metadata, admission, validation,
 * then a compare-and-swap at the revision read — retried on a lost race unless the caller set
 * the precondition. An object marked for deletion whose finalizers are gone is deleted instead.
 */

import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import { formatTime } from '../../../lib/api/time.js';
import { isNotFound } from '../../../lib/errors/index.js';
import { isConflict } from '../../store/index.js';
import { applyPatch, type PatchType } from '../apply-patch.js';
import { applyDefaults } from '../defaults.js';
import { jsonEqual } from '../json.js';
import { keepManagedFields, schemaOf } from '../managed-fields.js';
import { carryOverMeta, metaOf, metaString } from '../object-meta.js';
import { type ResourceInfo, tracksGeneration } from '../resources.js';
import { badRequest, conflictError, invalidError, notFoundError } from '../status.js';
import { type KindStrategy, strategyOf } from '../strategies/index.js';
import { admitStored, checkNamespaceMatch, checkType, validate } from './checks.js';
import { encode, keyOf, readAs, storedForm } from './codec.js';
import type { RegistryContext } from './context.js';
import { RETRY, retryOnConflict } from './retry.js';
import type { UpdateHow, UpdateTarget, WriteOptions } from './types.js';

/** PUT: replaces an object (or its status, or a namespace's spec.finalizers through `finalize`). */
export function replaceObject(
  ctx: RegistryContext,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  input: Json,
  subresource?: 'status' | 'finalize',
  options: WriteOptions = {},
): Promise<JsonObject> {
  if (!isJsonObject(input)) throw badRequest('the body of the request must be a JSON object');
  return guaranteedUpdate(ctx, info, namespace, name, () => structuredClone(input), {
    subresource,
    dryRun: options.dryRun ?? false,
    admit: options.admit,
    manager: options.manager,
  });
}

/** PATCH: applies a patch of `type` to the stored object (or its status). */
export function patchObject(
  ctx: RegistryContext,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  patch: { readonly type: PatchType; readonly body: Json },
  subresource?: 'status',
  options: WriteOptions = {},
): Promise<JsonObject> {
  const { type, body } = patch;
  // A patch is a precondition only when it names a resourceVersion itself; the version it
  // inherits from the stored object is not one, so a race with another writer is retried
  // (as Kubernetes' GuaranteedUpdate does) instead of answered with 409.
  const who = options.manager ?? { manager: 'unknown', operation: type === 'apply' ? 'Apply' : 'Update' };
  const apply = { who, now: formatTime(ctx.now()) };
  return guaranteedUpdate(
    ctx,
    info,
    namespace,
    name,
    (current) => applyPatch(current, type, body, info.custom, apply),
    {
      subresource,
      precondition: { from: 'request', value: patchResourceVersion(body) },
      dryRun: options.dryRun ?? false,
      admit: options.admit,
      manager: type === 'apply' ? who : options.manager,
    },
  );
}

/** The resourceVersion a patch body sets, if any (merge/strategic/apply bodies, or a JSON patch op). */
function patchResourceVersion(body: Json): string | undefined {
  if (Array.isArray(body)) {
    for (const op of body) {
      if (isJsonObject(op) && op.path === '/metadata/resourceVersion' && typeof op.value === 'string')
        return op.value;
    }
    return undefined;
  }
  const meta = isJsonObject(body) ? body.metadata : undefined;
  const rv = isJsonObject(meta) ? meta.resourceVersion : undefined;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/** One update's inputs, resolved. */
interface UpdateArgs {
  readonly namespace: string | undefined;
  readonly name: string;
  readonly key: string;
  readonly mutate: (current: JsonObject) => JsonObject;
  readonly how: UpdateHow;
}

/**
 * Read-modify-write with optimistic concurrency (GuaranteedUpdate): `mutate` gets a copy of
 * the stored object; if the store moved meanwhile and the caller set no resourceVersion
 * precondition, the mutation is retried on the fresh object.
 */
export function guaranteedUpdate(
  ctx: RegistryContext,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  mutate: (current: JsonObject) => JsonObject,
  how: UpdateHow = {},
): Promise<JsonObject> {
  // Writers of one key on this server take turns, so a burst of patches to one object does
  // not spin on store conflicts; conflicts now come only from other API servers on the store.
  const key = keyOf(info, namespace, name);
  const args = { namespace, name, key, mutate, how };
  return ctx.keyLocks.run(key, () => retryOnConflict((mayRetry) => updateOnce(ctx, info, args, mayRetry)));
}

async function updateOnce(
  ctx: RegistryContext,
  info: ResourceInfo,
  args: UpdateArgs,
  mayRetry: boolean,
): Promise<JsonObject | typeof RETRY> {
  const { namespace, name, key, mutate, how } = args;
  const { subresource, admit, admitAs } = how;
  const precondition = how.precondition ?? { from: 'result' };
  const strategy = strategyOf(info);
  const kv = await ctx.store.get(key);
  if (!kv) throw notFoundError(info, name);
  const current = readAs(info, kv);
  const next = mutate(structuredClone(current));
  const applied = metaOf(next).managedFields;
  const wanted = precondition.from === 'result' ? metaString(next, 'resourceVersion') : precondition.value;
  if (wanted !== undefined && wanted !== '' && wanted !== String(kv.modRevision))
    throw conflictError(info, name);
  checkType(info, next);
  checkNamespaceMatch(info, namespace, next);
  if (metaString(next, 'name') !== name) {
    throw badRequest(
      `the name of the object (${metaString(next, 'name') ?? ''}) does not match the name on the URL (${name})`,
    );
  }
  const merged = mergeSubresource(info, strategy, current, next, subresource);
  strategy.prepareForUpdate?.(merged, current, subresource ?? 'main');
  // Defaults first, so a write that only omits defaulted fields changes no generation.
  applyDefaults(info.custom ? 'custom' : info.group, info.kind, merged);
  carryOverMeta(merged, current, { generation: tracksGeneration(info) });
  keepManagedFields({
    merged,
    current,
    applied,
    type: schemaOf(info, current),
    who: how.manager,
    now: formatTime(ctx.now()),
  });
  await admitStored(ctx, info, {
    operation: admitAs?.operation ?? 'UPDATE',
    subresource: admitAs?.subresource ?? subresource ?? '',
    namespace,
    name,
    object: merged,
    oldObject: current,
  });
  validate(ctx, info, merged, strategy.validate?.(merged, subresource ?? 'main') ?? []);
  const updateErrs = ctx.updateValidation?.(info, merged, current) ?? [];
  if (updateErrs.length > 0) throw invalidError(info, name, updateErrs);
  await admit?.({
    operation: 'UPDATE',
    group: info.group,
    resource: info.plural,
    subresource: subresource ?? '',
    namespace: namespace ?? '',
    name,
    object: merged,
    oldObject: current,
  });
  const allocator = strategy.allocator?.(ctx.strategy);
  if (how.dryRun) {
    // What would be stored, at the version it would replace (DryRunnableStorage.GuaranteedUpdate).
    if (allocator && subresource === undefined) await allocator.allocate(merged, current, { dryRun: true });
    metaOf(merged).resourceVersion = String(kv.modRevision);
    return merged;
  }
  const reserved =
    allocator && subresource === undefined
      ? await allocator.withLock(() => allocator.allocate(merged, current))
      : [];
  const uid = metaString(current, 'uid') ?? '';
  // Finalizers gone on an object being deleted: the delete completes now (unless the kind
  // still holds it: a namespace's spec.finalizers, storage.go ShouldDeleteNamespaceDuringUpdate).
  const finalizers = metaOf(merged).finalizers;
  if (
    metaString(merged, 'deletionTimestamp') !== undefined &&
    (!Array.isArray(finalizers) || finalizers.length === 0) &&
    !strategy.deletionPending?.(merged, ctx.now)
  ) {
    try {
      const gone = readAs(info, await ctx.store.delete(key, kv.modRevision));
      if (allocator) await allocator.release(allocator.held(gone), uid);
      return gone;
    } catch (err) {
      if (isConflict(err) && wanted === undefined && mayRetry) return RETRY;
      throw err;
    }
  }
  // Field order is no change: a patch that removes a field the server puts back (a manifest's
  // `creationTimestamp: null`) moves it to the end without changing the object.
  if (jsonEqual(storedForm(info, merged), storedForm(info, current))) return current;
  try {
    const out = readAs(info, await ctx.store.update(key, encode(info, merged), kv.modRevision));
    if (allocator) {
      const now = new Set(allocator.held(out));
      await allocator.release(
        allocator.held(current).filter((v) => !now.has(v)),
        uid,
      );
    }
    return out;
  } catch (err) {
    if (allocator) await allocator.release(reserved, uid);
    if (isConflict(err)) {
      if ((wanted === undefined || wanted === '') && mayRetry) return RETRY;
      throw conflictError(info, name);
    }
    if (isNotFound(err)) throw notFoundError(info, name);
    throw err;
  }
}

/** Main resource updates keep the stored status; status updates keep everything else. */
function mergeSubresource(
  info: ResourceInfo,
  strategy: KindStrategy,
  current: JsonObject,
  next: JsonObject,
  subresource: UpdateTarget,
): JsonObject {
  if (subresource === 'status') {
    const out = structuredClone(current);
    if (next.status === undefined) delete out.status;
    else out.status = next.status;
    // Status writers may still touch labels and annotations, as in Kubernetes.
    metaOf(out).labels = metaOf(next).labels ?? null;
    metaOf(out).annotations = metaOf(next).annotations ?? null;
    for (const f of ['labels', 'annotations']) if (metaOf(out)[f] === null) delete metaOf(out)[f];
    metaOf(out).resourceVersion = metaString(next, 'resourceVersion') ?? '';
    return out;
  }
  if (info.subresources.includes('status') && !strategy.mainWritesStatus) {
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
  }
  return next;
}
