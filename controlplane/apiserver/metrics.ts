/**
 * The API server's metrics, served on its own `/metrics` (as kube-apiserver serves its own).
 * Ours, named by lib/obs's convention: requests answered per method and code, and requests
 * whose handling failed with an error of ours — the analogue of the panics kube-apiserver's
 * WithPanicRecovery filter catches, logs and answers with a 500. Beside them, kube-apiserver's
 * own series under its own names, so dashboards written for it work here:
 * `apiserver_request_total`, `apiserver_request_duration_seconds`,
 * `apiserver_longrunning_requests`, `apiserver_registered_watchers` and
 * `apiserver_storage_objects`. `instrument` wraps the request listener to feed the first four.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram } from 'prom-client';
import { type ComponentRegistry, createRegistry } from '../../lib/obs/index.js';
import type { Store } from '../store/index.js';
import { parseRequestInfo, parseRequestTarget, type RequestInfo } from './request-info.js';
import type { ResourceRegistry } from './resources.js';

/** kube-apiserver's request labels (without `code`). */
type RequestLabel = 'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'scope' | 'component';

/** The counters the request path updates. */
export interface ApiServerMetrics {
  readonly registry: ComponentRegistry;
  /** `switchyard_apiserver_requests_total{method,code}`: answered requests. */
  readonly requests: Counter<'method' | 'code'>;
  /** `switchyard_apiserver_request_panics_total`: requests that hit a bug of ours (500 InternalError). */
  readonly panics: Counter;
  /** `apiserver_request_total{verb,group,version,resource,subresource,scope,component,code}`. */
  readonly requestTotal: Counter<RequestLabel | 'code'>;
  /** `apiserver_request_duration_seconds{verb,group,version,resource,subresource,scope,component}`. */
  readonly requestDuration: Histogram<RequestLabel>;
  /** `apiserver_longrunning_requests{…}`: watches open now. */
  readonly longRunning: Gauge<RequestLabel>;
  /** `apiserver_registered_watchers{group,version,resource}`: watches open now, per type. */
  readonly watchers: Gauge<'group' | 'version' | 'resource'>;
  /** `apiserver_storage_objects{resource}`: objects stored per type (`pods`, `deployments.apps`). */
  readonly storageObjects: Gauge<'resource'>;
}

/** HTTP methods counted by name; any other is `OTHER`, so a client cannot add label values. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The `method` label of a request. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'OTHER';
}

/** kube-apiserver's `verb` label per request verb (its metrics.cleanVerb). */
const VERBS: Readonly<Record<string, string>> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETECOLLECTION',
};

/**
 * The labels kube-apiserver gives `req`. Paths come from anyone who can open a socket, so only
 * a served type (and one of its subresources) becomes label values; anything else is counted
 * like a non-resource request, by method, and the series stay bounded.
 */
export function requestLabels(
  req: IncomingMessage,
  resources: ResourceRegistry,
): Record<RequestLabel, string> {
  const method = methodLabel(req.method);
  let info: RequestInfo | undefined;
  try {
    const target = parseRequestTarget(req.url ?? '/');
    info = parseRequestInfo(req.method ?? 'GET', target.path, target.query);
  } catch {
    info = undefined; // a malformed target is answered 400 by the handler; count it by method
  }
  const served = info ? resources.lookup(info.group, info.version, info.resource) : undefined;
  if (!info || !served)
    return {
      verb: method,
      group: '',
      version: '',
      resource: '',
      subresource: '',
      scope: '',
      component: 'apiserver',
    };
  const subresource = (served.subresources as readonly string[]).includes(info.subresource)
    ? info.subresource
    : '';
  const apply =
    info.verb === 'patch' && (req.headers['content-type'] ?? '').startsWith('application/apply-patch');
  return {
    verb: apply ? 'APPLY' : (VERBS[info.verb] ?? method),
    group: info.group,
    version: info.version,
    resource: info.resource,
    subresource,
    scope: info.name ? 'resource' : info.namespace !== undefined ? 'namespace' : 'cluster',
    component: 'apiserver',
  };
}

/** A fresh registry (with the process and Node.js default metrics) and the API server's metrics. */
export function createApiServerMetrics(): ApiServerMetrics {
  const registry = createRegistry({ component: 'apiserver', defaultMetrics: true });
  const registers = [registry.registry];
  const requests = new Counter({
    name: registry.name('requests', 'total'),
    help: 'Requests answered, by HTTP method and response code.',
    labelNames: ['method', 'code'] as const,
    registers,
  });
  const panics = new Counter({
    name: registry.name('request_panics', 'total'),
    help: 'Requests whose handling failed with an unexpected error (a bug), answered 500 InternalError.',
    registers,
  });
  // Ours follow lib/obs's convention; kube-apiserver's names (below) are kept as they are.
  registry.check();
  const labelNames = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
  return {
    registry,
    requests,
    panics,
    requestTotal: new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...labelNames, 'code'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component.',
      labelNames,
      buckets: [
        0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
      ],
      registers,
    }),
    longRunning: new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.',
      labelNames,
      registers,
    }),
    watchers: new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Number of currently registered watchers for a given resource.',
      labelNames: ['group', 'version', 'resource'] as const,
      registers,
    }),
    storageObjects: new Gauge({
      name: 'apiserver_storage_objects',
      help: 'Number of stored objects at the time of last check split by kind.',
      labelNames: ['resource'] as const,
      registers,
    }),
  };
}

/**
 * Wraps a request listener: each request is counted and timed when its response closes, by
 * kube-apiserver's labels; a watch also counts as long-running (and as a registered watcher)
 * while open.
 */
export function instrument(
  metrics: ApiServerMetrics,
  resources: ResourceRegistry,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const labels = requestLabels(req, resources);
    const started = process.hrtime.bigint();
    const watching = labels.verb === 'WATCH';
    const watcher = { group: labels.group, version: labels.version, resource: labels.resource };
    if (watching) {
      metrics.longRunning.inc(labels);
      metrics.watchers.inc(watcher);
    }
    res.once('close', () => {
      if (watching) {
        metrics.longRunning.dec(labels);
        metrics.watchers.dec(watcher);
      }
      metrics.requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      metrics.requestTotal.inc({ ...labels, code: res.statusCode });
    });
    handler(req, res);
  };
}

/** The `resource` label of a stored type: `pods`, `deployments.apps`. */
function storageResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

/** Counts the stored objects of every served type into `apiserver_storage_objects`. */
export async function refreshStorageObjects(
  metrics: ApiServerMetrics,
  store: Store,
  resources: ResourceRegistry,
): Promise<void> {
  const seen = new Set<string>();
  for (const info of resources.all()) {
    if (info.virtual || seen.has(info.storagePrefix)) continue;
    seen.add(info.storagePrefix);
    const count = await store.count(`/registry/${info.storagePrefix}/`);
    metrics.storageObjects.set({ resource: storageResource(info.plural, info.group) }, count);
  }
}
