/**
 * The HTTP front: authentication, non-resource paths (version, health, discovery, OpenAPI),
 * then resource requests — authorize, decode, dispatch to RestStorage, encode (JSON or Table).
 * Each non-watch request has a deadline; each watch a timeout and a bounded send buffer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../lib/obs/index.js';
import type { Admit } from './admission.js';
import { applyPatch, type PatchType } from './apply-patch.js';
import {
  type Authorizer,
  authenticate,
  forbiddenMessage,
  forbiddenPathMessage,
  type RequestAttributes,
  type UserInfo,
} from './auth.js';
import {
  AGGREGATED_V2,
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openapiGroupVersion,
  openapiIndex,
  versionInfo,
} from './discovery.js';
import { evictPod } from './disruption-budgets.js';
import { type HealthCheck, healthAnswer, isHealthPath } from './health.js';
import { decodeBody, readBody, sendError, sendJson } from './http-io.js';
import { managerOf } from './managed-fields.js';
import { type ApiServerMetrics, methodLabel } from './metrics.js';
import { isNamespace } from './namespace-lifecycle.js';
import { admitNodeRestriction } from './node-restriction.js';
import { serveOpenapiV2 } from './openapi-v2.js';
import { isObject, type Json, type JsonObject } from './patch.js';
import { queryBool, queryInt64 } from './query-params.js';
import { rbacAdmission } from './rbac/admission.js';
import {
  parseRequestInfo,
  parseRequestTarget,
  type RequestInfo,
  type RequestTarget,
} from './request-info.js';
import { deleteOptions, listQuery, writeOptions } from './request-options.js';
import { apiVersionOf, type ResourceInfo, type ResourceRegistry } from './resources.js';
import type { DeleteOptions, RestStorage } from './rest.js';
import {
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
} from './reviews.js';
import { ISSUER, issueToken, verifyToken } from './sa-tokens.js';
import { ApiError, badRequest, isInternalError } from './status.js';
import { checkUnknownFields } from './strict-fields.js';
import { toTable, wantsTable } from './table.js';
import { openWatchStream } from './watch-stream.js';

/** Everything the handler needs. */
export interface HandlerOptions {
  readonly rest: RestStorage;
  readonly resources: ResourceRegistry;
  /** The authorizer chain (system:masters → Node → RBAC). */
  readonly authorizer: Authorizer;
  /** Token → user, re-read by the caller when the file changes. */
  readonly tokens: () => ReadonlyMap<string, UserInfo>;
  /** `host:port` clients should use (legacy /api's serverAddressByClientCIDRs). */
  readonly serverAddress: () => string;
  readonly now?: () => Date;
  /** Deadline of non-watch requests when the client sets none (default 60 s, as kube-apiserver). */
  readonly requestTimeoutMs?: number;
  /** Longest watch when the client sets no timeoutSeconds (default 1800 s, apiserver min-request-timeout). */
  readonly maxWatchSeconds?: number;
  readonly bookmarkIntervalMs?: number;
  readonly watchBufferBytes?: number;
  /** HMAC key of service-account tokens (TokenRequest); without it serviceaccounts/token is 404. */
  readonly serviceAccountKey?: Buffer;
  /** False until the store is open and the bootstrap objects exist. */
  readonly ready: () => boolean;
  /** Where failures of our own (bugs) are logged, one JSON line each with the stack. */
  readonly logger: Logger;
  readonly metrics: ApiServerMetrics;
}

const PUBLIC_PATHS = new Set(['/version']);

/** Pod subresources only a kubelet can answer. */
const KUBELET_SUBRESOURCES: readonly string[] = ['log', 'exec', 'attach', 'portforward'];

const PATCH_TYPES: Readonly<Record<string, PatchType>> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Go-style duration from `?timeout=32s` (also `1m`, `500ms`). */
function parseGoDuration(s: string | null): number | undefined {
  if (!s) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

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

/**
 * Answers a request whose handling threw. Errors that are ours (not an ApiError, not a coded
 * store error: a bug) are logged with their stack and counted before the 500 goes out.
 */
function fail(o: HandlerOptions, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  try {
    if (isInternalError(err)) reportInternalError(o, req, err);
    if (res.headersSent) {
      // A stream already under way (a watch) cannot turn into a Status: cut it.
      if (!res.writableEnded) res.destroy();
      return;
    }
    sendError(res, err);
  } catch (second) {
    // Nothing left to answer with; the socket goes, the process stays.
    reportInternalError(o, req, second);
    res.destroy();
  }
}

/** One JSON log line with the stack, one count: what kube-apiserver does with a recovered panic. */
function reportInternalError(o: HandlerOptions, req: IncomingMessage, err: unknown): void {
  o.metrics.panics.inc();
  o.logger.error('request handler failed', {
    method: req.method,
    // The target is the client's: bounded, so a long one cannot make a long line.
    target: (req.url ?? '').slice(0, 512),
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
}

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

async function handle(
  o: HandlerOptions,
  now: () => Date,
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
): Promise<void> {
  const { path, query } = target;
  const caller = authenticate(req, o.tokens()) ?? serviceAccountCaller(o, req, now());
  if (!caller && !PUBLIC_PATHS.has(path) && !isHealthPath(path)) {
    req.resume();
    throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  }
  const user = caller && (await o.authorizer.impersonate(caller, req.headers));
  if (user && 'forbidden' in user) {
    req.resume();
    throw new ApiError(403, 'Forbidden', user.forbidden);
  }
  const info = parseRequestInfo(req.method ?? 'GET', path, query);
  if (user && !info) {
    // Non-resource paths are RBAC's too (system:discovery, system:public-info-viewer, ...).
    const verb = (req.method ?? 'GET').toLowerCase();
    const d = await o.authorizer.authorize(user, { kind: 'nonResource', verb, path });
    if (!d.allowed) {
      req.resume();
      throw new ApiError(403, 'Forbidden', forbiddenPathMessage(user, verb, path, d.reason));
    }
  }
  if (path === '/version') return sendJson(res, 200, versionInfo());
  if (isHealthPath(path)) {
    const answer = healthAnswer({
      path,
      query,
      checks: (endpoint) => healthChecks(o, endpoint),
    });
    if (answer) {
      req.resume();
      res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(answer.body);
      return;
    }
  }
  // RBAC decided above (system:monitoring's role grants it, as in Kubernetes).
  if (path === '/metrics') return serveMetrics(o, req, res);
  switch (path) {
    case '/api':
      if (aggregated(req)) return sendJson(res, 200, aggregatedDiscovery(o.resources, true), AGGREGATED_V2);
      return sendJson(res, 200, apiVersions(o.serverAddress()));
    case '/apis':
      if (aggregated(req)) return sendJson(res, 200, aggregatedDiscovery(o.resources, false), AGGREGATED_V2);
      return sendJson(res, 200, apiGroupList(o.resources));
    case '/openapi/v3':
      return sendJson(res, 200, openapiIndex(o.resources));
    case '/openapi/v2':
      return serveOpenapiV2(req, res, o.resources);
  }
  const discovery = nonResource(o, path);
  if (discovery !== undefined) return sendJson(res, 200, discovery);
  if (!info || !user) {
    req.resume();
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  // Authorization comes before routing, as in kube-apiserver's filter chain: a type this server
  // does not serve is 403 to whoever may not use it and 404 only to whoever may.
  await authorizeRequest(o, user, info, query).catch((err: unknown) => {
    req.resume();
    throw err;
  });
  const res_ = o.resources.lookup(info.group, info.version, info.resource);
  if (!res_) {
    req.resume();
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (res_.virtual) return serveReview(o, { req, res, info, res_, user });
  await serveResource({ o, now, req, res, query, info, res_, user, admit: admission(o, user, info, res_) });
}

/** GET /metrics in the Prometheus text format (authorized as a non-resource path above). */
async function serveMetrics(o: HandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }
  const { registry } = o.metrics.registry;
  const text = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** A bearer token this server issued for a service account (TokenRequest). */
function serviceAccountCaller(o: HandlerOptions, req: IncomingMessage, now: Date): UserInfo | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m && o.serviceAccountKey ? verifyToken(o.serviceAccountKey, m[1] as string, now) : undefined;
}

/** POST serviceaccounts/NAME/token: a TokenRequest answered with a signed token, never stored. */
async function tokenRequest(c: Ctx, namespace: string, input: Json): Promise<JsonObject> {
  const key = c.o.serviceAccountKey;
  if (!key) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const sa = await c.o.rest.get(c.res_, namespace, c.info.name);
  const spec = isObject(input) && isObject(input.spec) ? input.spec : {};
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const asked = spec.expirationSeconds;
  const issued = issueToken({
    key,
    subject: {
      namespace,
      name: c.info.name,
      uid: isObject(sa.metadata) && typeof sa.metadata.uid === 'string' ? sa.metadata.uid : '',
    },
    audiences,
    ...(typeof asked === 'number' ? { expirationSeconds: asked } : {}),
    now: c.now(),
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: c.info.name, namespace, creationTimestamp: null },
    spec: {
      audiences: audiences.length > 0 ? audiences : [ISSUER],
      expirationSeconds: issued.expirationSeconds,
      boundObjectRef: isObject(spec.boundObjectRef) ? spec.boundObjectRef : null,
    },
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
  };
}

/** POST of a self review: answered from the caller's identity, never stored. */
async function serveReview(
  o: HandlerOptions,
  c: {
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly info: RequestInfo;
    readonly res_: ResourceInfo;
    readonly user: UserInfo;
  },
): Promise<void> {
  if (
    c.info.verb !== 'create' ||
    c.info.name !== '' ||
    (c.info.namespace !== undefined) !== c.res_.namespaced
  ) {
    c.req.resume();
    throw new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }
  const input = decodeBody(await readBody(c.req), c.req.headers['content-type']);
  const review = { authorizer: o.authorizer, user: c.user, body: input };
  switch (c.res_.kind) {
    case 'SelfSubjectAccessReview':
      return sendJson(c.res, 201, await selfSubjectAccessReview(review));
    case 'SubjectAccessReview':
      return sendJson(c.res, 201, await subjectAccessReview(review));
    case 'LocalSubjectAccessReview':
      return sendJson(
        c.res,
        201,
        await subjectAccessReview({ ...review, namespace: c.info.namespace ?? '' }),
      );
    case 'SelfSubjectRulesReview':
      return sendJson(
        c.res,
        201,
        selfSubjectRulesReview({ authorizer: o.authorizer, user: c.user, body: input }),
      );
    default:
      return sendJson(c.res, 201, selfSubjectReview(c.user));
  }
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

function aggregated(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('as=APIGroupDiscoveryList');
}

function nonResource(o: HandlerOptions, path: string): JsonObject | undefined {
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

function forbidden(user: UserInfo, attrs: RequestAttributes, reason: string): ApiError {
  return new ApiError(403, 'Forbidden', forbiddenMessage(user, attrs, reason), {
    name: attrs.name,
    group: attrs.group,
    kind: attrs.resource,
  });
}

/**
 * The name authorization sees: the URL's, or for a list or watch the one an exact
 * `metadata.name=` field selector asks for (apiserver RequestInfoFactory does the same, so
 * `resourceNames` rules cover `kubectl get pod/x -w` and the informers of one object).
 */
function authorizationName(info: RequestInfo, query: URLSearchParams): string {
  if (info.name !== '' || (info.verb !== 'list' && info.verb !== 'watch')) return info.name;
  for (const term of (query.get('fieldSelector') ?? '').split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m && m[1] !== '' && m[1] !== '.' && m[1] !== '..' && !/[/%]/.test(m[1] as string))
      return m[1] as string;
  }
  return '';
}

/** Authorizes the request, or throws the 403 Kubernetes answers. */
async function authorizeRequest(
  o: HandlerOptions,
  user: UserInfo,
  info: RequestInfo,
  query: URLSearchParams,
): Promise<void> {
  const fieldSelector = query.get('fieldSelector');
  const attrs: RequestAttributes = {
    ...attrsOf(info),
    name: authorizationName(info, query),
    ...(fieldSelector !== null ? { fieldSelector } : {}),
  };
  const decision = await o.authorizer.authorize(user, { kind: 'resource', ...attrs });
  if (!decision.allowed) throw forbidden(user, attrs, decision.reason);
}

/**
 * The admission of `user`'s writes, in kube-apiserver's order: NodeRestriction (with the reads it
 * needs), then RBAC's escalation checks for the RBAC kinds.
 */
function admission(o: HandlerOptions, user: UserInfo, info: RequestInfo, res: ResourceInfo): Admit {
  const lookup = async (plural: string, namespace: string | undefined, name: string) => {
    const found = o.resources.lookup('', 'v1', plural);
    if (!found) return undefined;
    return o.rest.get(found, namespace, name).catch((err: unknown) => {
      if (err instanceof ApiError && err.statusCode === 404) return undefined;
      throw err;
    });
  };
  const rbac =
    res.group === 'rbac.authorization.k8s.io'
      ? rbacAdmission({
          authorizer: o.authorizer,
          user,
          kind: res.kind,
          requestName: info.name,
          namespace: res.namespaced ? (info.namespace ?? '') : '',
        })
      : undefined;
  return async (a) => {
    await admitNodeRestriction(user, a, {
      getPod: (namespace, name) => lookup('pods', namespace, name),
      getNode: (name) => lookup('nodes', undefined, name),
    });
    if (rbac && a.object && a.operation !== 'DELETE') await rbac(a.object, a.oldObject);
  };
}

/**
 * The request's attributes. A request for a Namespace itself (`/api/v1/namespaces/NAME[/status]`)
 * is in that namespace, as apiserver's RequestInfoFactory has it: a Role in `NAME` granting
 * `get namespaces` lets its subjects read their own namespace.
 */
function attrsOf(info: RequestInfo): RequestAttributes {
  const own = info.group === '' && info.resource === 'namespaces' ? info.name : '';
  return {
    verb: info.verb,
    group: info.group,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace ?? own,
    name: info.name,
  };
}

interface Ctx {
  readonly o: HandlerOptions;
  readonly now: () => Date;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly info: RequestInfo;
  readonly res_: ResourceInfo;
  readonly user: UserInfo;
  /** Admission of this caller's writes. */
  readonly admit: Admit;
}

function send(c: Ctx, code: number, obj: JsonObject): void {
  // kubectl get --subresource=status|scale asks for a Table too (KEP-2590).
  const sub = c.info.subresource;
  if (wantsTable(c.req.headers.accept) && c.info.verb === 'get' && ['', 'status', 'scale'].includes(sub)) {
    sendJson(
      c.res,
      code,
      toTable({
        info: c.res_,
        objects: [obj],
        withHeaders: true,
        now: c.now(),
        include: includeObject(c.query),
        scale: sub === 'scale',
      }),
      tableType(),
    );
    return;
  }
  sendJson(c.res, code, obj);
}

/** The `includeObject` query parameter of Table requests (meta/v1 TableOptions). */
function includeObject(query: URLSearchParams): 'Metadata' | 'Object' | 'None' {
  const v = query.get('includeObject');
  return v === 'Object' || v === 'None' ? v : 'Metadata';
}

function tableType(): string {
  return 'application/json;as=Table;v=v1;g=meta.k8s.io';
}

async function body(c: Ctx): Promise<Json> {
  const buf = await readBody(c.req);
  const json = decodeBody(buf, c.req.headers['content-type']);
  return json;
}

async function serveResource(c: Ctx): Promise<void> {
  const { info, res_, o } = c;
  const rest = o.rest;
  const ns = res_.namespaced ? info.namespace : undefined;
  if (res_.namespaced && info.namespace === undefined && !['list', 'watch'].includes(info.verb)) {
    c.req.resume();
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const sub = info.subresource;
  if (sub && !res_.subresources.includes(sub as never)) {
    c.req.resume();
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (KUBELET_SUBRESOURCES.includes(sub)) {
    // kube-apiserver proxies these to the kubelet (GET or a POST upgraded to a stream).
    c.req.resume();
    const what = sub === 'log' ? 'pod logs are' : `pods/${sub} is`;
    throw new ApiError(
      400,
      'BadRequest',
      `${what} served by the node's kubelet, which this API server does not proxy`,
    );
  }
  if (sub === 'finalize' && info.verb !== 'update') {
    // namespaces/finalize serves PUT only (discovery lists just `update`).
    c.req.resume();
    throw new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }
  const strict = c.query.get('fieldValidation') === 'Strict';
  const isApply =
    info.verb === 'patch' && (c.req.headers['content-type'] ?? '').startsWith('application/apply-patch');
  const write = {
    ...writeOptions(c.query, info.verb),
    admit: c.admit,
    ...(['create', 'update', 'patch'].includes(info.verb)
      ? { manager: managerOf(c.query, c.req.headers['user-agent'], isApply ? 'Apply' : 'Update', sub) }
      : {}),
  };
  switch (info.verb) {
    case 'get':
      if (sub === 'scale') return send(c, 200, await rest.getScale(res_, ns, info.name));
      return send(c, 200, await rest.get(res_, ns, info.name));
    case 'list': {
      const list = await rest.list(res_, ns, listQuery(c.query));
      if (wantsTable(c.req.headers.accept)) {
        const meta = list.metadata as JsonObject;
        return sendJson(
          c.res,
          200,
          toTable({
            include: includeObject(c.query),
            info: res_,
            objects: list.items as JsonObject[],
            resourceVersion: String(meta.resourceVersion),
            ...(typeof meta.continue === 'string' ? { continueToken: meta.continue } : {}),
            withHeaders: true,
            now: c.now(),
          }),
          tableType(),
        );
      }
      return sendJson(c.res, 200, list);
    }
    case 'watch':
      return serveWatch(c, ns);
    case 'create': {
      const input = await body(c);
      // NamespaceLifecycle admits subresource creates too (a binding, an eviction, a token).
      if (sub) await rest.admitCreate(res_, ns, info.name);
      if (sub === 'binding') {
        await rest.bind(res_, ns ?? '', info.name, input, write);
        return sendJson(c.res, 201, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          code: 201,
        });
      }
      if (sub === 'token' || sub === 'eviction') {
        await c.admit({
          operation: 'CREATE',
          group: info.group,
          resource: info.resource,
          subresource: sub,
          namespace: ns ?? '',
          name: info.name,
          ...(isObject(input) ? { object: input } : {}),
        });
      }
      if (sub === 'token') return sendJson(c.res, 201, await tokenRequest(c, ns ?? '', input));
      if (sub === 'eviction') {
        await evictPod({
          rest,
          resources: o.resources,
          namespace: ns ?? '',
          name: info.name,
          body: input,
          dryRun: write.dryRun === true,
          now: c.now,
        });
        return sendJson(c.res, 201, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          code: 201,
        });
      }
      if (sub || info.name)
        throw new ApiError(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
        );
      if (strict) checkUnknownFields(res_, input);
      return sendJson(c.res, 201, await rest.create(res_, ns, input, write));
    }
    case 'update': {
      const input = await body(c);
      if (sub === 'scale')
        return sendJson(
          c.res,
          200,
          await rest.updateScale(res_, ns, info.name, () => (isObject(input) ? input : {}), write),
        );
      if (strict) checkUnknownFields(res_, input);
      return sendJson(
        c.res,
        200,
        await rest.update(
          res_,
          ns,
          info.name,
          input,
          sub === 'status' || sub === 'finalize' ? sub : undefined,
          write,
        ),
      );
    }
    case 'patch': {
      const type = PATCH_TYPES[(c.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''];
      if (!type) {
        c.req.resume();
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`,
        );
      }
      const input = await body(c);
      if (sub === 'scale') {
        return sendJson(
          c.res,
          200,
          await rest.updateScale(
            res_,
            ns,
            info.name,
            (scale) => applyPatch(scale, type, input, false),
            write,
          ),
        );
      }
      if (strict && type !== 'json') checkUnknownFields(res_, input, true);
      try {
        return sendJson(
          c.res,
          200,
          await rest.patch(res_, ns, info.name, type, input, sub === 'status' ? 'status' : undefined, write),
        );
      } catch (err) {
        // Server-side apply creates what does not exist yet (kubectl apply --server-side).
        if (type !== 'apply' || sub || !(err instanceof ApiError) || err.statusCode !== 404) throw err;
        if (!isObject(input) || (isObject(input.metadata) && input.metadata.name !== info.name)) throw err;
        const metadata = isObject(input.metadata) ? input.metadata : {};
        return sendJson(
          c.res,
          201,
          await rest.create(res_, ns, { ...input, metadata: { ...metadata, name: info.name } }, write),
        );
      }
    }
    case 'delete': {
      const opts = await deleteRequest(c);
      const { object, gone } = await rest.delete(res_, ns, info.name, opts);
      // kube-apiserver answers 200 to every DELETE of a namespace, marked or gone (storage.go).
      return sendJson(c.res, gone || isNamespace(res_) ? 200 : 202, object);
    }
    case 'deletecollection': {
      const opts = await deleteRequest(c);
      const list = await rest.list(res_, ns, listQuery(c.query));
      const items: JsonObject[] = [];
      for (const item of list.items as JsonObject[]) {
        const meta = item.metadata as JsonObject;
        const r = await rest
          .delete(res_, meta.namespace as string | undefined, meta.name as string, opts)
          .catch(() => undefined);
        if (r) items.push(r.object);
      }
      return sendJson(c.res, 200, { ...list, items });
    }
    default:
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
  }
}

/** DeleteOptions from the query and the body, dryRun included. */
async function deleteRequest(c: Ctx): Promise<DeleteOptions> {
  const input = await body(c);
  const q = c.query;
  return {
    ...deleteOptions(q, input),
    ...writeOptions(q, c.info.verb, isObject(input) ? input.dryRun : undefined),
    admit: c.admit,
  };
}

async function serveWatch(c: Ctx, ns: string | undefined): Promise<void> {
  const q = c.query;
  const query = listQuery(q);
  const timeoutSeconds = watchTimeoutSeconds(queryInt64(q, 'timeoutSeconds'), c.o.maxWatchSeconds ?? 1800);
  const table = wantsTable(c.req.headers.accept);
  let first = true;
  // Validate selectors before the 200 goes out, so a bad selector is a plain 400.
  await c.o.rest.list(c.res_, ns, { ...query, limit: 1, resourceVersion: '0' });
  const writer = openWatchStream({
    req: c.req,
    res: c.res,
    contentType: table ? tableType() : 'application/json',
    timeoutSeconds,
    ...(queryBool(q, 'allowWatchBookmarks')
      ? {
          bookmark: {
            kind: c.res_.kind,
            apiVersion: apiVersionOf(c.res_),
            intervalMs: c.o.bookmarkIntervalMs ?? 60_000,
          },
        }
      : {}),
    maxBufferedBytes: c.o.watchBufferBytes ?? 16 * 1024 * 1024,
    encode: (obj) => {
      if (!table) return obj;
      const t = toTable({
        info: c.res_,
        objects: [obj],
        withHeaders: first,
        now: c.now(),
        include: includeObject(c.query),
      });
      first = false;
      return t;
    },
    // Events are written from the store's dispatch, outside this request's promise: a bug
    // there is reported here and ends this stream only.
    onInternalError: (err) => reportInternalError(c.o, c.req, err),
  });
  try {
    const handle = await c.o.rest.watch(c.res_, ns, query, writer);
    writer.attach(handle);
  } catch (err) {
    writer.error(err);
  }
}

/**
 * A watch's length: `timeoutSeconds` when above zero (capped at an hour; not an int64 is 400,
 * as ListOptions decoding answers), else min-request-timeout·(1+rand) as kube-apiserver spreads
 * watch ends.
 */
function watchTimeoutSeconds(asked: number | undefined, max: number): number {
  return asked !== undefined && asked > 0 ? Math.min(asked, 3600) : max * (1 + Math.random());
}
