/** `/metrics/resource` from a Summary: the series, labels, units and millisecond timestamps. */
import { describe, expect, it } from 'vitest';
import { resourceMetricsText } from './resource-metrics.js';
import type { Summary } from './types.js';

const summary: Summary = {
  node: {
    nodeName: 'n1',
    startTime: '2026-01-01T00:00:00Z',
    cpu: { time: '2026-12-05T10:00:00Z', usageNanoCores: 250_000_000, usageCoreNanoSeconds: 12_500_000_000 },
    memory: { time: '2026-12-05T10:00:00Z', workingSetBytes: 1_048_576 },
  },
  pods: [
    {
      podRef: { name: 'web', namespace: 'default', uid: 'u1' },
      startTime: '2026-12-05T09:00:00Z',
      cpu: { time: '2026-12-05T10:00:01Z', usageCoreNanoSeconds: 1_500_000_000 },
      memory: { time: '2026-12-05T10:00:01Z', workingSetBytes: 4096 },
      containers: [
        {
          name: 'httpd',
          startTime: '2026-12-05T09:00:02Z',
          cpu: { time: '2026-12-05T10:00:01Z', usageCoreNanoSeconds: 1_500_000_000 },
          memory: { time: '2026-12-05T10:00:01Z', workingSetBytes: 4096 },
        },
        // No stats yet: only its start time is a series.
        { name: 'say "hi"', startTime: '2026-12-05T09:30:00Z' },
      ],
    },
  ],
};

describe('resourceMetricsText', () => {
  it('serves the node, pod and container series with ms timestamps and escaped labels', () => {
    const t0 = Date.parse('2026-12-05T10:00:00Z');
    const t1 = t0 + 1000;
    const samples = resourceMetricsText(summary)
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples).toEqual([
      `container_cpu_usage_seconds_total{container="httpd",namespace="default",pod="web"} 1.5 ${t1}`,
      `container_memory_working_set_bytes{container="httpd",namespace="default",pod="web"} 4096 ${t1}`,
      `container_start_time_seconds{container="httpd",namespace="default",pod="web"} ${Date.parse('2026-12-05T09:00:02Z') / 1000} ${Date.parse('2026-12-05T09:00:02Z')}`,
      `container_start_time_seconds{container="say \\"hi\\"",namespace="default",pod="web"} ${Date.parse('2026-12-05T09:30:00Z') / 1000} ${Date.parse('2026-12-05T09:30:00Z')}`,
      `node_cpu_usage_seconds_total 12.5 ${t0}`,
      `node_memory_working_set_bytes 1048576 ${t0}`,
      `pod_cpu_usage_seconds_total{namespace="default",pod="web"} 1.5 ${t1}`,
      `pod_memory_working_set_bytes{namespace="default",pod="web"} 4096 ${t1}`,
      'resource_scrape_error 0',
    ]);
  });

  it('declares each family once, with its type', () => {
    const text = resourceMetricsText(summary);
    expect(text).toContain('# TYPE node_cpu_usage_seconds_total counter\n');
    expect(text).toContain('# TYPE container_memory_working_set_bytes gauge\n');
    expect(text.match(/# TYPE container_start_time_seconds/g)).toHaveLength(1);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('reports only the scrape error when the stats failed', () => {
    expect(resourceMetricsText(undefined)).toBe(
      '# HELP resource_scrape_error 1 when the stats could not be gathered, else 0\n' +
        '# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n',
    );
  });
});
