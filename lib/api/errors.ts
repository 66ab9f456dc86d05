/**
 * The one `ApiError`: a Kubernetes `Status` failure, whether the API server raises it or a
 * client decodes it from a response, and the client-go `apierrors` predicates over it
 * (`isNotFound(err)`, `isConflict(err)`, …), so callers branch on reason and code, never on
 * message text. The predicates also accept lib/errors' coded errors where the meaning is the
 * same (a coded NotFound is "not found" wherever it came from).
 */
import {
  ErrorCode,
  isAlreadyExists as isAlreadyExistsCoded,
  isInvalid as isInvalidCoded,
  isNotFound as isNotFoundCoded,
  SwitchyardError,
} from '../errors/index.js';
import type { Status, StatusCause, StatusDetails } from './meta.js';

/** `Status.details` as a caller may hold it (read-only causes). */
export type StatusDetailsInput = Omit<StatusDetails, 'causes'> & { readonly causes?: readonly StatusCause[] };

/** An error `Status` a client received, with the request that got it. */
export interface ApiErrorOptions {
  readonly status: Status;
  readonly method: string;
  readonly path: string;
  readonly cause?: unknown;
}

/**
 * A Kubernetes `Status` failure (code `SY_ERR_API`). The API server builds one from code,
 * reason, message and details (`new ApiError(404, 'NotFound', message, details)`), and its
 * message is the Status message; a client builds one from the Status it received and the
 * request (`new ApiError({ status, method, path })`), and its message names the request.
 */
export class ApiError extends SwitchyardError {
  /** HTTP status code (`Status.code`, or the response code when the body was not a Status). */
  readonly statusCode: number;
  /** `Status.reason`: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, … */
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  readonly causes: readonly StatusCause[];
  /** The whole `Status`, as received or as the server will send it. */
  readonly status: Status;
  /** The request's method and path on the client side; '' for an error the server raised. */
  readonly method: string;
  readonly path: string;

  constructor(options: ApiErrorOptions);
  constructor(statusCode: number, reason: string, message: string, details?: StatusDetailsInput);
  constructor(
    first: ApiErrorOptions | number,
    reasonArg?: string,
    messageArg?: string,
    detailsArg?: StatusDetailsInput,
  ) {
    const received = typeof first === 'number' ? undefined : first;
    const status: Status = received
      ? received.status
      : {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: messageArg ?? '',
          reason: reasonArg ?? '',
          ...(detailsArg ? { details: copyDetails(detailsArg) } : {}),
          code: first as number,
        };
    const code = status.code ?? 500;
    const reason = status.reason || reasonForCode(code);
    const message = received
      ? `${received.method} ${received.path}: ${status.message || reason} (${code} ${reason})`
      : (messageArg ?? '');
    super(ErrorCode.Api, message, received?.cause === undefined ? {} : { cause: received.cause });
    this.name = 'ApiError';
    this.statusCode = code;
    this.reason = reason;
    this.details = status.details;
    this.causes = status.details?.causes ?? [];
    this.status = status;
    this.method = received?.method ?? '';
    this.path = received?.path ?? '';
  }
}

/** A Status-typed copy of `details`, its keys in the order given (they are sent as JSON). */
function copyDetails(d: StatusDetailsInput): StatusDetails {
  const { causes, ...rest } = d;
  return causes === undefined ? rest : { ...d, causes: [...causes] };
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

// Every reason apimachinery defines (metav1.StatusReason*): a code alone decides only for others.
const KNOWN_REASONS: ReadonlySet<string> = new Set([
  ...Object.values(REASONS),
  '',
  'Unknown',
  'AlreadyExists',
  'Expired',
  'ServerTimeout',
  'StorageReadError',
]);

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

/**
 * client-go's test: the reason says so, or the reason is not one apimachinery knows and the
 * code says so (a proxy's or an older server's answer). Undefined when `err` is no ApiError.
 */
function apiIs(err: unknown, reason: string, code: number): boolean | undefined {
  if (!(err instanceof ApiError)) return undefined;
  return err.reason === reason || (!KNOWN_REASONS.has(err.reason) && err.statusCode === code);
}

/** 404 NotFound from the API (either side), or any coded not-found error. */
export function isNotFound(err: unknown): boolean {
  return apiIs(err, 'NotFound', 404) ?? isNotFoundCoded(err);
}

/** 409 AlreadyExists from a create, or any coded already-exists error. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError ? err.reason === 'AlreadyExists' : isAlreadyExistsCoded(err);
}

/** 409 Conflict: an update lost the optimistic-concurrency race (stale resourceVersion). */
export function isConflict(err: unknown): boolean {
  return apiIs(err, 'Conflict', 409) ?? false;
}

/** 410: the resourceVersion is too old (reason Expired or Gone): relist. */
export function isGone(err: unknown): boolean {
  return (
    err instanceof ApiError && (err.statusCode === 410 || err.reason === 'Expired' || err.reason === 'Gone')
  );
}

/** 422 Invalid from the API (see `causes`), or any coded validation error. */
export function isInvalid(err: unknown): boolean {
  return apiIs(err, 'Invalid', 422) ?? isInvalidCoded(err);
}

/** 403 Forbidden: authenticated, but not allowed (RBAC, admission). */
export function isForbidden(err: unknown): boolean {
  return apiIs(err, 'Forbidden', 403) ?? false;
}

/** 405 MethodNotAllowed: the resource does not serve this verb. */
export function isMethodNotSupported(err: unknown): boolean {
  return apiIs(err, 'MethodNotAllowed', 405) ?? false;
}

/** 429 TooManyRequests (API priority and fairness): retry after back-off. */
export function isTooManyRequests(err: unknown): boolean {
  return err instanceof ApiError && (err.statusCode === 429 || err.reason === 'TooManyRequests');
}

/** 401 or 403: the credentials are missing, wrong or not allowed. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && (err.statusCode === 401 || err.statusCode === 403);
}
