/**
 * The namespace controller (pkg/controller/namespace): a namespace with a deletionTimestamp is
 * emptied of every namespaced resource discovery reports, built-in and custom, then released
 * by removing the `kubernetes` finalizer through `namespaces/NAME/finalize`; the API server
 * removes it once no finalizer is left. Objects held by finalizers or a pod's grace period are
 * waited for (requeue after estimate/2 + 1 s), and the namespace's conditions say why.
 *
 * Level-triggered: each pass reads the namespace and the content afresh, so a restart anywhere
 * converges. It needs only what `system:controller:namespace-controller` grants: get, list,
 * watch, delete namespaces; update namespaces/status and namespaces/finalize; get, list, watch,
 * delete, deletecollection everything else (plus discovery, which every user may read).
 */
import type { KubeObject, Namespace, Pod } from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import {
  ApiError,
  defineResource,
  isConflict,
  isMethodNotSupported,
  isNotFound,
  type KubeClient,
  namespacesResource,
  podsResource,
  serverPreferredNamespacedResources,
} from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import { messageOf } from '../../lib/errors/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, startController } from './context.js';
import {
  type DeletionTarget,
  deletionTargets,
  finalizedSpec,
  isPods,
  KUBERNETES_FINALIZER,
  mergeConditions,
  type PassReport,
  podGraceEstimate,
  type ResourceOutcome,
  requeueSeconds,
  resourceOutcome,
  summarizePass,
} from './namespace-plan.js';

/** Options of the namespace controller. */
export interface NamespaceControllerOptions {
  /**
   * Wait between seeing a namespace marked for deletion and acting on it (upstream's
   * namespaceDeletionGracePeriod, 5 s): other API servers' admission catches up, and a client
   * deleting a manifest's objects after its namespace still finds them.
   */
  readonly deletionDelayMs?: number;
  /** Pods are removed before anything else (KEP-5080 OrderedNamespaceDeletion; default true). */
  readonly podsFirst?: boolean;
}

/** Starts the namespace controller's handlers. */
export function namespaceController(
  ctx: ControllerContext,
  options: NamespaceControllerOptions = {},
): RunningController {
  const { client, informers: inf } = ctx;
  const namespaces = client.resource(namespacesResource);
  const delayMs = options.deletionDelayMs ?? 5000;
  const podsFirst = options.podsFirst ?? true;

  const reconcile = async (name: string, signal: AbortSignal): Promise<ReconcileResult> => {
    // A live read, not the cache: other writers (the API server, finalizers) move it along.
    let ns = await namespaces.get(name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!ns?.metadata.deletionTimestamp) return { kind: 'done' };
    if (ns.status?.phase !== 'Terminating') {
      ns = await namespaces.updateStatus({ ...ns, status: { ...ns.status, phase: 'Terminating' } });
    }
    if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return { kind: 'done' };
    const summary = await emptyNamespace(ctx, ns, podsFirst, signal);
    if (summary.errors.length > 0) {
      return { kind: 'retry', cause: new Error(summary.errors.join('; ')) };
    }
    if (summary.estimate > 0) {
      ctx.logger.info('content remaining in namespace', {
        namespace: name,
        waitSeconds: requeueSeconds(summary.estimate),
      });
      return { kind: 'requeueAfter', ms: requeueSeconds(summary.estimate) * 1000 };
    }
    await finalize(client, ns);
    ctx.logger.info('namespace finalized', { namespace: name });
    return { kind: 'done' };
  };

  return startController(ctx, {
    name: 'namespace',
    reconcile,
    workers: 2,
    watches: [
      watch(inf.namespaces, {
        on: ['add', 'update'],
        keys: (ns) => (ns.metadata.deletionTimestamp ? [ns.metadata.name ?? ''] : []),
        delayMs,
      }),
    ],
  });
}

/** One pass over the namespace's content; writes the conditions it concludes. */
async function emptyNamespace(
  ctx: ControllerContext,
  ns: Namespace,
  podsFirst: boolean,
  signal: AbortSignal,
): Promise<ReturnType<typeof summarizePass>> {
  const name = ns.metadata.name ?? '';
  // Discovery failing as a whole is reported like a partial failure, with nothing to delete.
  let discoveryError: string | undefined;
  const discovered = await serverPreferredNamespacedResources(ctx.client).catch((err: unknown) => {
    discoveryError = errorText(err);
    return { lists: [], failed: [] };
  });
  const planned = deletionTargets(discovered.lists, podsFirst);
  const outcomes: { target: DeletionTarget; outcome?: ResourceOutcome; error?: string }[] = [];
  if (planned.kind === 'targets') {
    for (const target of planned.targets) {
      if (signal.aborted) break;
      try {
        const outcome = await emptyResource(ctx.client, ns, target, ctx.clock.now());
        outcomes.push({ target, outcome });
        // Ordered deletion: nothing else goes while pods remain.
        if (podsFirst && isPods(target) && outcome.remaining > 0) break;
      } catch (err: unknown) {
        outcomes.push({ target, error: errorText(err) });
      }
    }
  }
  // A pass cut short proves nothing is left: never finalize (or report) from it.
  if (signal.aborted) throw new Error(`namespace ${name}: stopped in the middle of a pass`);
  const report: PassReport = {
    discoveryFailures: discovered.failed,
    ...(discoveryError !== undefined ? { discoveryError } : {}),
    ...(planned.kind === 'parse-error' ? { parseError: planned.message } : {}),
    outcomes,
  };
  const summary = summarizePass(report);
  const merged = mergeConditions(
    ns.status?.conditions ?? [],
    summary.conditions,
    formatTime(ctx.clock.now()),
  );
  if (merged.changed) {
    await ctx.client
      .resource(namespacesResource)
      .updateStatus({ ...ns, status: { ...ns.status, conditions: merged.conditions } })
      .catch((err: unknown) => {
        // A newer namespace wins; the next pass writes the conditions again.
        ctx.logger.warn('could not update namespace conditions', { namespace: name, error: messageOf(err) });
      });
  }
  return summary;
}

/** Deletes one resource type's objects in the namespace and judges what is left. */
async function emptyResource(
  client: KubeClient,
  ns: Namespace,
  target: DeletionTarget,
  nowMs: number,
): Promise<ResourceOutcome> {
  const namespace = ns.metadata.name ?? '';
  const rc = client.resource(
    defineResource<KubeObject>({
      group: target.group,
      version: target.version,
      plural: target.resource,
      kind: '',
      namespaced: true,
    }),
  );
  const estimate = isPods(target)
    ? podGraceEstimate(
        (await client.resource(podsResource).listAll({ namespace })).items as Pod[],
        ns.metadata.deletionTimestamp ?? '',
        nowMs,
      )
    : 0;
  // Background: the controller removes every object itself, so the collector must not orphan.
  let collected = false;
  if (target.deleteCollection) {
    collected = await rc.deleteCollection({ namespace, propagationPolicy: 'Background' }).then(
      () => true,
      (err: unknown) => {
        if (unsupported(err)) return false;
        throw err;
      },
    );
  }
  // A type that cannot be listed (or vanished, a deleted CRD) has nothing to show.
  const list = async (): Promise<KubeObject[] | undefined> =>
    target.list
      ? rc.listAll({ namespace }).then(
          (l) => l.items,
          (err: unknown) => {
            if (unsupported(err)) return undefined;
            throw err;
          },
        )
      : undefined;
  if (!collected) {
    for (const o of (await list()) ?? []) {
      await rc
        .delete(o.metadata.name ?? '', { namespace, propagationPolicy: 'Background' })
        .catch((err: unknown) => {
          if (!isNotFound(err) && !unsupported(err)) throw err;
        });
    }
  }
  const left = (await list())?.map((o) => ({ finalizers: o.metadata.finalizers ?? [] }));
  if (!left) return { estimate, remaining: 0, finalizers: new Map() };
  return resourceOutcome({ namespace, target, left, estimate });
}

/** Removes this controller's finalizer (PUT …/finalize), retrying on conflict with a fresh read. */
async function finalize(client: KubeClient, initial: Namespace): Promise<void> {
  const namespaces = client.resource(namespacesResource);
  let ns = initial;
  for (let attempt = 0; ; attempt++) {
    try {
      await namespaces.updateSubresource(
        { ...ns, spec: { ...ns.spec, finalizers: finalizedSpec(ns.spec?.finalizers ?? []) } },
        'finalize',
      );
      return;
    } catch (err: unknown) {
      if (isNotFound(err)) return;
      if (!isConflict(err) || attempt >= 5) throw err;
      const fresh = await namespaces.get(ns.metadata.name ?? '');
      if (fresh.metadata.uid !== ns.metadata.uid) throw new Error('namespace uid has changed across retries');
      ns = fresh;
    }
  }
}

/** 405, or a 404 for the collection itself: the verb is not served for this type. */
function unsupported(err: unknown): boolean {
  return isMethodNotSupported(err) || isNotFound(err);
}

/** The server's own message of an API error (what upstream's conditions quote). */
function errorText(err: unknown): string {
  return (err instanceof ApiError ? err.status.message : undefined) ?? messageOf(err);
}
