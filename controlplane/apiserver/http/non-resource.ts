/**
 * The non-resource paths: `/version`, the health endpoints, `/metrics`, discovery (`/api`,
 * `/apis`, a group, a group-version) and OpenAPI (`/openapi/v2`, `/openapi/v3` and its
 * group-versions). They are authorized (as non-resource paths, by RBAC) before they get here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from '../../../lib/api/json.js';
import {
  AGGREGATED_V2,
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openapiGroupVersion,
  openapiIndex,
  versionInfo,
} from '../discovery.js';
import { type HealthCheck, healthAnswer, isHealthPath } from '../health.js';
import { sendJson } from '../http-io.js';
import { metricsDiscoveryDocument, withMetricsGroup } from '../metrics-api/discovery.js';
import { serveOpenapiV2 } from '../openapi-v2.js';
import { type HandlerOptions, methodNotAllowed } from './context.js';

/** Paths anyone may read, without credentials: `/version` and the health endpoints. */
export function isPublicPath(path: string): boolean {
  return path === '/version' || isHealthPath(path);
}

/** Answers `path` when it is a non-resource path; false when it is not one (a resource, or 404). */
export async function serveNonResource(
  o: HandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<boolean> {
  if (path === '/version') {
    sendJson(res, 200, versionInfo());
    return true;
  }
  if (isHealthPath(path)) {
    const answer = healthAnswer({ path, query, checks: (endpoint) => healthChecks(o, endpoint) });
    if (answer) {
      req.resume();
      res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(answer.body);
      return true;
    }
  }
  // RBAC decided before (system:monitoring's role grants it, as in Kubernetes).
  if (path === '/metrics') {
    await serveMetrics(o, req, res);
    return true;
  }
  if (path === '/openapi/v2') {
    serveOpenapiV2(req, res, o.resources);
    return true;
  }
  const document = discoveryDocument(o, req, path);
  if (document === undefined) return false;
  sendJson(res, 200, document.body, document.contentType);
  return true;
}

/** GET /metrics in the Prometheus text format. */
async function serveMetrics(o: HandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
  const { registry } = o.metrics.registry;
  const text = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/**
 * The checks of each health endpoint: liveness needs the process and its store; readiness also
 * the start-up work (bootstrap objects) done. Named as kube-apiserver names its own.
 */
function healthChecks(o: HandlerOptions, endpoint: string): HealthCheck[] {
  const checks: HealthCheck[] = [
    { name: 'ping', ok: () => true },
    { name: 'log', ok: () => true },
    { name: 'etcd', ok: () => o.ready() },
  ];
  if (endpoint === 'readyz') checks.push({ name: 'shutdown', ok: () => o.ready() });
  return checks;
}

/** A discovery or OpenAPI document with its Content-Type (JSON when unset). */
interface Document {
  readonly body: JsonObject;
  readonly contentType?: string;
}

/** The discovery or OpenAPI v3 document `path` names. */
function discoveryDocument(o: HandlerOptions, req: IncomingMessage, path: string): Document | undefined {
  switch (path) {
    case '/api':
      if (aggregated(req))
        return { body: aggregatedDiscovery(o.resources, true), contentType: AGGREGATED_V2 };
      return { body: apiVersions(o.serverAddress()) };
    case '/apis':
      if (aggregated(req))
        return {
          body: withMetricsGroup(aggregatedDiscovery(o.resources, false)),
          contentType: AGGREGATED_V2,
        };
      return { body: withMetricsGroup(apiGroupList(o.resources)) };
    case '/openapi/v3':
      return { body: openapiIndex(o.resources) };
  }
  const body = groupDocument(o, path);
  return body === undefined ? undefined : { body };
}

function aggregated(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('as=APIGroupDiscoveryList');
}

/** `/api/v1`, `/apis/GROUP/VERSION`, `/apis/GROUP` and `/openapi/v3/…` of one group-version. */
function groupDocument(o: HandlerOptions, path: string): JsonObject | undefined {
  const metrics = metricsDiscoveryDocument(path);
  if (metrics) return metrics;
  let m = /^\/api\/(v1)$/.exec(path);
  if (m) return apiResourceList(o.resources, '', m[1] as string);
  m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) return apiResourceList(o.resources, m[1] as string, m[2] as string);
  m = /^\/apis\/([^/]+)$/.exec(path);
  if (m) {
    const g = o.resources.groups().find((x) => x.group === m?.[1]);
    if (!g) return undefined;
    const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
    return {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: g.group,
      versions,
      preferredVersion: versions[0] ?? null,
    };
  }
  m = /^\/openapi\/v3\/api\/(v1)$/.exec(path);
  if (m) return openapiGroupVersion(o.resources, '', m[1] as string);
  m = /^\/openapi\/v3\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) return openapiGroupVersion(o.resources, m[1] as string, m[2] as string);
  return undefined;
}
