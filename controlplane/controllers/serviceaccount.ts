/**
 * The service account controller (kube-controller-manager's pkg/controller/serviceaccount,
 * ServiceAccountsController): every namespace that is not terminating has the service account
 * `default`, made again when deleted. Pods name it unless they name another (the API server's
 * ServiceAccount admission), so without it no pod could be created.
 */
import { isAlreadyExists, serviceAccountsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, startController } from './context.js';

/** The service accounts every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNTS = ['default'] as const;

/** Starts the controller: one key per namespace. */
export function serviceAccountController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const reconcile = async (namespace: string): Promise<ReconcileResult> => {
    const ns = inf.namespaces.cache.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return { kind: 'done' };
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (inf.serviceAccounts.cache.get(`${namespace}/${name}`)) continue;
      try {
        await client
          .resource(serviceAccountsResource)
          .create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }, { namespace });
        ctx.logger.info('created service account', { namespace, name });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    return { kind: 'done' };
  };
  const ours = new Set<string>(DEFAULT_SERVICE_ACCOUNTS);
  return startController(ctx, {
    name: 'serviceaccount',
    reconcile,
    workers: 1,
    watches: [
      watch(inf.namespaces, { on: ['add', 'update'], keys: (ns) => [ns.metadata.name ?? ''] }),
      watch(inf.serviceAccounts, {
        on: ['delete'],
        keys: (sa) => (ours.has(sa.metadata.name ?? '') ? [sa.metadata.namespace ?? ''] : []),
      }),
    ],
  });
}
