/**
 * The httpGet probe against a real socket (upstream pkg/probe/http): a GET with
 * `User-Agent: kube-probe/<version>` and `Accept: *\/*`, no keep-alive, certificates not
 * verified for HTTPS; success for a status of 200–399; redirects followed on the same host (at
 * most 10), a redirect to another host counts as success (upstream's warning); at most 10 KiB of
 * the body read into the message; the whole exchange bounded by the timeout.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { formatHostPort } from '../../lib/net/index.js';
import type { ProbeRun } from './probe-tcp.js';

export interface HttpProbeTarget {
  readonly scheme: 'HTTP' | 'HTTPS';
  readonly host: string;
  readonly port: number;
  /** Path and query; `/` when empty. */
  readonly path: string;
  /** httpHeaders of the probe; a `Host` header sets the request's host. */
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
}

/** Upstream's default User-Agent carries the kubelet's version. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_BODY = 10 * 1024;
const MAX_REDIRECTS = 10;

/** Runs one httpGet probe within `timeoutMs`. */
export async function probeHttp(target: HttpProbeTarget, timeoutMs: number): Promise<ProbeRun> {
  const deadline = AbortSignal.timeout(timeoutMs);
  let url = new URL(
    `${target.scheme.toLowerCase()}://${formatHostPort({ host: target.host, port: target.port })}`,
  );
  url = new URL(target.path || '/', url);
  try {
    for (let hops = 0; ; hops++) {
      const res = await get(url, target, deadline);
      const location = res.headers.location;
      if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && location) {
        res.resume();
        const next = new URL(location, url);
        if (next.hostname !== url.hostname) {
          return { result: 'success', message: `probe terminated redirects, response: ${res.statusCode}` };
        }
        if (hops + 1 >= MAX_REDIRECTS) return { result: 'failure', message: 'stopped after 10 redirects' };
        url = next;
        continue;
      }
      const body = await readBody(res);
      const code = res.statusCode ?? 0;
      if (code >= 200 && code < 400) return { result: 'success', message: body };
      return { result: 'failure', message: `HTTP probe failed with statuscode: ${code}` };
    }
  } catch (err) {
    if (deadline.aborted) {
      return {
        result: 'failure',
        message: `Get "${url.href}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      };
    }
    const code = (err as NodeJS.ErrnoException).code;
    return { result: 'failure', message: `Get "${url.href}": ${code ?? String(err)}` };
  }
}

function get(url: URL, target: HttpProbeTarget, signal: AbortSignal): Promise<IncomingMessage> {
  const headers: Record<string, string> = {
    'User-Agent': PROBE_USER_AGENT,
    Accept: '*/*',
    Connection: 'close',
  };
  for (const h of target.headers ?? []) {
    const known = Object.keys(headers).find((k) => k.toLowerCase() === h.name.toLowerCase());
    headers[known ?? h.name] = h.value;
  }
  const options = { method: 'GET', headers, signal, agent: false as const };
  return new Promise((resolve, reject) => {
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, rejectUnauthorized: false }, resolve)
        : httpRequest(url, options, resolve);
    req.once('error', reject);
    req.end();
  });
}

/** Up to 10 KiB of the body as text; the rest is discarded. */
async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const b = chunk as Buffer;
    if (size < MAX_BODY) chunks.push(b.subarray(0, MAX_BODY - size));
    size += b.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
