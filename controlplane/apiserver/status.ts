/**
 * Kubernetes `Status` errors, in the exact shapes of apimachinery's pkg/api/errors/errors.go
 * (NewNotFound, NewAlreadyExists, NewConflict, NewInvalid, NewResourceExpired, …). Every failure
 * that leaves the server goes through `toStatus`, so clients branch on `reason`/`code`.
 */
import { ApiError, type StatusDetailsInput } from '../../lib/api/errors.js';
import { isAlreadyExists, isInvalid, isNotFound } from '../../lib/errors/index.js';
import { isConflict, isExpired } from '../store/index.js';
import { type GroupResource, qualifiedResource } from './group-resource.js';

/** `Status.details`. `kind` is the resource (plural) for most errors and the Kind for Invalid. */
export type StatusDetails = StatusDetailsInput;

/** The meta/v1 `Status` body of an error response. */
export interface ApiStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message: string;
  readonly reason: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

export { ApiError };

type Res = GroupResource;

/** `details.group`, left out for the core group as Go's `omitempty` does. */
function groupOf(group: string): { readonly group?: string } {
  return group === '' ? {} : { group };
}

/** 404 NotFound: `deployments.apps "web" not found`. */
export function notFoundError(res: Res, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(res)} "${name}" not found`, {
    name,
    ...groupOf(res.group),
    kind: res.plural,
  });
}

/** 409 AlreadyExists. */
export function alreadyExistsError(res: Res, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(res)} "${name}" already exists`, {
    name,
    ...groupOf(res.group),
    kind: res.plural,
  });
}

/** 409 Conflict with apiserver's OptimisticLockErrorMsg. */
export function conflictError(res: Res, name: string, why?: string): ApiError {
  const tail =
    why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(res)} "${name}": ${tail}`,
    {
      name,
      ...groupOf(res.group),
      kind: res.plural,
    },
  );
}

/** One field-level validation failure. */
export interface FieldCause {
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, `FieldValueDuplicate`, `FieldValueForbidden`. */
  readonly reason: string;
  readonly field: string;
  readonly message: string;
}

/** 422 Invalid with causes: `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be …`. */
export function invalidError(
  info: { readonly group: string; readonly kind: string },
  name: string,
  causes: readonly FieldCause[],
): ApiError {
  const kind = info.group === '' ? info.kind : `${info.kind}.${info.group}`;
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const list = causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }));
  return new ApiError(
    422,
    'Invalid',
    `${kind} "${name}" is invalid: ${causes.length > 1 ? `[${text}]` : text}`,
    {
      name,
      ...groupOf(info.group),
      kind: info.kind,
      causes: list,
    },
  );
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 410 Expired, for watches and continue tokens from compacted history. */
export function expiredError(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

/** Any thrown value as a `Status` plus its HTTP code. */
export function toStatus(err: unknown): { readonly code: number; readonly status: ApiStatus } {
  const build = (code: number, reason: string, message: string, details?: StatusDetails) => ({
    code,
    status: {
      kind: 'Status' as const,
      apiVersion: 'v1' as const,
      metadata: {},
      status: 'Failure' as const,
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    },
  });
  if (err instanceof ApiError) return build(err.statusCode, err.reason, err.message, err.details);
  if (isConflict(err)) return build(409, 'Conflict', err.message);
  if (isExpired(err)) return build(410, 'Expired', err.message);
  if (isNotFound(err)) return build(404, 'NotFound', err.message);
  if (isAlreadyExists(err)) return build(409, 'AlreadyExists', err.message);
  if (isInvalid(err)) {
    return build(422, 'Invalid', err.message, {
      causes: [{ reason: 'FieldValueInvalid', message: err.message, field: err.field ?? '' }],
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return build(500, 'InternalError', `Internal error occurred: ${message}`);
}

/**
 * Whether an error is ours rather than the client's: not an ApiError and none of the coded
 * store errors, so `toStatus` makes it a 500 InternalError. Such an error is a bug.
 */
export function isInternalError(err: unknown): boolean {
  return !(err instanceof ApiError) && toStatus(err).code === 500;
}
