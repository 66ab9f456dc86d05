/**
 * The one interface of a kind's strategy (apiserver's RESTCreateStrategy, RESTUpdateStrategy,
 * RESTDeleteStrategy and the generic Store's Begin/After hooks, the parts used here): the
 * generic registry asks the kind's strategy at each step of a write or delete instead of
 * testing the kind itself. Every hook is optional; a kind without one gets the generic rules.
 * Types only.
 */

import type { JsonObject } from '../../../lib/api/json.js';
import type { FieldError } from '../../../lib/api/validation/index.js';

/** Which write a hook sees: a create, or an update of the main resource, its status or `finalize`. */
export type WriteKind = 'create' | 'main' | 'status' | 'finalize';

/** The object stays, marked for deletion at `deadline` with `grace` seconds. */
export interface DeletionHold {
  readonly deadline: string;
  readonly grace: number;
}

/** The options of a DELETE a strategy looks at. */
export interface GracefulDeleteOptions {
  readonly gracePeriodSeconds?: number;
}

/**
 * What a kind's DELETE does instead of the generic rules: `mark` writes the object as given
 * (a namespace's first DELETE, which only marks it Terminating), `wait` answers with the stored
 * object unchanged (later DELETEs of a namespace whose spec.finalizers still hold it).
 */
export type DeleteStep = { readonly mark: JsonObject } | { readonly wait: true };

/**
 * Values a kind takes from a pool shared by every object of the kind (a Service's ClusterIP and
 * NodePorts), reserved in the store so that no two objects hold one.
 */
export interface Allocator {
  /** Runs `fn` alone among this server's allocating writes. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Completes `obj`'s values (keeping those of `old`, the stored object of an update) and
   * reserves the new ones, returned for `release` should the write fail. A dry run only chooses.
   */
  allocate(
    obj: JsonObject,
    old: JsonObject | undefined,
    options?: { readonly dryRun?: boolean },
  ): Promise<string[]>;
  /** Gives back the reservations in `values` that `uid` owns. */
  release(values: readonly string[], uid: string): Promise<void>;
  /** The values `obj` holds. */
  held(obj: JsonObject): string[];
}

/** What strategies may use of the server they run in. */
export interface StrategyContext {
  readonly serviceAddresses: Allocator;
}

/** One kind's rules in the generic registry. */
export interface KindStrategy {
  /**
   * The main resource's writes carry status too although a status subresource exists (CRDs
   * here); otherwise a create drops the body's status and an update keeps the stored one.
   */
  readonly mainWritesStatus?: boolean;
  /**
   * A create keeps the body's status although a status subresource exists (Nodes: a kubelet
   * registers its Node with capacity, addresses and conditions in one create); updates of the
   * main resource still keep the stored status.
   */
  readonly createKeepsStatus?: boolean;
  /** PrepareForCreate: the kind's own fields of a new object, after defaults. */
  prepareForCreate?(obj: JsonObject): void;
  /** PrepareForUpdate: `next` (after the generic status merge) from `current`, in place. */
  prepareForUpdate?(next: JsonObject, current: JsonObject, write: Exclude<WriteKind, 'create'>): void;
  /** Validation of the kind beyond the built-in rules of lib/api/validation. */
  validate?(obj: JsonObject, write: WriteKind): FieldError[];
  /** The pool the kind's objects take values from, reserved on write and released on delete. */
  allocator?(ctx: StrategyContext): Allocator;
  /** Refuses a DELETE before anything is read (a namespace that may never go). */
  checkDelete?(name: string): void;
  /** A two-step DELETE (namespaces); undefined to apply the generic rules. */
  beginDelete?(stored: JsonObject, finalizers: readonly string[], now: () => Date): DeleteStep | undefined;
  /**
   * CheckGracefulDelete: how long a DELETE holds the object, replacing the generic rule (held
   * while finalizers remain). Undefined: the object goes now.
   */
  checkGracefulDelete?(
    current: JsonObject,
    options: GracefulDeleteOptions,
    now: Date,
  ): DeletionHold | undefined;
  /**
   * Something besides metadata.finalizers still holds an object marked for deletion once its
   * finalizers are gone (a namespace's spec.finalizers, a pod's grace period).
   */
  deletionPending?(obj: JsonObject, now: () => Date): boolean;
}
