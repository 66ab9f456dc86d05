/**
 * The EndpointSlice controller's adapter: per Service with a selector, plan from the informer
 * caches and write the slices. Pod changes enqueue every Service in the pod's namespace whose
 * selector matched the old or the new labels.
 */
import type { EndpointSlice, Pod } from '../../lib/api/index.js';
import { keyOf, splitObjectKey } from '../../lib/api/meta.js';
import { endpointSlicesResource, isConflict, isNotFound } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import {
  BY_NAMESPACE,
  BY_SERVICE,
  type ControllerContext,
  type RunningController,
  startController,
} from './context.js';
import {
  CONTROLLER_NAME,
  desiredEndpoints,
  MANAGED_BY,
  planSlices,
  SERVICE_NAME,
  selectsPod,
} from './endpointslice-plan.js';
import { EndpointSliceTracker } from './endpointslice-tracker.js';

/** How soon a Service whose slice cache is behind our own writes is looked at again. */
const STALE_CACHE_RETRY_MS = 50;

/** Starts the EndpointSlice controller's handlers. */
export function endpointSliceController(
  ctx: ControllerContext,
  options: { readonly maxPerSlice?: number } = {},
): RunningController {
  const { informers: inf, client } = ctx;
  const slices = client.resource(endpointSlicesResource);
  const tracker = new EndpointSliceTracker(() => ctx.clock.now());

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const svc = inf.services.cache.get(key);
    // A deleted Service's slices go with it through their ownerReference (garbage collector).
    if (
      !svc ||
      svc.metadata.deletionTimestamp ||
      !svc.spec.selector ||
      Object.keys(svc.spec.selector).length === 0
    ) {
      tracker.forget(key);
      return { kind: 'done' };
    }
    const { namespace } = splitObjectKey(key);
    const pods = inf.pods.cache.byIndex(BY_NAMESPACE, namespace);
    const existing = inf.endpointSlices.cache
      .byIndex(BY_SERVICE, key)
      .filter((s) => s.metadata.labels?.[MANAGED_BY] === CONTROLLER_NAME && !s.metadata.deletionTimestamp);
    // The cache lacks a write of ours: planning now would duplicate or undo it. The slice's
    // own informer event requeues the Service; the timer covers an event that never comes.
    if (tracker.isStale(key, existing)) return { kind: 'requeueAfter', ms: STALE_CACHE_RETRY_MS };
    const plan = planSlices({
      service: svc,
      groups: desiredEndpoints(svc, pods),
      existing,
      ...(options.maxPerSlice ? { maxPerSlice: options.maxPerSlice } : {}),
    });
    try {
      for (const name of plan.delete) {
        await slices.delete(name, { namespace }).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        tracker.deleted(key, name);
      }
      for (const s of plan.update) tracker.written(key, await slices.update(s, { namespace }));
      for (const s of plan.create) tracker.written(key, await slices.create(s, { namespace }));
    } catch (err: unknown) {
      // Our cache was behind a slice we wrote: plan again once it catches up.
      if (isConflict(err)) return { kind: 'requeueAfter', ms: 100 };
      throw err;
    }
    return { kind: 'done' };
  };

  const forPod = (p: Pod, old: Pod | undefined): string[] =>
    inf.services.cache
      .byIndex(BY_NAMESPACE, p.metadata.namespace ?? '')
      .filter((svc) => {
        const sel = svc.spec.selector;
        if (!sel || Object.keys(sel).length === 0) return false;
        return (
          selectsPod(sel, p.metadata.labels) || (old !== undefined && selectsPod(sel, old.metadata.labels))
        );
      })
      .map(keyOf);
  // Our own writes coming back through the informer requeue the Service (see the tracker).
  const forSlice = (s: EndpointSlice): string[] => {
    const svc = s.metadata.labels?.[SERVICE_NAME];
    return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
  };
  return startController(ctx, {
    name: 'endpointslice',
    reconcile,
    workers: 4,
    watches: [
      watch(inf.services, { on: ['add', 'update'] }),
      watch(inf.pods, { keys: forPod }),
      watch(inf.endpointSlices, { keys: forSlice }),
    ],
  });
}
