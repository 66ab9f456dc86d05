/**
 * Metrics registries with the naming rule `switchyard_<component>_<name>_<unit>` (docs/architecture.md §5,
 * after the Prometheus naming guide: snake_case, base units, counters end in `_total`).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { invalid } from '../errors/index.js';

/** Accepted final name segments: Prometheus base units plus counts of things. */
export const METRIC_UNITS = [
  'seconds',
  'bytes',
  'total',
  'ratio',
  'info',
  'packets',
  'entries',
  'objects',
  'requests',
  'connections',
] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

const SEGMENT_RE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Builds a metric name, validating each part: metricName('proxy', 'sync_duration', 'seconds'). */
export function metricName(component: string, name: string, unit: MetricUnit): string {
  if (!SEGMENT_RE.test(component) || component.includes('_')) {
    throw invalid('component', `${JSON.stringify(component)} must be one lower-case word like "proxy"`);
  }
  if (!SEGMENT_RE.test(name)) throw invalid('name', `${JSON.stringify(name)} must be lower snake_case`);
  if (!METRIC_UNITS.includes(unit))
    throw invalid('unit', `${JSON.stringify(unit)} is not one of ${METRIC_UNITS.join(', ')}`);
  return `switchyard_${component}_${name}_${unit}`;
}

/** Throws `invalid('metric', …)` unless `name` follows the convention for `component`. */
export function assertMetricName(name: string, component: string): void {
  const prefix = `switchyard_${component}_`;
  const unit = METRIC_UNITS.find((u) => name.endsWith(`_${u}`));
  const middle = unit === undefined ? '' : name.slice(prefix.length, name.length - unit.length - 1);
  if (!name.startsWith(prefix) || unit === undefined || !SEGMENT_RE.test(middle)) {
    throw invalid(
      'metric',
      `${JSON.stringify(name)} must look like ${prefix}<name>_<unit> with unit one of ${METRIC_UNITS.join(', ')}`,
    );
  }
}

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** One lower-case word: `proxy`, `dns`, `apiserver`… */
  readonly component: string;
  /** Also export prom-client's process/Node metrics (`process_*`, `nodejs_*`); default false. */
  readonly defaultMetrics?: boolean;
}

/** A component's registry and its naming helper. */
export interface ComponentRegistry {
  readonly component: string;
  readonly registry: Registry;
  /** `name('sync_duration', 'seconds')` → `switchyard_<component>_sync_duration_seconds`. */
  name(name: string, unit: MetricUnit): string;
  /** Throws if any registered metric (other than default ones) breaks the convention. */
  check(): void;
}

/** A fresh prom-client Registry for one component (never the global one, so tests are isolated). */
export function createRegistry(options: RegistryOptions): ComponentRegistry {
  const { component } = options;
  metricName(component, 'probe', 'total');
  const registry = new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry });
  return {
    component,
    registry,
    name: (name, unit) => metricName(component, name, unit),
    check: () => {
      for (const m of registry.getMetricsAsArray()) {
        const n = m.name;
        if (n.startsWith('process_') || n.startsWith('nodejs_')) continue;
        assertMetricName(n, component);
      }
    },
  };
}

/**
 * `make` run once per registry: the metrics a library module registers in each component that
 * uses it (a second call with the same registry returns the first result).
 */
export function perRegistry<T>(make: (metrics: ComponentRegistry) => T): (metrics: ComponentRegistry) => T {
  const made = new WeakMap<ComponentRegistry, T>();
  return (metrics) => {
    if (made.has(metrics)) return made.get(metrics) as T;
    const value = make(metrics);
    made.set(metrics, value);
    return value;
  };
}
