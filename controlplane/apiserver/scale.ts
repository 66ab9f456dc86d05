/**
 * The `scale` subresource's view of a workload (autoscaling/v1 Scale). Built-in workloads keep
 * their replicas at `.spec.replicas`/`.status.replicas` and select by `.spec.selector`; a custom
 * resource names its own paths in the CRD (`subresources.scale`: specReplicasPath,
 * statusReplicasPath, labelSelectorPath — the last holding a selector in string form).
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { metaOf } from './object-meta.js';

/** Where a custom resource keeps what its Scale shows. */
export interface ScalePaths {
  /** Dotted, without the leading dot: `spec.replicas`. */
  readonly specReplicas: string;
  readonly statusReplicas: string;
  readonly labelSelector?: string;
}

function at(o: Json, path: string): Json | undefined {
  let cur: Json | undefined = o;
  for (const p of path.split('.')) cur = isJsonObject(cur) ? cur[p] : undefined;
  return cur;
}

function selectorOf(o: JsonObject, paths: ScalePaths | undefined): string {
  if (paths) {
    const s = paths.labelSelector === undefined ? undefined : at(o, paths.labelSelector);
    return typeof s === 'string' ? s : '';
  }
  const match = at(o, 'spec.selector.matchLabels');
  return Object.entries(isJsonObject(match) ? match : {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

/** The autoscaling/v1 Scale view of a Deployment/ReplicaSet or a custom resource. */
export function toScale(o: JsonObject, paths?: ScalePaths): JsonObject {
  const meta = metaOf(o);
  const spec = at(o, paths?.specReplicas ?? 'spec.replicas');
  const status = at(o, paths?.statusReplicas ?? 'status.replicas');
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
    spec: { replicas: typeof spec === 'number' ? spec : 0 },
    status: { replicas: typeof status === 'number' ? status : 0, selector: selectorOf(o, paths) },
  };
}

/** Sets the desired replicas of `o` (in place) where its Scale reads them. */
export function setReplicas(o: JsonObject, replicas: number, paths?: ScalePaths): void {
  const parts = (paths?.specReplicas ?? 'spec.replicas').split('.');
  const last = parts.pop() as string;
  let cur: JsonObject = o;
  for (const p of parts) {
    const next = cur[p];
    if (!isJsonObject(next)) cur[p] = {};
    cur = cur[p] as JsonObject;
  }
  cur[last] = replicas;
}
