/**
 * metrics.k8s.io in discovery, as kube-aggregator lists the group metrics-server serves
 * (kubernetes/metrics `pkg/apis/metrics/v1beta1`): `nodes` (NodeMetrics, cluster-scoped) and
 * `pods` (PodMetrics, namespaced), both `get` and `list` only — so the namespace controller,
 * which deletes what has `delete`, passes them by. kubectl top looks for the group in `/apis`
 * ("Metrics API not available" without it). Pure.
 */
import type { JsonObject } from '../../../lib/api/json.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_GROUP_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

const VERBS = ['get', 'list'];
const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true },
] as const;

function groupVersion(): JsonObject {
  return { groupVersion: METRICS_GROUP_VERSION, version: METRICS_VERSION };
}

/** The APIGroup of legacy `/apis` and of `/apis/metrics.k8s.io`. */
export function metricsApiGroup(): JsonObject {
  return { name: METRICS_GROUP, versions: [groupVersion()], preferredVersion: groupVersion() };
}

/** `/apis/metrics.k8s.io/v1beta1`: the APIResourceList. */
export function metricsResourceList(): JsonObject {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: METRICS_GROUP_VERSION,
    resources: RESOURCES.map((r) => ({
      name: r.name,
      singularName: '',
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...VERBS],
    })),
  };
}

/** The group's entry in aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscovery). */
export function metricsAggregatedGroup(): JsonObject {
  return {
    metadata: { name: METRICS_GROUP },
    versions: [
      {
        version: METRICS_VERSION,
        freshness: 'Current',
        resources: RESOURCES.map((r) => ({
          resource: r.name,
          responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: '',
          verbs: [...VERBS],
        })),
      },
    ],
  };
}

/**
 * The metrics group added to a discovery document of `/apis`: the legacy APIGroupList or the
 * aggregated APIGroupDiscoveryList (each has a list of groups under its own key).
 */
export function withMetricsGroup(document: JsonObject): JsonObject {
  if (Array.isArray(document.groups)) return { ...document, groups: [...document.groups, metricsApiGroup()] };
  if (Array.isArray(document.items))
    return { ...document, items: [...document.items, metricsAggregatedGroup()] };
  return document;
}

/** The document of `/apis/metrics.k8s.io` or `/apis/metrics.k8s.io/v1beta1`, else undefined. */
export function metricsDiscoveryDocument(path: string): JsonObject | undefined {
  if (path === `/apis/${METRICS_GROUP}`) return { kind: 'APIGroup', apiVersion: 'v1', ...metricsApiGroup() };
  if (path === `/apis/${METRICS_GROUP_VERSION}`) return metricsResourceList();
  return undefined;
}
