/**
 * The pod subresources a kubelet serves, proxied as kube-apiserver proxies them.
 *
 * - `pods/log`: PodLogOptions from the query (checked as upstream checks them: 422 for a
 *   negative `tailLines`, …), then `GET /containerLogs/{ns}/{pod}/{container}` on the node's
 *   kubelet, its body streamed to the client chunk by chunk (backpressure both ways, so a slow
 *   reader never grows the server's memory; `follow` runs until either side ends). A pod with no
 *   node yet answers 204, as upstream's empty location does.
 * - `pods/exec`, `pods/attach`: kubectl 1.32's WebSocket upgrade offering `v5.channel.k8s.io`
 *   (GET; RBAC `get`). The pod, container and node are checked before the upgrade (400s that make
 *   kubectl retry over SPDY and print the same error); then the client is upgraded first, as
 *   upstream's stream translator does, and the API server dials the kubelet's `/exec` or
 *   `/attach` with a v5 WebSocket of its own and relays messages both ways unchanged. A failure to
 *   reach the kubelet reaches kubectl as a Failure Status on channel 3. A POST (SPDY) upgrade
 *   (kubectl's fallback; RBAC `create`) is spliced byte for byte to the kubelet's same path
 *   (`pod-forward.ts`).
 */
import {
  acceptUpgrade,
  Channel,
  CloseCode,
  checkUpgrade,
  encodeChannel,
  encodeStatus,
  isWebSocketUpgrade,
  UpgradeRefusedError,
  V5_PROTOCOL,
  type WebSocket,
} from '../../../lib/streaming/index.js';
import { queryBool, queryInt64, queryString } from '../query-params.js';
import { ApiError, badRequest, invalidError } from '../status.js';
import type { VerbRequest } from './context.js';
import { kubeletConfig, kubeletGet, kubeletWebSocket, podStreamTarget } from './kubelet-client.js';
import { isSpdyUpgradeRequest, spliceSpdyToKubelet } from './pod-forward.js';
import { hijack, isUpgraded } from './upgrades.js';

/** Messages bigger than this close a stream with 1009 (stdin chunks and resizes are small). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** A stream with no traffic for this long is closed (kubectl pings every 5 s). */
const IDLE_TIMEOUT_MS = 5 * 60_000;
/** Our pings keep a quiet session's connections alive through idle time-outs on either side. */
const PING_INTERVAL_MS = 30_000;
/** Client messages queued while the kubelet is being dialled before reading pauses. */
const MAX_QUEUED = 16;

const seg = encodeURIComponent;

/** The kubelet's query for a log request, from the PodLogOptions in ours (checked). */
function logQuery(r: VerbRequest): string {
  const q = r.query;
  const out = new URLSearchParams();
  for (const flag of ['follow', 'previous', 'timestamps']) if (queryBool(q, flag)) out.set(flag, 'true');
  const sinceSeconds = queryInt64(q, 'sinceSeconds');
  const tailLines = queryInt64(q, 'tailLines');
  const limitBytes = queryInt64(q, 'limitBytes');
  const sinceTime = queryString(q, 'sinceTime');
  const causes: { reason: string; field: string; message: string }[] = [];
  const positive = (field: string, v: number | undefined, min: number): void => {
    if (v !== undefined && v < min)
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${v}: must be greater than ${min === 0 ? 'or equal to 0' : '0'}`,
      });
  };
  positive('tailLines', tailLines, 0);
  positive('limitBytes', limitBytes, 1);
  positive('sinceSeconds', sinceSeconds, 1);
  if (sinceSeconds !== undefined && sinceTime !== undefined)
    causes.push({
      reason: 'FieldValueForbidden',
      field: '',
      message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  if (causes.length > 0) throw invalidError({ group: '', kind: 'PodLogOptions' }, r.info.name, causes);
  if (sinceSeconds !== undefined) out.set('sinceSeconds', String(sinceSeconds));
  if (sinceTime !== undefined) {
    const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(sinceTime)
      ? Date.parse(sinceTime)
      : NaN;
    if (Number.isNaN(t)) throw badRequest(`parsing time ${JSON.stringify(sinceTime)} as RFC 3339: invalid`);
    out.set('sinceTime', new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }
  if (tailLines !== undefined) out.set('tailLines', String(tailLines));
  if (limitBytes !== undefined) out.set('limitBytes', String(limitBytes));
  const text = out.toString();
  return text ? `?${text}` : '';
}

/** GET pods/log: the kubelet's container log, streamed. */
export async function podLog(r: VerbRequest): Promise<void> {
  const query = logQuery(r);
  const config = kubeletConfig(r);
  const target = await podStreamTarget(r, queryString(r.query, 'container'));
  if (!target.kubelet) {
    r.res.writeHead(204).end();
    return;
  }
  const path = `/containerLogs/${seg(r.ns ?? '')}/${seg(r.info.name)}/${seg(target.container)}${query}`;
  const upstream = await kubeletGet(config, target.kubelet, path, {
    resource: 'pods/log',
    name: r.info.name,
  });
  const res = r.res;
  // A response queued behind an earlier answer on the same connection has no socket yet: the
  // request's own socket tells whether the client is still there.
  if (res.destroyed || r.req.socket.destroyed) {
    // The client left while the kubelet was answering: nothing to stream to.
    upstream.destroy();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  await new Promise<void>((resolve) => {
    let over = false;
    const done = (): void => {
      if (over) return;
      over = true;
      upstream.destroy();
      if (!res.writableEnded) res.end();
      resolve();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        upstream.pause();
        res.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', done);
    upstream.on('error', done);
    upstream.on('aborted', done);
    res.on('close', done);
  });
}

/** The kubelet path of an exec or attach, with the options of ours (`input=1` …). */
function streamPath(r: VerbRequest, kind: 'exec' | 'attach', container: string): string {
  const q = r.query;
  const out = new URLSearchParams();
  if (kind === 'exec') for (const c of q.getAll('command')) out.append('command', c);
  if (queryBool(q, 'stdin')) out.set('input', '1');
  if (queryBool(q, 'stdout')) out.set('output', '1');
  if (queryBool(q, 'stderr')) out.set('error', '1');
  if (queryBool(q, 'tty')) out.set('tty', '1');
  return `/${kind}/${seg(r.ns ?? '')}/${seg(r.info.name)}/${seg(container)}?${out.toString()}`;
}

/** GET (WebSocket) or POST (SPDY) pods/exec|attach. */
export async function podStream(r: VerbRequest, kind: 'exec' | 'attach'): Promise<void> {
  const q = r.query;
  const stdout = queryBool(q, 'stdout');
  const stderr = queryBool(q, 'stderr');
  if (!queryBool(q, 'stdin') && !stdout && !stderr)
    throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  const config = kubeletConfig(r);
  const target = await podStreamTarget(r, queryString(q, 'container'));
  if (!target.kubelet) throw badRequest(`pod ${r.info.name} does not have a host assigned`);
  if (isSpdyUpgradeRequest(r)) {
    await spliceSpdyToKubelet(r, config, target.kubelet, streamPath(r, kind, target.container));
    return;
  }
  const headers = r.req.headers;
  if (!isUpgraded(r.req) || !isWebSocketUpgrade(headers)) {
    throw badRequest(
      headers.upgrade
        ? `upgrade to ${JSON.stringify(String(headers.upgrade))} is not supported; use a WebSocket with ${V5_PROTOCOL}`
        : 'Upgrade request required',
    );
  }
  const check = checkUpgrade(r.req.method, headers, [V5_PROTOCOL]);
  if (!check.ok) throw new ApiError(check.status, 'BadRequest', check.message);
  const taken = hijack(r.req, r.res);
  if (!taken) throw new ApiError(500, 'InternalError', 'the connection could not be taken over');
  const client = acceptUpgrade(taken.socket, check, {
    head: taken.head,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    pingIntervalMs: PING_INTERVAL_MS,
  });
  // As upstream's translator: an empty message right after the upgrade (stdout, else stderr, else error).
  client.send(
    encodeChannel(stdout ? Channel.stdout : stderr ? Channel.stderr : Channel.error, Buffer.alloc(0)),
  );
  relay(client, kubeletWebSocket(config, target.kubelet, streamPath(r, kind, target.container)));
}

/** The Status message for a kubelet that could not be reached or refused the stream. */
function backendError(err: unknown): string {
  if (err instanceof UpgradeRefusedError) {
    try {
      const s = JSON.parse(err.body) as { message?: unknown };
      if (typeof s.message === 'string') return s.message;
    } catch {
      // not a Status: the text itself
    }
    return err.body.trim() || `error dialing backend: the kubelet answered ${err.status}`;
  }
  return `error dialing backend: ${err instanceof Error ? err.message : String(err)}`;
}

/** Relays messages between kubectl and the kubelet (both v5) until either side ends. */
function relay(client: WebSocket, backend: Promise<WebSocket>): void {
  const queued: Buffer[] = [];
  let kubelet: WebSocket | undefined;
  let clientGone = false;
  let statusSeen = false;
  client.onMessage = (m) => {
    if (kubelet) {
      if (!kubelet.send(m)) client.pause();
      return;
    }
    queued.push(m);
    if (queued.length >= MAX_QUEUED) client.pause();
  };
  client.onClose = () => {
    clientGone = true;
    kubelet?.close(CloseCode.normal);
  };
  const fail = (message: string): void => {
    if (!client.open) return;
    client.send(encodeChannel(Channel.error, encodeStatus({ error: message })));
    client.close(CloseCode.normal);
  };
  backend.then(
    (k) => {
      if (clientGone) {
        k.close(CloseCode.normal);
        return;
      }
      kubelet = k;
      for (const m of queued.splice(0)) k.send(m);
      client.resume();
      k.onMessage = (m) => {
        if (m[0] === Channel.error) statusSeen = true;
        if (!client.send(m)) k.pause();
      };
      client.onDrain = () => k.resume();
      k.onDrain = () => client.resume();
      k.onClose = (info) => {
        if (!statusSeen && info.code !== CloseCode.normal) {
          fail(`error from the kubelet: the stream ended with code ${info.code}`);
          return;
        }
        if (client.open) client.close(CloseCode.normal);
      };
    },
    (err: unknown) => fail(backendError(err)),
  );
}
