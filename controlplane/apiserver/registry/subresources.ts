/**
 * Subresources written through the generic update: `scale` (the autoscaling/v1 Scale view of a
 * workload, scale.ts; only spec.replicas changes) and pods' `binding` (assigns the pod to a
 * node, once, never while it is being deleted). `status` and `finalize` are update targets
 * (update.ts); `eviction` is disruption-budgets.ts over DELETE.
 */

import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import { metaOf, metaString } from '../object-meta.js';
import type { ResourceInfo } from '../resources.js';
import { setReplicas, toScale } from '../scale.js';
import { conflictError, invalidError } from '../status.js';
import type { RegistryContext } from './context.js';
import { getObject } from './read.js';
import type { WriteOptions } from './types.js';
import { guaranteedUpdate } from './update.js';

/** GET …/scale: the autoscaling/v1 Scale view of a workload. */
export async function getScale(
  ctx: RegistryContext,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<JsonObject> {
  return toScale(await getObject(ctx.store, info, namespace, name), info.scalePaths);
}

/** PUT/PATCH …/scale: changes only spec.replicas. */
export async function updateScale(
  ctx: RegistryContext,
  info: ResourceInfo,
  target: { readonly namespace: string | undefined; readonly name: string },
  change: (scale: JsonObject) => JsonObject,
  options: WriteOptions = {},
): Promise<JsonObject> {
  const { namespace, name } = target;
  const out = await guaranteedUpdate(
    ctx,
    info,
    namespace,
    name,
    (current) => {
      const scale = change(toScale(current, info.scalePaths));
      const replicas = isJsonObject(scale.spec) ? scale.spec.replicas : undefined;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalidError({ group: 'autoscaling', kind: 'Scale' }, name, [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.replicas',
            message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          },
        ]);
      }
      const next = structuredClone(current);
      setReplicas(next, replicas, info.scalePaths);
      const rv = metaString(scale, 'resourceVersion');
      if (rv !== undefined) metaOf(next).resourceVersion = rv;
      return next;
    },
    { dryRun: options.dryRun ?? false, admitAs: { operation: 'UPDATE', subresource: 'scale' } },
  );
  return toScale(out, info.scalePaths);
}

/** POST pods/NAME/binding: assigns the pod to a node, once. */
export async function bindPod(
  ctx: RegistryContext,
  info: ResourceInfo,
  target: { readonly namespace: string; readonly name: string },
  binding: Json,
  options: WriteOptions = {},
): Promise<void> {
  const { namespace, name } = target;
  const node = isJsonObject(binding) && isJsonObject(binding.target) ? binding.target.name : undefined;
  if (typeof node !== 'string' || node === '') {
    throw invalidError({ group: '', kind: 'Binding' }, name, [
      { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
    ]);
  }
  await guaranteedUpdate(
    ctx,
    info,
    namespace,
    name,
    (pod) => {
      const spec = isJsonObject(pod.spec) ? pod.spec : {};
      if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
        throw conflictError(info, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      }
      if (metaString(pod, 'deletionTimestamp') !== undefined) {
        throw conflictError(info, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      }
      spec.nodeName = node;
      pod.spec = spec;
      return pod;
    },
    { dryRun: options.dryRun ?? false, admitAs: { operation: 'CREATE', subresource: 'binding' } },
  );
}
