/**
 * CNI error codes and the error class that carries one. The numeric codes are the spec's
 * (CNI SPEC.md §"Error"): 0–99 are reserved for the spec, 100+ are plugin-specific.
 */
import { ErrorCode, SwitchyardError } from '../errors/index.js';

/** The spec's well-known error codes plus the plugin-specific ones Switchyard uses. */
export const CniCode = {
  /** Incompatible CNI version. */
  IncompatibleVersion: 1,
  /** Unsupported field in the network configuration; the message names key and value. */
  UnsupportedField: 2,
  /** Container unknown or does not exist; the runtime need not DEL. */
  UnknownContainer: 3,
  /** Invalid or missing CNI_* environment variables; the message names them. */
  InvalidEnvironment: 4,
  /** I/O failure, e.g. reading stdin. */
  IoFailure: 5,
  /** Failed to decode content (stdin is not JSON). */
  DecodeFailure: 6,
  /** Invalid network configuration. */
  InvalidNetworkConfig: 7,
  /** Transient failure: the runtime should retry later. */
  TryAgainLater: 11,
  /** STATUS: the plugin cannot serve ADD now. */
  NotAvailable: 50,
  /** STATUS: not available, and existing containers have limited connectivity. */
  NotAvailableDegraded: 51,
  /** Plugin-specific: the container interface exists already (ADD must not touch it). */
  InterfaceExists: 100,
  /** Plugin-specific: no free address left in the range set. */
  NoAddressAvailable: 101,
  /** Plugin-specific: a delegated plugin (IPAM) failed. */
  DelegateFailed: 102,
  /** Plugin-specific: a kernel operation failed. */
  KernelFailure: 103,
  /** Plugin-specific: CHECK found a resource missing or different. */
  CheckFailed: 104,
  /** Plugin-specific: the attachment holds an address in this range set already. */
  DuplicateAllocation: 105,
  /** Any other failure (libcni uses 999 for untyped errors too). */
  Internal: 999,
} as const;

/** A CNI numeric error code. */
export type CniCode = (typeof CniCode)[keyof typeof CniCode] | number;

/** The spec's error object, printed on stdout with exit status 1. */
export interface CniErrorJson {
  readonly cniVersion?: string;
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

function switchyardCodeFor(code: number): ErrorCode {
  if (code === CniCode.UnknownContainer) return ErrorCode.NotFound;
  if (code === CniCode.IncompatibleVersion) return ErrorCode.Unsupported;
  if (code >= 2 && code <= 7) return ErrorCode.Invalid;
  return ErrorCode.System;
}

/** Options of a CniError beyond code and message. */
export interface CniErrorOptions {
  readonly details?: string;
  readonly field?: string;
  readonly cause?: unknown;
}

/** An error that maps to one CNI error code; `cniCode` is what the spec JSON carries. */
export class CniError extends SwitchyardError {
  readonly cniCode: number;
  readonly details: string | undefined;

  constructor(cniCode: number, message: string, options: CniErrorOptions = {}) {
    super(switchyardCodeFor(cniCode), message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.field === undefined ? {} : { field: options.field }),
    });
    this.name = 'CniError';
    this.cniCode = cniCode;
    this.details = options.details;
  }

  /** The spec error object for this error, stamped with the config's version. */
  toJSON(cniVersion?: string): CniErrorJson {
    return {
      ...(cniVersion === undefined ? {} : { cniVersion }),
      code: this.cniCode,
      msg: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** True when `err` is a CniError (optionally with the given spec code). */
export function isCniError(err: unknown, code?: number): err is CniError {
  return err instanceof CniError && (code === undefined || err.cniCode === code);
}
