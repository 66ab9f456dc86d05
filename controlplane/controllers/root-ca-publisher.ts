/**
 * The root CA certificate publisher (kube-controller-manager's pkg/controller/certificates/
 * rootcacertpublisher): every namespace that is not terminating has the ConfigMap
 * `kube-root-ca.crt` whose `ca.crt` is the cluster CA, so pods verify the API server (their
 * projected API access volume holds it). A changed or deleted ConfigMap is put back. The CA is
 * the manager's `--root-ca-file`, by default the CA of its own kubeconfig, as upstream.
 */
import type { ConfigMap } from '../../lib/api/index.js';
import { configMapsResource, isAlreadyExists } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, startController } from './context.js';

/** The ConfigMap's name and key. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
/** Upstream's description annotation on the ConfigMap. */
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** Options of the publisher. */
export interface RootCaPublisherOptions {
  /** The cluster CA, PEM. */
  readonly rootCa: string;
}

/** The ConfigMap as it should be; `current` keeps its other fields (an update). */
export function desiredRootCa(namespace: string, rootCa: string, current?: ConfigMap): ConfigMap {
  const base: ConfigMap = current
    ? structuredClone(current)
    : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace } };
  base.metadata.annotations = { ...base.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION };
  base.data = { [ROOT_CA_KEY]: rootCa };
  return base;
}

/** True when `cm` holds exactly the CA and the description. */
function current(cm: ConfigMap, rootCa: string): boolean {
  const data = cm.data ?? {};
  return (
    Object.keys(data).length === 1 &&
    data[ROOT_CA_KEY] === rootCa &&
    cm.metadata.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION
  );
}

/** Starts the publisher: one key per namespace. */
export function rootCaPublisher(ctx: ControllerContext, options: RootCaPublisherOptions): RunningController {
  const { informers: inf, client } = ctx;
  const configMaps = client.resource(configMapsResource);
  const reconcile = async (namespace: string): Promise<ReconcileResult> => {
    const ns = inf.namespaces.cache.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return { kind: 'done' };
    const cm = inf.configMaps.cache.get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    if (cm && current(cm, options.rootCa)) return { kind: 'done' };
    if (!cm) {
      try {
        await configMaps.create(desiredRootCa(namespace, options.rootCa), { namespace });
        ctx.logger.info('published root CA', { namespace });
      } catch (err) {
        // Made since the cache saw it missing: the update event requeues the namespace.
        if (!isAlreadyExists(err)) throw err;
      }
      return { kind: 'done' };
    }
    // An update at the cached version: a conflict retries from the fresh cache.
    await configMaps.update(desiredRootCa(namespace, options.rootCa, cm), { namespace });
    return { kind: 'done' };
  };
  return startController(ctx, {
    name: 'rootcacertpublisher',
    reconcile,
    workers: 1,
    watches: [
      watch(inf.namespaces, { on: ['add', 'update'], keys: (ns) => [ns.metadata.name ?? ''] }),
      watch(inf.configMaps, {
        on: ['update', 'delete'],
        keys: (cm) => (cm.metadata.name === ROOT_CA_CONFIGMAP ? [cm.metadata.namespace ?? ''] : []),
      }),
    ],
  });
}
