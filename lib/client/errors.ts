/**
 * API errors. A non-2xx answer from the API server becomes an `ApiError` (code `SY_ERR_API`)
 * carrying the decoded `Status`, so callers branch on `isNotFound(err)`/`isConflict(err)` —
 * the client-go `apierrors` predicates — never on message text.
 */
import type { Status, StatusCause } from '../api/index.js';
import {
  ErrorCode,
  isAlreadyExists as isAlreadyExistsCoded,
  isInvalid as isInvalidCoded,
  isNotFound as isNotFoundCoded,
  SwitchyardError,
} from '../errors/index.js';

/** An error `Status` returned by the API server, with the request that caused it. */
export class ApiError extends SwitchyardError {
  /** HTTP status code (`Status.code`, or the response code when the body was not a Status). */
  readonly statusCode: number;
  /** `Status.reason`: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, … */
  readonly reason: string;
  readonly causes: readonly StatusCause[];
  readonly status: Status;
  readonly method: string;
  readonly path: string;

  constructor(options: { status: Status; method: string; path: string; cause?: unknown }) {
    const { status, method, path } = options;
    const code = status.code ?? 500;
    const reason = status.reason || reasonForCode(code);
    super(ErrorCode.Api, `${method} ${path}: ${status.message || reason} (${code} ${reason})`, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'ApiError';
    this.statusCode = code;
    this.reason = reason;
    this.causes = status.details?.causes ?? [];
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

// The reasons apimachinery assigns when a response carries no Status (errors.go, reasonForCode).
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The Status reason for an HTTP code, `Unknown` when none is defined. */
export function reasonForCode(code: number): string {
  return REASONS[code] ?? 'Unknown';
}

/** Decodes an error response body into a `Status`, synthesising one when the body is not a Status. */
export function statusFromResponse(httpStatus: number, body: Buffer | string): Status {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isStatus(parsed)) return { ...parsed, code: parsed.code ?? httpStatus };
  } catch {
    // not JSON: fall through to a synthetic Status, as client-go does for proxies' HTML errors
  }
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code: httpStatus,
    reason: reasonForCode(httpStatus),
    message: snippet.trim() || `the server responded with HTTP ${httpStatus}`,
  };
}

/** True when `value` looks like a meta/v1 Status. */
export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}

function apiReason(err: unknown): { code: number; reason: string } | undefined {
  return err instanceof ApiError ? { code: err.statusCode, reason: err.reason } : undefined;
}

/** 404 NotFound from the API, or any coded not-found error. */
export function isNotFound(err: unknown): boolean {
  const a = apiReason(err);
  return a ? a.reason === 'NotFound' : isNotFoundCoded(err);
}

/** 409 AlreadyExists from a create, or any coded already-exists error. */
export function isAlreadyExists(err: unknown): boolean {
  const a = apiReason(err);
  return a ? a.reason === 'AlreadyExists' : isAlreadyExistsCoded(err);
}

/** 409 Conflict: an update lost the optimistic-concurrency race (stale resourceVersion). */
export function isConflict(err: unknown): boolean {
  return apiReason(err)?.reason === 'Conflict';
}

/** 410: the resourceVersion is too old (reason Expired or Gone): relist. */
export function isGone(err: unknown): boolean {
  const a = apiReason(err);
  return a !== undefined && (a.code === 410 || a.reason === 'Expired' || a.reason === 'Gone');
}

/** 422 Invalid from the API (see `causes`), or any coded validation error. */
export function isInvalid(err: unknown): boolean {
  const a = apiReason(err);
  return a ? a.reason === 'Invalid' : isInvalidCoded(err);
}

/** 429 TooManyRequests (API priority and fairness): retry after back-off. */
export function isTooManyRequests(err: unknown): boolean {
  return apiReason(err)?.code === 429;
}

/** 401 or 403: the credentials are missing, wrong or not allowed. */
export function isUnauthorized(err: unknown): boolean {
  const a = apiReason(err);
  return a !== undefined && (a.code === 401 || a.code === 403);
}
