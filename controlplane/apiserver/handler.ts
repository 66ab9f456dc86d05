/**
 * The API server's HTTP entry, as kube-apiserver's filter chain orders it: authenticate, then a
 * non-resource path (`http/non-resource.ts`) or authorize and route a resource request — the
 * review kinds (`http/review-requests.ts`), else the verb table (`http/verbs.ts`, with the
 * subresource table and watch beside it). Each non-watch request has a deadline; whatever a
 * request throws ends in `fail` (`http/failure.ts`), never in the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './auth.js';
import { admissionOf, authorizePath, authorizeRequest } from './http/authorize.js';
import { type HandlerOptions, notFound } from './http/context.js';
import { fail } from './http/failure.js';
import { isPublicPath, serveNonResource } from './http/non-resource.js';
import { serveReview } from './http/review-requests.js';
import { serviceAccountCaller } from './http/token-request.js';
import { serveResource } from './http/verbs.js';
import { sendError } from './http-io.js';
import { methodLabel } from './metrics.js';
import { isMetricsRequest, serveMetricsApi } from './metrics-api/serve.js';
import { queryBool } from './query-params.js';
import { parseRequestInfo, parseRequestTarget, type RequestTarget } from './request-info.js';
import { ApiError, badRequest } from './status.js';

export type { HandlerOptions } from './http/context.js';

/** Builds the request handler. */
export function createHandler(o: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const now = o.now ?? (() => new Date());
  const metrics = o.metrics;
  return (req, res) => {
    res.once('finish', () => metrics.requests.inc({ method: methodLabel(req.method), code: res.statusCode }));
    if (req.method === 'PRI') {
      // The HTTP/2 preface's method: Node's parser destroys the connection right after handing
      // such a request over, so only an answer written now, synchronously, reaches the client.
      sendError(res, badRequest('HTTP/2 is not served here; use HTTP/1.1'));
      return;
    }
    // Everything about the request — its target included — is read inside `serve`, an async
    // function: whatever it throws, synchronously or not, ends in `fail`, never in the process.
    serve(o, now, req, res).catch((err: unknown) => fail(o, req, res, err));
  };
}

/** Go-style duration from `?timeout=32s` (also `1m`, `500ms`). */
function parseGoDuration(s: string | null): number | undefined {
  if (!s) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** Handles one request under its deadline (watches have their own timeout instead). */
async function serve(
  o: HandlerOptions,
  now: () => Date,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = parseRequestTarget(req.url ?? '/');
  if (queryBool(target.query, 'watch')) {
    await handle(o, now, req, res, target);
    return;
  }
  const deadline = Math.min(
    parseGoDuration(target.query.get('timeout')) ?? Number.POSITIVE_INFINITY,
    o.requestTimeoutMs ?? 60_000,
  );
  const timer = setTimeout(() => {
    if (!res.headersSent) {
      fail(
        o,
        req,
        res,
        new ApiError(
          504,
          'Timeout',
          'the server was unable to return a response in the time allotted, but may still be processing the request',
        ),
      );
    }
  }, deadline);
  try {
    await handle(o, now, req, res, target);
  } finally {
    clearTimeout(timer);
  }
}

/** Authenticate → non-resource path, or authorize → route to the resource's handler. */
async function handle(
  o: HandlerOptions,
  now: () => Date,
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
): Promise<void> {
  const { path, query } = target;
  const caller = authenticate(req, o.tokens()) ?? serviceAccountCaller(o, req, now());
  if (!caller && !isPublicPath(path)) {
    req.resume();
    throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  }
  const user = caller && (await o.authorizer.impersonate(caller, req.headers));
  if (user && 'forbidden' in user) {
    req.resume();
    throw new ApiError(403, 'Forbidden', user.forbidden);
  }
  const info = parseRequestInfo(req.method ?? 'GET', path, query);
  if (user && !info) await authorizePath(o, user, req, path);
  if (await serveNonResource(o, req, res, path, query)) return;
  if (!info || !user) {
    req.resume();
    throw notFound();
  }
  // Authorization comes before routing, as in kube-apiserver's filter chain: a type this server
  // does not serve is 403 to whoever may not use it and 404 only to whoever may.
  await authorizeRequest(o, user, info, query).catch((err: unknown) => {
    req.resume();
    throw err;
  });
  // metrics.k8s.io is computed from the kubelets, not stored (metrics-server's API, served here).
  if (isMetricsRequest(info)) return serveMetricsApi(o, { req, res, info, query });
  const res_ = o.resources.lookup(info.group, info.version, info.resource);
  if (!res_) {
    req.resume();
    throw notFound();
  }
  if (res_.virtual) return serveReview(o, { req, res, info, res_, user });
  await serveResource({ o, now, req, res, query, info, res_, user, admit: admissionOf(o, user, info, res_) });
}
