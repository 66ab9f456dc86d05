/**
 * Where a pod's streams are served and how the API server reaches it, as kube-apiserver's
 * `pkg/registry/core/pod/strategy.go` (LogLocation, streamLocation) and `pkg/kubelet/client`:
 * the pod read, its container checked or defaulted (the only one; else 400 naming the choices),
 * its node's kubelet found (the first node address of the preferred types, the port from
 * `status.daemonEndpoints.kubeletEndpoint.Port` or 10250), and the HTTPS request or WebSocket
 * to it with the API server's client certificate. A kubelet that answers non-2xx becomes a
 * Status as kube-apiserver's GenericHttpResponseChecker makes it.
 */
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import { connectWebSocket, V5_PROTOCOL, type WebSocket } from '../../../lib/streaming/index.js';
import { ApiError, badRequest } from '../status.js';
import type { KubeletClientConfig, VerbRequest } from './context.js';

/** A kubelet's HTTPS endpoint. */
export interface KubeletEndpoint {
  readonly host: string;
  readonly port: number;
  readonly node: string;
}

/** What a pod stream resolves to: the container, and the kubelet unless the pod has no node. */
export interface PodStreamTarget {
  readonly pod: JsonObject;
  readonly container: string;
  readonly kubelet: KubeletEndpoint | undefined;
}

/**
 * kube-apiserver's default order with InternalIP first: node names in the lab do not resolve
 * (kube-apiserver's own default starts with Hostname; clusters commonly set this order).
 */
const DEFAULT_ADDRESS_TYPES = ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS', 'ExternalIP'];
const MAX_ERROR_BODY = 50_000;

function objectAt(o: Json | undefined, key: string): JsonObject | undefined {
  const v = isJsonObject(o) ? o[key] : undefined;
  return isJsonObject(v) ? v : undefined;
}

function listAt(o: Json | undefined, key: string): JsonObject[] {
  const v = isJsonObject(o) ? o[key] : undefined;
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

function names(spec: JsonObject | undefined, key: string): string[] {
  return listAt(spec, key)
    .map((c) => c.name)
    .filter((n): n is string => typeof n === 'string');
}

/** The container a request names, checked against the pod; or the pod's only one. */
export function podContainer(pod: JsonObject, requested: string | undefined): string {
  const podName = String(objectAt(pod, 'metadata')?.name ?? '');
  const spec = objectAt(pod, 'spec');
  const containers = names(spec, 'containers');
  if (requested) {
    const all = [...containers, ...names(spec, 'initContainers'), ...names(spec, 'ephemeralContainers')];
    if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  if (containers.length === 1) return containers[0] as string;
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
  const choices = [...names(spec, 'initContainers'), ...containers, ...names(spec, 'ephemeralContainers')];
  throw badRequest(
    `a container name must be specified for pod ${podName}, choose one of: [${choices.join(' ')}]`,
  );
}

/** The kubelet of a node: its preferred address and port; 404 for a missing node, 500 without an address. */
export async function kubeletOf(
  r: Pick<VerbRequest, 'o'>,
  config: KubeletClientConfig,
  node: string,
): Promise<KubeletEndpoint> {
  const nodes = r.o.resources.lookup('', 'v1', 'nodes');
  if (!nodes) throw new ApiError(500, 'InternalError', 'nodes are not served');
  const obj = await r.o.rest.get(nodes, undefined, node);
  const status = objectAt(obj, 'status');
  const addresses = listAt(status, 'addresses');
  let host: string | undefined;
  for (const type of config.preferredAddressTypes ?? DEFAULT_ADDRESS_TYPES) {
    const found = addresses.find((a) => a.type === type && typeof a.address === 'string' && a.address !== '');
    if (found) {
      host = found.address as string;
      break;
    }
  }
  if (host === undefined) {
    const known = addresses.map((a) => `{${String(a.type)} ${String(a.address)}}`).join(' ');
    throw new ApiError(
      500,
      'InternalError',
      `Internal error occurred: no preferred addresses found; known addresses: [${known}]`,
    );
  }
  const port = objectAt(objectAt(status, 'daemonEndpoints'), 'kubeletEndpoint')?.Port;
  const valid = typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536;
  return { host, port: valid ? port : (config.defaultPort ?? 10250), node };
}

/** The kubelet settings, or 503 when this server has none. */
export function kubeletConfig(r: VerbRequest): KubeletClientConfig {
  if (!r.o.kubelet)
    throw new ApiError(503, 'ServiceUnavailable', 'this API server has no kubelet client credentials');
  return r.o.kubelet;
}

/** Resolves a pod stream: pod (404), container (400), node and kubelet (none while unscheduled). */
export async function podStreamTarget(
  r: VerbRequest,
  requested: string | undefined,
): Promise<PodStreamTarget> {
  const config = kubeletConfig(r);
  const pod = await r.o.rest.get(r.res_, r.ns, r.info.name);
  const container = podContainer(pod, requested);
  const node = objectAt(pod, 'spec')?.nodeName;
  if (typeof node !== 'string' || node === '') return { pod, container, kubelet: undefined };
  return { pod, container, kubelet: await kubeletOf(r, config, node) };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A kubelet URL for messages (`https://10.0.0.1:10250/containerLogs/…`). */
export function kubeletUrl(k: KubeletEndpoint, path: string): string {
  return `https://${hostForUrl(k.host)}:${k.port}${path}`;
}

/** The Status for a kubelet's non-2xx answer (GenericHttpResponseChecker). */
export function kubeletFailure(status: number, body: string, resource: string, name: string): ApiError {
  if (status === 500) return new ApiError(500, 'InternalError', `Internal error occurred: ${body}`);
  if (status === 400) return badRequest(body);
  const reasons: Record<number, [string, string]> = {
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', 'the server does not allow access to the requested resource'],
    404: ['NotFound', 'the server could not find the requested resource'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  };
  const [reason, generic] = reasons[status] ?? [
    'InternalError',
    `an error on the server ("${body.slice(0, 200)}") has prevented the request from succeeding`,
  ];
  const code = reasons[status] ? status : 500;
  return new ApiError(code, reason, `${generic} ( ${resource} ${name})`, {
    name,
    kind: resource,
    causes: [{ reason: 'UnexpectedServerResponse', message: body }],
  });
}

/** Error text for a failed connection, as Go's client prints it. */
export function dialError(k: KubeletEndpoint, path: string, err: unknown): string {
  const why = err instanceof Error ? err.message : String(err);
  return `Get "${kubeletUrl(k, path)}": ${why}`;
}

/** GETs `path` from the kubelet; resolves with its 2xx answer, throws a Status otherwise. */
export function kubeletGet(
  config: KubeletClientConfig,
  k: KubeletEndpoint,
  path: string,
  what: { resource: string; name: string },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: k.host,
      port: k.port,
      path,
      method: 'GET',
      cert: config.cert,
      key: config.key,
      ...(config.ca ? { ca: config.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
      agent: false,
    });
    const timer = setTimeout(
      () => req.destroy(new Error('net/http: timeout awaiting response headers')),
      config.timeoutMs ?? 30_000,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new ApiError(500, 'InternalError', dialError(k, path, err)));
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status <= 206) {
        resolve(res);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(c.subarray(0, MAX_ERROR_BODY - size));
        size += c.length;
      });
      res.on('error', () => undefined);
      res.on('end', () =>
        reject(kubeletFailure(status, Buffer.concat(chunks).toString('utf8'), what.resource, what.name)),
      );
    });
    req.end();
  });
}

/** Opens a v5 channel WebSocket to the kubelet (exec, attach). */
export function kubeletWebSocket(
  config: KubeletClientConfig,
  k: KubeletEndpoint,
  path: string,
): Promise<WebSocket> {
  return connectWebSocket({
    secure: true,
    host: k.host,
    port: k.port,
    path,
    protocols: [V5_PROTOCOL],
    cert: config.cert,
    key: config.key,
    ...(config.ca ? { ca: config.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
    handshakeTimeoutMs: config.timeoutMs ?? 30_000,
    maxMessageBytes: 1024 * 1024,
    idleTimeoutMs: 5 * 60_000,
    pingIntervalMs: 30_000,
  });
}
