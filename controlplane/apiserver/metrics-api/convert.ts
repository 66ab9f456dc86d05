/**
 * From a kubelet's stats/v1alpha1 Summary to metrics.k8s.io/v1beta1 objects, as metrics-server
 * builds them (pure): the Summary read into slim usages (CPU nano-cores and working-set bytes —
 * a node, pod or container lacking either has no metrics and is left out, as metrics-server
 * leaves out what it could not measure), then NodeMetrics and PodMetrics with CPU in `n` and
 * memory in binary SI, both in Quantity's canonical form.
 */
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import { METRICS_GROUP_VERSION } from './discovery.js';

/** A measured usage at `time` (RFC 3339). */
export interface Usage {
  readonly time: string;
  readonly nanoCores: number;
  readonly workingSetBytes: number;
}

/** A pod's containers' usages. */
export interface PodUsage {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly containers: readonly (Usage & { readonly name: string })[];
}

/** What metrics.k8s.io takes from one Summary. */
export interface SummaryUsage {
  readonly node: Usage | undefined;
  readonly pods: readonly PodUsage[];
}

function field(o: Json | undefined, key: string): Json | undefined {
  return isJsonObject(o) ? o[key] : undefined;
}

function count(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function text(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** The usage of a node, pod or container entry: cpu.usageNanoCores and memory.workingSetBytes. */
function usageOf(entry: Json | undefined): Usage | undefined {
  const cpu = field(entry, 'cpu');
  const memory = field(entry, 'memory');
  const nanoCores = count(field(cpu, 'usageNanoCores'));
  const workingSetBytes = count(field(memory, 'workingSetBytes'));
  if (nanoCores === undefined || workingSetBytes === undefined) return undefined;
  const times = [text(field(cpu, 'time')), text(field(memory, 'time'))].sort();
  return { time: times[1] || times[0] || '', nanoCores, workingSetBytes };
}

/** Reads a Summary; pods with a container that has no usage are left out. */
export function summaryUsage(summary: Json): SummaryUsage {
  const pods: PodUsage[] = [];
  const list = field(summary, 'pods');
  for (const pod of Array.isArray(list) ? list : []) {
    const ref = field(pod, 'podRef');
    const entries = field(pod, 'containers');
    const containers = (Array.isArray(entries) ? entries : []).map((c) => {
      const usage = usageOf(c);
      return usage && { ...usage, name: text(field(c, 'name')) };
    });
    if (containers.length === 0 || containers.some((c) => c === undefined)) continue;
    pods.push({
      namespace: text(field(ref, 'namespace')),
      name: text(field(ref, 'name')),
      uid: text(field(ref, 'uid')),
      containers: containers.filter((c) => c !== undefined),
    });
  }
  return { node: usageOf(field(summary, 'node')), pods };
}

/** Nano-cores as a canonical Quantity: `250m` for 250000000, `1500n`, `2` for 2e9. */
export function cpuQuantity(nanoCores: number): string {
  const n = Math.round(nanoCores);
  if (n === 0) return '0';
  for (const [scale, suffix] of [
    [1e9, ''],
    [1e6, 'm'],
    [1e3, 'u'],
  ] as const)
    if (n % scale === 0) return `${n / scale}${suffix}`;
  return `${n}n`;
}

/** Bytes as a canonical binary-SI Quantity: the largest power of 1024 that divides, else bytes. */
export function memoryQuantity(bytes: number): string {
  let n = Math.round(bytes);
  if (n === 0) return '0';
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (n % 1024 === 0 && i < suffixes.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n}${suffixes[i]}`;
}

function usageJson(u: Usage): JsonObject {
  return { cpu: cpuQuantity(u.nanoCores), memory: memoryQuantity(u.workingSetBytes) };
}

function labelsOf(obj: JsonObject): JsonObject {
  const labels = field(field(obj, 'metadata'), 'labels');
  return isJsonObject(labels) ? labels : {};
}

/** How long the usage was averaged over, as metav1.Duration's text (`10.5s`). */
export function durationText(ms: number): string {
  return `${Math.max(0, ms) / 1000}s`;
}

/** NodeMetrics of `node` (the API object) from its usage. */
export function nodeMetrics(
  node: JsonObject,
  usage: Usage,
  o: { now: string; windowMs: number },
): JsonObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: {
      name: text(field(field(node, 'metadata'), 'name')),
      creationTimestamp: o.now,
      labels: labelsOf(node),
    },
    timestamp: usage.time,
    window: durationText(o.windowMs),
    usage: usageJson(usage),
  };
}

/** PodMetrics of `pod` (the API object) from its containers' usages. */
export function podMetrics(
  pod: JsonObject,
  usage: PodUsage,
  o: { now: string; windowMs: number },
): JsonObject {
  const times = usage.containers.map((c) => c.time).sort();
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: {
      name: usage.name,
      namespace: usage.namespace,
      creationTimestamp: o.now,
      labels: labelsOf(pod),
    },
    timestamp: times.at(-1) ?? o.now,
    window: durationText(o.windowMs),
    containers: usage.containers.map((c) => ({ name: c.name, usage: usageJson(c) })),
  };
}

/** A NodeMetricsList or PodMetricsList. */
export function metricsList(
  kind: 'NodeMetricsList' | 'PodMetricsList',
  items: readonly JsonObject[],
): JsonObject {
  return { kind, apiVersion: METRICS_GROUP_VERSION, metadata: {}, items: [...items] };
}
