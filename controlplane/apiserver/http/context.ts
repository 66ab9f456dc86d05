/**
 * What every part of the HTTP front shares: the handler's options, one resource request as the
 * verb and subresource tables see it, its body, and the two refusals every route may give
 * (404 for what is not served, 405 for a verb a target does not take).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from '../../../lib/api/json.js';
import type { Logger } from '../../../lib/obs/index.js';
import type { Admit } from '../admission.js';
import type { Authorizer, UserInfo } from '../auth.js';
import { decodeBody, readBody } from '../http-io.js';
import type { ApiServerMetrics } from '../metrics.js';
import type { RequestInfo } from '../request-info.js';
import type { ResourceInfo, ResourceRegistry } from '../resources.js';
import type { RestStorage, WriteOptions } from '../rest.js';
import { ApiError } from '../status.js';

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
  /** How pods/log, exec and attach reach kubelets; without it they answer 503. */
  readonly kubelet?: KubeletClientConfig;
}

/** The API server's side of its kubelet connections (kube-apiserver's `--kubelet-*` flags). */
export interface KubeletClientConfig {
  /** Client certificate and key (PEM) the kubelet authenticates the API server by. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CA of kubelets' serving certificates; without it they are not verified (kube-apiserver's default). */
  readonly ca?: Buffer;
  /** Which node address to use, first match wins (`--kubelet-preferred-address-types`). */
  readonly preferredAddressTypes?: readonly string[];
  /** Port when the node reports none (`--kubelet-port`, 10250). */
  readonly defaultPort?: number;
  /** How long connecting and the kubelet's answer headers may take (default 30 s). */
  readonly timeoutMs?: number;
}

/** An authenticated, authorized request for a served resource type. */
export interface ResourceRequest {
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

/** A resource request past its target checks, with what every verb reads. */
export interface VerbRequest extends ResourceRequest {
  /** The namespace of a namespaced type; undefined for all namespaces or a cluster-scoped type. */
  readonly ns: string | undefined;
  /** The subresource, `''` for the object itself. */
  readonly sub: string;
  /** `fieldValidation=Strict`: unknown fields are refused. */
  readonly strict: boolean;
  /** dryRun, the caller's admission and (for create, update, patch) the field manager. */
  readonly write: WriteOptions;
}

/** The request's body, decoded by its Content-Type (JSON, YAML or Kubernetes protobuf). */
export async function readJson(req: IncomingMessage): Promise<Json> {
  return decodeBody(await readBody(req), req.headers['content-type']);
}

/** 404 for a path or type this server does not serve. */
export function notFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

/** 405 for a verb the target does not take. */
export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}
