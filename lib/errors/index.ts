/**
 * Coded errors shared by every component. Callers branch on `code` or on the predicates
 * below, never on message text (STYLE.md habit 7). System-call failures carry `syscall`,
 * `errno` and, where it helps, `address`/`port`, in the shape Node users already know
 * (`connect ECONNREFUSED 10.0.0.1:53`).
 */

/** Stable error codes. Add new ones here; a test asserts every code is documented. */
export const ErrorCode = {
  /** A named object (namespace, link, route, API object…) does not exist. */
  NotFound: 'SY_ERR_NOT_FOUND',
  /** The object to be created exists already. */
  AlreadyExists: 'SY_ERR_ALREADY_EXISTS',
  /** Input failed validation; `field` names the offending field. */
  Invalid: 'SY_ERR_INVALID',
  /** A kernel or libc call failed; `syscall` and `errno` say which and why. */
  System: 'SY_ERR_SYSTEM',
  /** An external command (nft, ip, …) exited non-zero. */
  Command: 'SY_ERR_COMMAND',
  /** The Kubernetes API answered with an error Status. */
  Api: 'SY_ERR_API',
  /** An operation ran out of time. */
  Timeout: 'SY_ERR_TIMEOUT',
  /** The operation needs a capability this process or machine does not have. */
  Unsupported: 'SY_ERR_UNSUPPORTED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options common to every coded error. */
export interface SwitchyardErrorOptions {
  readonly cause?: unknown;
  /** Dotted path of the offending input field, e.g. `spec.ports[1].port`. */
  readonly field?: string;
  readonly syscall?: string;
  readonly errno?: number;
  readonly address?: string;
  readonly port?: number;
}

/** Base class of every error Switchyard throws on purpose. */
export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly syscall: string | undefined;
  readonly errno: number | undefined;
  readonly address: string | undefined;
  readonly port: number | undefined;

  constructor(code: ErrorCode, message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchyardError';
    this.code = code;
    this.field = options.field;
    this.syscall = options.syscall;
    this.errno = options.errno;
    this.address = options.address;
    this.port = options.port;
  }
}

/** Builds an `Invalid` error whose message starts with the field: `spec.vlan: must be 0–4094, got 5000`. */
export function invalid(field: string, problem: string, cause?: unknown): SwitchyardError {
  return new SwitchyardError(ErrorCode.Invalid, `${field}: ${problem}`, {
    field,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Builds a `NotFound` error for a kind and name: `network namespace "sy-x" not found`. */
export function notFound(kind: string, name: string, cause?: unknown): SwitchyardError {
  return new SwitchyardError(ErrorCode.NotFound, `${kind} "${name}" not found`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Builds an `AlreadyExists` error for a kind and name. */
export function alreadyExists(kind: string, name: string, cause?: unknown): SwitchyardError {
  return new SwitchyardError(ErrorCode.AlreadyExists, `${kind} "${name}" already exists`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Builds a `System` error in Node's style: `${syscall} ${ERRNO_NAME} ${detail}`. */
export function systemError(
  syscall: string,
  errno: number,
  detail?: string,
  extra: Omit<SwitchyardErrorOptions, 'syscall' | 'errno'> = {},
): SwitchyardError {
  const abs = Math.abs(errno);
  const name = errnoName(abs);
  const code =
    abs === ENOENT || abs === ENODEV
      ? ErrorCode.NotFound
      : abs === EEXIST
        ? ErrorCode.AlreadyExists
        : ErrorCode.System;
  const message = detail ? `${syscall} ${name} ${detail}` : `${syscall} ${name}`;
  return new SwitchyardError(code, message, { ...extra, syscall, errno: abs });
}

/** True when `err` is a coded error with the given code. */
export function hasCode(err: unknown, code: ErrorCode): err is SwitchyardError {
  return err instanceof SwitchyardError && err.code === code;
}

/** True when the thing looked for does not exist. */
export function isNotFound(err: unknown): err is SwitchyardError {
  return hasCode(err, ErrorCode.NotFound);
}

/** True when the thing to be created exists already. */
export function isAlreadyExists(err: unknown): err is SwitchyardError {
  return hasCode(err, ErrorCode.AlreadyExists);
}

/** True when input failed validation. */
export function isInvalid(err: unknown): err is SwitchyardError {
  return hasCode(err, ErrorCode.Invalid);
}

/** A readable message for any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Linux errno numbers used by the predicates (asm-generic/errno-base.h).
export const EPERM = 1;
export const ENOENT = 2;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const EBUSY = 16;
export const EOPNOTSUPP = 95;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENETUNREACH = 101;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  34: 'ERANGE',
  61: 'ENODATA',
  93: 'EPROTONOSUPPORT',
  95: 'EOPNOTSUPP',
  97: 'EAFNOSUPPORT',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH',
  113: 'EHOSTUNREACH',
};

/** The symbolic name of a Linux errno (`EEXIST`), or `errno N` when unknown. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[Math.abs(errno)] ?? `errno ${Math.abs(errno)}`;
}
