/**
 * The garbage collector's work that needs no controller, started once an owner is held by a
 * DELETE (garbagecollector.go orphanDependents / attemptToDeleteItem): under `orphan` every
 * dependent loses its owner reference to it, then the finalizer goes; under
 * `foregroundDeletion` with no dependents the finalizer goes at once. Dependents of a
 * foreground owner are deleted by the garbage collector controller
 * (controlplane/controllers/gc.ts), which then drops the finalizer.
 */
import { isNotFound } from '../../../lib/api/errors.js';
import type { JsonObject } from '../../../lib/api/json.js';
import { FOREGROUND_FINALIZER, finalizersOf, ORPHAN_FINALIZER } from '../deletion.js';
import { metaOf, metaString } from '../object-meta.js';
import { hasOwner, withoutFinalizer, withoutOwner } from '../propagation.js';
import type { ResourceInfo } from '../resources.js';
import { prefixOf } from './codec.js';
import type { RegistryContext } from './context.js';
import { scan } from './scan.js';
import { guaranteedUpdate } from './update.js';

/** One object, by type and name. */
interface ObjectRef {
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string;
}

/** `o` without its resourceVersion: a server-side edit that retries on conflict. */
function unversioned(o: JsonObject): JsonObject {
  delete metaOf(o).resourceVersion;
  return o;
}

/** Starts the collector's work for `owner` as just written by a DELETE; failures leave the finalizer. */
export function collectAfterDelete(ctx: RegistryContext, info: ResourceInfo, owner: JsonObject): void {
  const finalizers = finalizersOf(owner);
  const orphan = finalizers.includes(ORPHAN_FINALIZER);
  if (!orphan && !finalizers.includes(FOREGROUND_FINALIZER)) return;
  const uid = metaString(owner, 'uid') ?? '';
  const namespace = info.namespaced ? metaString(owner, 'namespace') : undefined;
  const name = metaString(owner, 'name') ?? '';
  const unlessGone = (err: unknown): undefined => {
    if (isNotFound(err)) return undefined;
    throw err;
  };
  const run = async (): Promise<void> => {
    const dependents = await dependentsOf(ctx, uid, namespace);
    if (!orphan && dependents.length > 0) return;
    for (const d of dependents) {
      await guaranteedUpdate(ctx, d.info, d.namespace, d.name, (o) =>
        unversioned(withoutOwner(o, uid)),
      ).catch(unlessGone);
    }
    const finalizer = orphan ? ORPHAN_FINALIZER : FOREGROUND_FINALIZER;
    await guaranteedUpdate(ctx, info, namespace, name, (o) =>
      unversioned(withoutFinalizer(o, finalizer)),
    ).catch(unlessGone);
  };
  // Failures (store closed, the owner replaced) leave the finalizer: a later DELETE retries.
  void run().catch(() => undefined);
}

/**
 * Objects with an owner reference to `uid`: in `namespace` for a namespaced owner, anywhere for
 * a cluster-scoped one (a cluster-scoped object cannot have a namespaced owner).
 */
async function dependentsOf(
  ctx: RegistryContext,
  uid: string,
  namespace: string | undefined,
): Promise<ObjectRef[]> {
  const out: ObjectRef[] = [];
  const seen = new Set<string>();
  for (const info of ctx.resources.all()) {
    if ((namespace !== undefined && !info.namespaced) || info.virtual || seen.has(info.storagePrefix))
      continue;
    seen.add(info.storagePrefix);
    for await (const kv of scan(ctx.store, prefixOf(info, namespace))) {
      // A substring test first: most objects do not mention the uid at all.
      if (!kv.value.includes(uid)) continue;
      const o = JSON.parse(kv.value) as JsonObject;
      if (!hasOwner(o, uid)) continue;
      const ns = info.namespaced ? metaString(o, 'namespace') : undefined;
      out.push({ info, namespace: ns, name: metaString(o, 'name') ?? '' });
    }
  }
  return out;
}
