/**
 * NodeMetrics and PodMetrics as a meta.k8s.io/v1 Table, for `kubectl get nodemetrics|podmetrics`
 * (metrics-server answers Tables too): Name, CPU, Memory, Window — a pod's usage summed over its
 * containers. Pure.
 */
import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import { parseQuantity } from '../../../lib/api/quantity.js';
import { cpuQuantity, memoryQuantity } from './convert.js';

const COLUMNS = [
  { name: 'Name', format: 'name', description: 'The name of the node or pod' },
  { name: 'CPU', format: '', description: 'CPU usage in cores' },
  { name: 'Memory', format: '', description: 'Memory working set in bytes' },
  { name: 'Window', format: '', description: 'How long the usage was averaged over' },
];

/** The usages of a NodeMetrics (`usage`) or PodMetrics (`containers[].usage`). */
function usages(item: JsonObject): JsonObject[] {
  if (isJsonObject(item.usage)) return [item.usage];
  const containers = Array.isArray(item.containers) ? item.containers.filter(isJsonObject) : [];
  return containers.map((c) => (isJsonObject(c.usage) ? c.usage : {}));
}

function total(list: readonly JsonObject[], key: 'cpu' | 'memory'): number {
  return list.reduce((sum, u) => sum + parseQuantity(u[key] ?? '0', key), 0);
}

/** The Table of metrics items; `include` as TableOptions' includeObject. */
export function metricsTable(
  items: readonly JsonObject[],
  include: 'Metadata' | 'Object' | 'None',
): JsonObject {
  const rows = items.map((item) => {
    const meta = isJsonObject(item.metadata) ? item.metadata : {};
    const u = usages(item);
    return {
      cells: [
        String(meta.name ?? ''),
        cpuQuantity(total(u, 'cpu') * 1e9),
        memoryQuantity(total(u, 'memory')),
        String(item.window ?? ''),
      ],
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? item
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta },
          }),
    };
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: COLUMNS.map((c) => ({ ...c, type: 'string', priority: 0 })),
    rows,
  };
}
