/**
 * The generic registry's CREATE (apiserver's Store.Create): type and namespace checks,
 * NamespaceLifecycle, server-owned metadata, the field manager's entry, defaults, the kind's
 * PrepareForCreate, admission, validation, the caller's admission, then the store's
 * create-if-absent — with the values the kind allocates reserved around it.
 */
import { randomUUID } from 'node:crypto';
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import { formatTime } from '../../../lib/api/time.js';
import { isAlreadyExists } from '../../../lib/errors/index.js';
import { applyDefaults } from '../defaults.js';
import { recordWrite, schemaOf } from '../managed-fields.js';
import { admissionName } from '../namespace-lifecycle.js';
import { generateName, metaOf } from '../object-meta.js';
import { type ResourceInfo, tracksGeneration } from '../resources.js';
import { alreadyExistsError, badRequest } from '../status.js';
import { strategyOf } from '../strategies/index.js';
import { admitStored, checkNamespaceMatch, checkType, validate } from './checks.js';
import { encode, keyOf, readAs } from './codec.js';
import type { RegistryContext } from './context.js';
import type { WriteOptions } from './types.js';

/** Metadata the server owns: whatever a create body says of it is dropped. */
const SERVER_OWNED = [
  'resourceVersion',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/**
 * POST: creates an object. Takes ownership of `input` (a freshly decoded body): it is
 * completed in place and returned, which saves a deep copy per create.
 */
export async function createObject(
  ctx: RegistryContext,
  info: ResourceInfo,
  namespace: string | undefined,
  input: Json,
  options: WriteOptions = {},
): Promise<JsonObject> {
  if (!isJsonObject(input)) throw badRequest('the body of the request must be a JSON object');
  const body = input;
  const strategy = strategyOf(info);
  checkType(info, body);
  checkNamespaceMatch(info, namespace, body);
  const meta = metaOf(body);
  const ns = info.namespaced ? (meta.namespace as string) : undefined;
  // Admission runs before a generated name exists, so its error names the prefix.
  await ctx.namespaceAdmission.admitCreate(info, ns, admissionName(body));
  if (
    (meta.name === undefined || meta.name === '') &&
    typeof meta.generateName === 'string' &&
    meta.generateName
  ) {
    meta.name = generateName(meta.generateName, ctx.random);
  }
  meta.uid = randomUUID();
  meta.creationTimestamp = formatTime(ctx.now());
  if (tracksGeneration(info)) meta.generation = 1;
  else delete meta.generation;
  for (const f of SERVER_OWNED) delete meta[f];
  // Status is owned by controllers when a status subresource exists (PrepareForCreate).
  if (info.subresources.includes('status') && !strategy.mainWritesStatus && !strategy.createKeepsStatus)
    delete body.status;
  if (options.manager !== undefined)
    recordWrite({}, body, schemaOf(info, body), options.manager, formatTime(ctx.now()));
  applyDefaults(info.custom ? 'custom' : info.group, info.kind, body);
  strategy.prepareForCreate?.(body);
  await admitStored(ctx, info, {
    operation: 'CREATE',
    namespace: ns,
    name: meta.name as string,
    object: body,
  });
  validate(ctx, info, body, strategy.validate?.(body, 'create') ?? []);
  await options.admit?.({
    operation: 'CREATE',
    group: info.group,
    resource: info.plural,
    subresource: '',
    namespace: ns ?? '',
    name: meta.name as string,
    object: body,
  });
  const name = meta.name as string;
  const key = keyOf(info, ns, name);
  const allocator = strategy.allocator?.(ctx.strategy);
  if (options.dryRun) {
    // The dry-run store still answers AlreadyExists (apiserver's DryRunnableStorage.Create).
    if (await ctx.store.get(key)) throw alreadyExistsError(info, name);
    if (allocator) await allocator.allocate(body, undefined, { dryRun: true });
    return body;
  }
  const write = async (): Promise<JsonObject> => {
    try {
      const value = encode(info, body);
      const kv = await ctx.store.create(key, value);
      // The stored value is `body` serialized: stamp the revision instead of parsing it back
      // (a custom resource is read back: converting to its storage version may prune).
      meta.resourceVersion = String(kv.modRevision);
      return info.versioning ? readAs(info, { value, modRevision: kv.modRevision }) : body;
    } catch (err) {
      if (isAlreadyExists(err)) throw alreadyExistsError(info, name);
      throw err;
    }
  };
  if (!allocator) return write();
  return allocator.withLock(async () => {
    // An existing name is 409 AlreadyExists, not "your ClusterIP is taken (by yourself)".
    if (await ctx.store.get(key)) throw alreadyExistsError(info, name);
    const reserved = await allocator.allocate(body, undefined);
    try {
      return await write();
    } catch (err) {
      await allocator.release(reserved, meta.uid as string);
      throw err;
    }
  });
}
