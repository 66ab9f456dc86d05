/**
 * `/metrics/resource`: the Prometheus text the kubelet serves for metrics-server, built from a
 * Summary (pure), with the series and labels of upstream's resource metrics collector
 * (pkg/kubelet/metrics/collectors/resource_metrics.go): CPU as cumulative core-seconds, memory
 * as the working set, the containers' start times, and `resource_scrape_error` (1 when the
 * stats could not be gathered). Each sample carries its reading's time in epoch milliseconds.
 */
import type { CpuStats, MemoryStats, Summary } from './types.js';

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly lines: string[];
}

function family(name: string, type: Family['type'], help: string): Family {
  return { name, help, type, lines: [] };
}

/** A label value escaped as the text format requires (backslash, quote, newline). */
function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function sample(f: Family, labels: Readonly<Record<string, string>>, value: number, time: string): void {
  const keys = Object.keys(labels).sort();
  const set = keys.length
    ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k] as string)}"`).join(',')}}`
    : '';
  f.lines.push(`${f.name}${set} ${value} ${Date.parse(time)}`);
}

function cpu(f: Family, labels: Record<string, string>, s: CpuStats | undefined): void {
  if (s?.usageCoreNanoSeconds !== undefined) sample(f, labels, s.usageCoreNanoSeconds / 1e9, s.time);
}

function memory(f: Family, labels: Record<string, string>, s: MemoryStats | undefined): void {
  if (s?.workingSetBytes !== undefined) sample(f, labels, s.workingSetBytes, s.time);
}

/** The text of `/metrics/resource` for `summary` (undefined: the stats failed, only the error series). */
export function resourceMetricsText(summary: Summary | undefined): string {
  const containerCpu = family(
    'container_cpu_usage_seconds_total',
    'counter',
    'Cumulative CPU time of the container in core-seconds',
  );
  const containerMemory = family(
    'container_memory_working_set_bytes',
    'gauge',
    'Working set of the container in bytes',
  );
  const containerStart = family(
    'container_start_time_seconds',
    'gauge',
    'Start time of the container in seconds since the epoch',
  );
  const nodeCpu = family(
    'node_cpu_usage_seconds_total',
    'counter',
    'Cumulative CPU time of the node in core-seconds',
  );
  const nodeMemory = family('node_memory_working_set_bytes', 'gauge', 'Working set of the node in bytes');
  const podCpu = family(
    'pod_cpu_usage_seconds_total',
    'counter',
    'Cumulative CPU time of the pod in core-seconds',
  );
  const podMemory = family('pod_memory_working_set_bytes', 'gauge', 'Working set of the pod in bytes');
  const scrapeError = family(
    'resource_scrape_error',
    'gauge',
    '1 when the stats could not be gathered, else 0',
  );
  scrapeError.lines.push(`resource_scrape_error ${summary ? 0 : 1}`);
  if (summary) {
    cpu(nodeCpu, {}, summary.node.cpu);
    memory(nodeMemory, {}, summary.node.memory);
    for (const pod of summary.pods) {
      const podLabels = { namespace: pod.podRef.namespace, pod: pod.podRef.name };
      cpu(podCpu, podLabels, pod.cpu);
      memory(podMemory, podLabels, pod.memory);
      for (const c of pod.containers) {
        const labels = { ...podLabels, container: c.name };
        cpu(containerCpu, labels, c.cpu);
        memory(containerMemory, labels, c.memory);
        sample(containerStart, labels, Date.parse(c.startTime) / 1000, c.startTime);
      }
    }
  }
  const families = [
    containerCpu,
    containerMemory,
    containerStart,
    nodeCpu,
    nodeMemory,
    podCpu,
    podMemory,
    scrapeError,
  ];
  return families
    .filter((f) => f.lines.length > 0)
    .map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.lines].join('\n'))
    .join('\n')
    .concat('\n');
}
