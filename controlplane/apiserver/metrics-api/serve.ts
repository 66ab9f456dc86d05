/**
 * The metrics.k8s.io/v1beta1 requests (authorized by the handler like any resource request, so
 * RBAC rules on group `metrics.k8s.io` apply): GET `nodes`, `nodes/{name}`, `pods` (every
 * namespace), `namespaces/{ns}/pods`, `namespaces/{ns}/pods/{name}`, with labelSelector and
 * fieldSelector applied to the Nodes and Pods they are about (as metrics-server filters its
 * listers), each answer computed on request from the kubelets' `/stats/summary` (summaries.ts).
 * Answers are JSON whatever the Accept header (kubectl asks for protobuf first and takes JSON),
 * or a Table when one is asked for (`kubectl get nodemetrics`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import {
  type HandlerOptions,
  type KubeletClientConfig,
  methodNotAllowed,
  notFound,
} from '../http/context.js';
import { kubeletGet, kubeletOf } from '../http/kubelet-client.js';
import { includeObject, TABLE_TYPE } from '../http/respond.js';
import { sendJson } from '../http-io.js';
import type { ListQuery } from '../registry/types.js';
import type { RequestInfo } from '../request-info.js';
import type { ResourceInfo } from '../resources.js';
import { ApiError, notFoundError } from '../status.js';
import { wantsTable } from '../table.js';
import { metricsList, nodeMetrics, type PodUsage, podMetrics } from './convert.js';
import { METRICS_GROUP, METRICS_VERSION } from './discovery.js';
import { type NodeSummary, SummaryCache } from './summaries.js';
import { metricsTable } from './table.js';

/** A metrics.k8s.io request, past authentication and authorization. */
export interface MetricsRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly info: RequestInfo;
  readonly query: URLSearchParams;
}

/** The largest Summary read from a kubelet (a node of many pods is a few hundred KiB). */
const MAX_SUMMARY_BYTES = 32 * 1024 * 1024;

/**
 * One cache per server: keyed by the handler's options object, which each server creates once,
 * so the handler needs no new field for it.
 */
const caches = new WeakMap<HandlerOptions, SummaryCache>();

/** True for a request this module serves. */
export function isMetricsRequest(info: RequestInfo): boolean {
  return info.group === METRICS_GROUP;
}

async function readJsonBody(res: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_SUMMARY_BYTES) {
      res.destroy();
      throw new Error(`summary larger than ${MAX_SUMMARY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
}

function cacheOf(o: HandlerOptions, config: KubeletClientConfig): SummaryCache {
  let cache = caches.get(o);
  if (!cache) {
    cache = new SummaryCache({
      fetch: async (node) => {
        const k = await kubeletOf({ o }, config, node);
        return readJsonBody(await kubeletGet(config, k, '/stats/summary', { resource: 'nodes', name: node }));
      },
    });
    caches.set(o, cache);
  }
  return cache;
}

function core(o: HandlerOptions, plural: 'nodes' | 'pods'): ResourceInfo {
  const info = o.resources.lookup('', 'v1', plural);
  if (!info) throw new ApiError(500, 'InternalError', `${plural} are not served`);
  return info;
}

function selectors(query: URLSearchParams): ListQuery {
  const labelSelector = query.get('labelSelector');
  const fieldSelector = query.get('fieldSelector');
  return {
    ...(labelSelector ? { labelSelector } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
  };
}

function items(list: JsonObject): JsonObject[] {
  return Array.isArray(list.items) ? list.items.filter(isJsonObject) : [];
}

function nameOf(obj: JsonObject): string {
  const meta = obj.metadata;
  return isJsonObject(meta) && typeof meta.name === 'string' ? meta.name : '';
}

/**
 * The NotFound of an object that exists but has no metrics, named as metrics-server names it
 * (`podmetrics.metrics.k8s.io "default/web"`); a missing Node or Pod is the store's own NotFound.
 */
function metricsNotFound(plural: string, ns: string | undefined, name: string): ApiError {
  const kind = plural === 'nodes' ? 'nodemetrics' : 'podmetrics';
  return notFoundError({ group: METRICS_GROUP, plural: kind }, ns ? `${ns}/${name}` : name);
}

/** The NodeMetrics of the given nodes that have usage, in their order. */
async function nodeItems(
  cache: SummaryCache,
  nodes: readonly JsonObject[],
  now: string,
): Promise<JsonObject[]> {
  const summaries = await Promise.all(nodes.map((n) => cache.get(nameOf(n))));
  return nodes.flatMap((node, i) => {
    const s = summaries[i];
    return s?.usage.node ? [nodeMetrics(node, s.usage.node, { now, windowMs: s.windowMs })] : [];
  });
}

/** The PodMetrics of the given pods that their kubelets measured, in their order. */
async function podItems(
  cache: SummaryCache,
  pods: readonly JsonObject[],
  now: string,
): Promise<JsonObject[]> {
  const nodeOf = (p: JsonObject): string => {
    const spec = p.spec;
    return isJsonObject(spec) && typeof spec.nodeName === 'string' ? spec.nodeName : '';
  };
  const nodes = [...new Set(pods.map(nodeOf).filter((n) => n !== ''))];
  const byNode = new Map<string, { summary: NodeSummary; pods: Map<string, PodUsage> }>();
  await Promise.all(
    nodes.map(async (node) => {
      const summary = await cache.get(node);
      if (!summary) return;
      const usages = new Map(summary.usage.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
      byNode.set(node, { summary, pods: usages });
    }),
  );
  return pods.flatMap((pod) => {
    const found = byNode.get(nodeOf(pod));
    const meta = isJsonObject(pod.metadata) ? pod.metadata : {};
    const usage = found?.pods.get(`${String(meta.namespace)}/${String(meta.name)}`);
    // A pod recreated under the same name is not the one the kubelet measured.
    if (!found || !usage || (usage.uid !== '' && usage.uid !== meta.uid)) return [];
    return [podMetrics(pod, usage, { now, windowMs: found.summary.windowMs })];
  });
}

/** The answer: a Table when kubectl get asks for one, else the object or list as JSON. */
function send(r: MetricsRequest, body: JsonObject, items: readonly JsonObject[]): void {
  if (wantsTable(r.req.headers.accept))
    sendJson(r.res, 200, metricsTable(items, includeObject(r.query)), TABLE_TYPE);
  else sendJson(r.res, 200, body);
}

/** Serves one metrics.k8s.io request. */
export async function serveMetricsApi(o: HandlerOptions, r: MetricsRequest): Promise<void> {
  const { info, query } = r;
  r.req.resume();
  const nodes = info.resource === 'nodes';
  if (
    info.version !== METRICS_VERSION ||
    (!nodes && info.resource !== 'pods') ||
    info.subresource !== '' ||
    (nodes && info.namespace !== undefined)
  )
    throw notFound();
  if (info.verb !== 'get' && info.verb !== 'list') throw methodNotAllowed();
  if (!o.kubelet)
    throw new ApiError(503, 'ServiceUnavailable', 'this API server has no kubelet client credentials');
  const cache = cacheOf(o, o.kubelet);
  const now = (o.now ?? (() => new Date()))()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const kind = nodes ? 'nodes' : 'pods';
  const type = core(o, kind);
  const build = nodes ? nodeItems : podItems;
  if (info.name !== '') {
    const obj = await o.rest.get(type, info.namespace, info.name);
    const [item] = await build(cache, [obj], now);
    if (!item) throw metricsNotFound(kind, info.namespace, info.name);
    send(r, item, [item]);
    return;
  }
  const listed = items(await o.rest.list(type, info.namespace, selectors(query)));
  if (nodes && !query.has('labelSelector') && !query.has('fieldSelector'))
    cache.retain(new Set(listed.map(nameOf)));
  const built = await build(cache, listed, now);
  send(r, metricsList(nodes ? 'NodeMetricsList' : 'PodMetricsList', built), built);
}
