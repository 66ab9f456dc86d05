/**
 * What the kubelet's streaming bridges share: the dependencies (the CRI calls that hand out
 * streaming URLs, a logger, and how to reach the runtime's streaming server), the HTTP status
 * of a failed CRI call as the kubelet answers it (NotFound → 404, ResourceExhausted → 429, else
 * 500; kubernetes `pkg/kubelet/server/server.go`), and the byte-for-byte proxy of a SPDY
 * upgrade to a runtime URL (upstream's `proxyStream`): the client's request — method, the
 * repeated `X-Stream-Protocol-Version` lines, user agent — is replayed on the URL, the runtime's
 * answer relayed, and after a 101 the two sockets are joined.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type CriClient, CriError } from '../../../lib/cri/index.js';
import type { Logger } from '../../../lib/obs/index.js';
import { dialUrl, spliceUpgrade, writeHttpError } from '../../../lib/spdy/index.js';

/** The CRI calls the bridges make. */
export type StreamingCri = Pick<CriClient, 'exec' | 'attach' | 'portForward'>;

/** What the streaming handlers need. */
export interface StreamDeps {
  readonly cri: StreamingCri;
  readonly log: Logger;
  /**
   * Connects to a URL of the runtime's streaming server. Default: TCP (TLS for `https:`, the
   * runtime's self-signed certificate accepted: the URL came from the runtime itself over its
   * local socket). Tests inject a dialer that reaches into the node's network namespace.
   */
  readonly dial?: (url: URL) => Promise<Duplex>;
}

const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_NOT_FOUND = 5;

/** The HTTP status and text for a failed CRI call. */
export function criFailure(err: unknown): { status: number; message: string } {
  const message = err instanceof CriError ? err.details || err.message : String(err);
  if (err instanceof CriError && err.grpcCode === GRPC_NOT_FOUND) return { status: 404, message };
  if (err instanceof CriError && err.grpcCode === GRPC_RESOURCE_EXHAUSTED) return { status: 429, message };
  return { status: 500, message: err instanceof Error ? err.message : message };
}

/** The dialer for a runtime URL. */
export function runtimeDialer(deps: StreamDeps, url: URL): () => Promise<Duplex> {
  const dial = deps.dial;
  return dial ? () => dial(url) : dialUrl(url, { rejectUnauthorized: false });
}

/** Whether a request is a SPDY upgrade (kubectl's fallback, relayed as bytes by the API server). */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return /(^|,)\s*spdy\/3\.1\s*($|,)/i.test(String(req.headers.upgrade ?? ''));
}

/** Proxies a SPDY upgrade request to the runtime's URL byte for byte; answers 500 if it is unreachable. */
export async function spliceToRuntime(
  deps: StreamDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  runtimeUrl: string,
): Promise<void> {
  const url = new URL(runtimeUrl);
  const versions = req.headersDistinct['x-stream-protocol-version'] ?? [];
  try {
    await spliceUpgrade(socket, head, {
      dial: runtimeDialer(deps, url),
      method: req.method ?? 'POST',
      path: `${url.pathname}${url.search}`,
      host: url.host,
      headers: {
        'X-Stream-Protocol-Version': versions,
        ...(req.headers['user-agent'] ? { 'User-Agent': req.headers['user-agent'] } : {}),
      },
    });
  } catch (err) {
    const message = `error dialing the runtime's streaming server: ${err instanceof Error ? err.message : String(err)}`;
    deps.log.warn('stream proxy failed', { url: url.origin, err: message });
    if (!socket.destroyed) writeHttpError(socket, 500, message);
  }
}
