/**
 * The API server's metrics, served on its own `/metrics` (as kube-apiserver serves its own):
 * requests answered per method and code (after `apiserver_request_total`), and requests whose
 * handling failed with an error of ours — the analogue of the panics kube-apiserver's
 * WithPanicRecovery filter catches, logs and answers with a 500.
 */
import { Counter } from 'prom-client';
import { type ComponentRegistry, createRegistry } from '../../lib/obs/index.js';

/** The counters the request path updates. */
export interface ApiServerMetrics {
  readonly registry: ComponentRegistry;
  /** `switchyard_apiserver_requests_total{method,code}`: answered requests. */
  readonly requests: Counter<'method' | 'code'>;
  /** `switchyard_apiserver_request_panics_total`: requests that hit a bug of ours (500 InternalError). */
  readonly panics: Counter;
}

/** HTTP methods counted by name; any other is `OTHER`, so a client cannot add label values. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The `method` label of a request. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'OTHER';
}

/** A fresh registry (with the process and Node.js default metrics) and the API server's counters. */
export function createApiServerMetrics(): ApiServerMetrics {
  const registry = createRegistry({ component: 'apiserver', defaultMetrics: true });
  const requests = new Counter({
    name: registry.name('requests', 'total'),
    help: 'Requests answered, by HTTP method and response code.',
    labelNames: ['method', 'code'] as const,
    registers: [registry.registry],
  });
  const panics = new Counter({
    name: registry.name('request_panics', 'total'),
    help: 'Requests whose handling failed with an unexpected error (a bug), answered 500 InternalError.',
    registers: [registry.registry],
  });
  registry.check();
  return { registry, requests, panics };
}
