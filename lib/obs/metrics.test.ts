import { Counter, Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../errors/index.js';
import { assertMetricName, createRegistry, metricName } from './index.js';

describe('metric names', () => {
  it('builds switchyard_<component>_<name>_<unit>', () => {
    expect(metricName('proxy', 'sync_duration', 'seconds')).toBe('switchyard_proxy_sync_duration_seconds');
    expect(() => metricName('kube_proxy', 'x', 'total')).toThrow(/component/);
    expect(() => metricName('proxy', 'SyncDuration', 'seconds')).toThrow(
      'name: "SyncDuration" must be lower snake_case',
    );
    expect(() => metricName('proxy', 'x', 'minutes' as 'seconds')).toThrow(/unit/);
  });

  it('asserts the convention on existing names', () => {
    expect(() => assertMetricName('switchyard_dns_requests_total', 'dns')).not.toThrow();
    expect(() => assertMetricName('dns_requests_total', 'dns')).toThrow(
      /must look like switchyard_dns_<name>_<unit>/,
    );
    expect(() => assertMetricName('switchyard_dns_requests', 'dns')).toThrow(/unit one of/);
    expect(() => assertMetricName('switchyard_dns__total', 'dns')).toThrow(/must look like/);
  });

  it('gives each component its own registry and checks what is registered', async () => {
    const a = createRegistry({ component: 'proxy' });
    const b = createRegistry({ component: 'proxy' });
    const c = new Counter({ name: a.name('syncs', 'total'), help: 'syncs', registers: [a.registry] });
    new Counter({
      name: a.name('syncs', 'total'),
      help: 'same name, other registry',
      registers: [b.registry],
    });
    c.inc(2);
    expect(await a.registry.metrics()).toContain('switchyard_proxy_syncs_total 2');
    expect(() => a.check()).not.toThrow();
    new Histogram({ name: 'proxy_latency', help: 'bad name', registers: [a.registry] });
    let err: unknown;
    try {
      a.check();
    } catch (e) {
      err = e;
    }
    expect(isInvalid(err)).toBe(true);
    const withDefaults = createRegistry({ component: 'dns', defaultMetrics: true });
    expect(await withDefaults.registry.metrics()).toContain('process_cpu_user_seconds_total');
    expect(() => withDefaults.check()).not.toThrow();
  });
});
