/**
 * Store failures beyond the shared NotFound/AlreadyExists: a lost compare-and-swap (Conflict) and
 * a watch from compacted history (Expired). They subclass SwitchyardError with a `reason` so the
 * API layer can map them to Kubernetes Status 409 Conflict and 410 Expired without reading text.
 */
import { ErrorCode, SwitchyardError } from '../../lib/errors/index.js';

/** Why a store operation failed, beyond not-found and already-exists. */
export type StoreFailure = 'Conflict' | 'Expired';

/** A Conflict or Expired failure from a store backend. */
export class StoreError extends SwitchyardError {
  readonly reason: StoreFailure;
  readonly key: string;
  constructor(reason: StoreFailure, key: string, message: string) {
    super(ErrorCode.Api, message);
    this.name = 'StoreError';
    this.reason = reason;
    this.key = key;
  }
}

/** A compare-and-swap lost: the key's revision is not the expected one. */
export function conflict(key: string, expected: number, actual: number): StoreError {
  return new StoreError('Conflict', key, `${key}: revision is ${actual}, expected ${expected}`);
}

/** History needed by a watch is gone. */
export function expired(key: string, requested: number, compacted: number): StoreError {
  return new StoreError('Expired', key, `too old resource version: ${requested} (${compacted})`);
}

/** True for a lost compare-and-swap. */
export function isConflict(err: unknown): err is StoreError {
  return err instanceof StoreError && err.reason === 'Conflict';
}

/** True for a watch whose start revision is compacted. */
export function isExpired(err: unknown): err is StoreError {
  return err instanceof StoreError && err.reason === 'Expired';
}
