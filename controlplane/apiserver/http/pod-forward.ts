/**
 * pods/portforward, and the SPDY fallback of pods/exec|attach, as kube-apiserver serves them
 * (apiserver `pkg/util/proxy/streamtunnel.go`, apimachinery `upgradeaware.go`; kubelet-streaming.md §2):
 *
 * - kubectl 1.32's port-forward is a WebSocket GET offering `SPDY/3.1+portforward.k8s.io`
 *   (RBAC `get`): the pod is checked (it must have a node and be Running), the kubelet's
 *   `/portForward/{ns}/{pod}` is dialled with a SPDY POST upgrade (`X-Stream-Protocol-Version:
 *   portforward.k8s.io`, the API server's client certificate), and only after the kubelet's
 *   101 is kubectl's WebSocket accepted, echoing that subprotocol; then every binary message is
 *   raw SPDY bytes for the kubelet and the kubelet's bytes go back as binary messages (no
 *   channel byte). A kubelet that refuses becomes the HTTP answer, so kubectl falls back.
 * - A SPDY POST upgrade (RBAC `create`; kubectl with KUBECTL_PORT_FORWARD_WEBSOCKETS=false or
 *   KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) is spliced byte for byte to the kubelet's same
 *   path: the upgrade request replayed (its `X-Stream-Protocol-Version` lines, no
 *   credentials of the caller), the kubelet's answer relayed, then the sockets joined.
 *
 * Nothing here parses SPDY.
 */
import type { Duplex } from 'node:stream';
import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import { dialUrl, joinSockets, type SpdyUpgraded, upgradeRequest } from '../../../lib/spdy/index.js';
import { acceptUpgrade, CloseCode, checkUpgrade, isWebSocketUpgrade } from '../../../lib/streaming/index.js';
import { ApiError, badRequest } from '../status.js';
import type { KubeletClientConfig, VerbRequest } from './context.js';
import {
  type KubeletEndpoint,
  kubeletConfig,
  kubeletFailure,
  kubeletOf,
  kubeletUrl,
} from './kubelet-client.js';
import { hijack, isUpgraded } from './upgrades.js';

/** The subprotocol kubectl's port-forward tunnel offers. */
export const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** Binary messages carry SPDY frames; kubectl's are at most a frame or two. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const IDLE_TIMEOUT_MS = 5 * 60_000;
const PING_INTERVAL_MS = 30_000;

const seg = encodeURIComponent;

/** Whether a request is a SPDY upgrade (kubectl's POST fallback). */
export function isSpdyUpgradeRequest(r: VerbRequest): boolean {
  return isUpgraded(r.req) && /(^|,)\s*spdy\/3\.1\s*($|,)/i.test(String(r.req.headers.upgrade ?? ''));
}

/** A SPDY upgrade to the kubelet: the request replayed with the API server's credentials. */
function kubeletUpgrade(
  config: KubeletClientConfig,
  k: KubeletEndpoint,
  path: string,
  versions: readonly string[],
): Promise<SpdyUpgraded> {
  const url = new URL(kubeletUrl(k, path));
  return upgradeRequest({
    dial: dialUrl(url, {
      cert: config.cert,
      key: config.key,
      ...(config.ca ? { ca: config.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
    }),
    method: 'POST',
    path,
    host: url.host,
    headers: { 'X-Stream-Protocol-Version': versions },
    timeoutMs: config.timeoutMs ?? 30_000,
  });
}

/** The Status for a kubelet's refusal of an upgrade. */
function refusal(answer: { status: number; body: Buffer }, resource: string, name: string): ApiError {
  const text = answer.body.toString('utf8');
  try {
    const s = JSON.parse(text) as { kind?: unknown; message?: unknown };
    if (s.kind === 'Status' && typeof s.message === 'string')
      return kubeletFailure(answer.status, s.message, resource, name);
  } catch {
    // plain text
  }
  return kubeletFailure(answer.status, text.trim(), resource, name);
}

/** Error text for a kubelet that could not be reached. */
function unreachable(k: KubeletEndpoint, path: string, err: unknown): ApiError {
  const why = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `error dialing backend: ${kubeletUrl(k, path)}: ${why}`);
}

/**
 * Splices kubectl's SPDY upgrade to the kubelet's `path`: 101 relayed and the sockets joined,
 * or the kubelet's refusal as a Status. Errors before anything was written are thrown.
 */
export async function spliceSpdyToKubelet(
  r: VerbRequest,
  config: KubeletClientConfig,
  k: KubeletEndpoint,
  path: string,
): Promise<void> {
  const versions = r.req.headersDistinct['x-stream-protocol-version'] ?? [];
  if (versions.length === 0) throw badRequest('unable to upgrade: X-Stream-Protocol-Version is required');
  let answer: SpdyUpgraded;
  try {
    answer = await kubeletUpgrade(config, k, path, versions);
  } catch (err) {
    throw unreachable(k, path, err);
  }
  if (!answer.upgraded) throw refusal(answer, `pods/${r.sub}`, r.info.name);
  const taken = hijack(r.req, r.res);
  if (!taken) {
    answer.socket.destroy();
    throw new ApiError(500, 'InternalError', 'the connection could not be taken over');
  }
  taken.socket.write(answer.rawHead);
  if (answer.head.length > 0) taken.socket.write(answer.head);
  if (taken.head.length > 0) answer.socket.write(taken.head);
  await joinSockets(taken.socket, answer.socket);
}

function objectAt(o: JsonObject | undefined, key: string): JsonObject | undefined {
  const v = o?.[key];
  return isJsonObject(v) ? v : undefined;
}

/** GET (WebSocket tunnel) or POST (SPDY) pods/portforward. */
export async function podPortForward(r: VerbRequest): Promise<void> {
  const config = kubeletConfig(r);
  const pod = await r.o.rest.get(r.res_, r.ns, r.info.name);
  const node = objectAt(pod, 'spec')?.nodeName;
  if (typeof node !== 'string' || node === '')
    throw badRequest(`pod ${r.info.name} does not have a host assigned`);
  const phase = objectAt(pod, 'status')?.phase;
  if (phase !== 'Running')
    throw badRequest(
      `unable to forward port because pod is not running. Current status=${String(phase ?? 'Pending')}`,
    );
  const kubelet = await kubeletOf(r, config, node);
  const ports = r.query.getAll('ports');
  const query = ports.length > 0 ? `?port=${seg(ports.join(','))}` : '';
  const path = `/portForward/${seg(r.ns ?? '')}/${seg(r.info.name)}${query}`;
  if (isSpdyUpgradeRequest(r)) {
    await spliceSpdyToKubelet(r, config, kubelet, path);
    return;
  }
  if (!isUpgraded(r.req) || !isWebSocketUpgrade(r.req.headers)) throw badRequest('Upgrade request required');
  const check = checkUpgrade(r.req.method, r.req.headers, [PORT_FORWARD_TUNNEL]);
  if (!check.ok) throw new ApiError(check.status, 'BadRequest', check.message);
  let answer: SpdyUpgraded;
  try {
    answer = await kubeletUpgrade(config, kubelet, path, [PORT_FORWARD_PROTOCOL]);
  } catch (err) {
    throw unreachable(kubelet, path, err);
  }
  if (!answer.upgraded) throw refusal(answer, 'pods/portforward', r.info.name);
  const taken = hijack(r.req, r.res);
  if (!taken) {
    answer.socket.destroy();
    throw new ApiError(500, 'InternalError', 'the connection could not be taken over');
  }
  tunnel(taken.socket, taken.head, check, answer.socket, answer.head);
}

/** WebSocket binary messages ↔ raw bytes on the kubelet's upgraded socket. */
function tunnel(
  client: Duplex,
  clientHead: Buffer,
  check: { readonly key: string; readonly protocol: string },
  kubelet: Duplex,
  kubeletHead: Buffer,
): void {
  const ws = acceptUpgrade(client, check, {
    head: clientHead,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    pingIntervalMs: PING_INTERVAL_MS,
  });
  kubelet.on('error', () => undefined);
  if (kubeletHead.length > 0) ws.send(kubeletHead);
  ws.onMessage = (m) => {
    if (!kubelet.write(m)) ws.pause();
  };
  kubelet.on('drain', () => ws.resume());
  kubelet.on('data', (d: Buffer) => {
    if (!ws.send(d)) kubelet.pause();
  });
  ws.onDrain = () => kubelet.resume();
  kubelet.on('end', () => ws.close(CloseCode.normal));
  kubelet.on('close', () => ws.close(CloseCode.normal));
  ws.onClose = () => kubelet.destroy();
  kubelet.resume();
}
