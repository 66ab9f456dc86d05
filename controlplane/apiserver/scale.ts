/** The `scale` subresource's view of a workload (autoscaling/v1 Scale). */
import { metaOf } from './object-meta.js';
import { isObject, type JsonObject } from './patch.js';

/** The autoscaling/v1 Scale view of a Deployment/ReplicaSet. */
export function toScale(o: JsonObject): JsonObject {
  const meta = metaOf(o);
  const spec = isObject(o.spec) ? o.spec : {};
  const status = isObject(o.status) ? o.status : {};
  const match =
    isObject(spec.selector) && isObject(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  const selector = Object.entries(match)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta.name ?? '',
      namespace: meta.namespace ?? '',
      uid: meta.uid ?? '',
      resourceVersion: meta.resourceVersion ?? '',
      creationTimestamp: meta.creationTimestamp ?? null,
    },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 0 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector },
  };
}
