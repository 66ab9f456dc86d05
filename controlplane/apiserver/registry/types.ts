/**
 * The generic registry's boundary types: what a server configures it with (`RestOptions`, with
 * the admission hook's request), the options of each verb as the handler parses them
 * (list/watch query, write and delete options), a watch's sink, and how one
 * optimistic-concurrency update runs (`UpdateHow`). Types only.
 */

import type { JsonObject } from '../../../lib/api/json.js';
import type { FieldError } from '../../../lib/api/validation/index.js';
import type { Store } from '../../store/index.js';
import type { Admit } from '../admission.js';
import type { Manager } from '../managed-fields.js';
import type { ResourceInfo, ResourceRegistry } from '../resources.js';
import type { Ipv4Range } from '../service-alloc.js';

/** One write as admission sees it; `object` may be changed in place by mutating plugins. */
export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly info: ResourceInfo;
  /** '' for the object itself, `status` for the status subresource. */
  readonly subresource: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** The object about to be stored (CREATE, UPDATE). */
  readonly object?: JsonObject;
  /** The stored object (UPDATE, DELETE). */
  readonly oldObject?: JsonObject;
}

/** The server's admission of every stored write (admission-plugins.ts): resolves to admit, rejects with an ApiError to refuse. */
export type ServerAdmission = (request: AdmissionRequest) => Promise<void>;

/** Options of the REST layer. */
export interface RestOptions {
  readonly store: Store;
  readonly resources: ResourceRegistry;
  readonly serviceRange: Ipv4Range;
  readonly nodePortRange: readonly [number, number];
  /** Injected for tests; defaults to the wall clock. */
  readonly now?: () => Date;
  /** Injected for tests; defaults to Math.random. */
  readonly random?: () => number;
  /** More validation after the built-in rules (CRD objects, custom resources by their schema; may prune). */
  readonly extraValidation?: (info: ResourceInfo, obj: JsonObject) => FieldError[];
  /**
   * The server's admission plugins (admission-plugins.ts): run on every write after defaults and
   * before validation (mutating plugins may change the object), and before every delete.
   */
  readonly admission?: ServerAdmission;
  /** Update-only validation against the stored object (immutable fields such as a binding's roleRef). */
  readonly updateValidation?: (info: ResourceInfo, next: JsonObject, current: JsonObject) => FieldError[];
}

/** Parsed list and watch query parameters. */
export interface ListQuery {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
}

/**
 * Options of a create, update or patch (meta/v1 CreateOptions/UpdateOptions/PatchOptions, the
 * parts honoured here).
 */
export interface WriteOptions {
  /**
   * `dryRun=All`: every step of the write (defaults, validation, preconditions, address
   * allocation) runs and the answer is what would be stored, but nothing is persisted
   * (KEP-576 "APIServer dry-run"; `kubectl diff` and `--dry-run=server` rely on it).
   */
  readonly dryRun?: boolean;
  /**
   * Admission of the request's caller (admission.ts), run on the final object after validation
   * and before it is stored, and on the stored object before a delete; rejects to refuse
   * (NodeRestriction, RBAC escalation checks).
   */
  readonly admit?: Admit;
  /** The request's field manager, whose write managedFields records (server-side-apply.ts). */
  readonly manager?: Manager;
}

/** Delete options (meta/v1 DeleteOptions, the parts honoured here). */
export interface DeleteOptions extends WriteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: string;
  /** Deprecated form of the policy: true = Orphan, false = Background. */
  readonly orphanDependents?: boolean;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  /**
   * Admission already ran for the request behind this delete (pods/eviction): the DELETE itself
   * is not admitted again, as kube-apiserver's eviction deletes straight through the store.
   */
  readonly admitted?: boolean;
}

/** What a DELETE did: the object, and whether it is gone (200) or still terminating (202). */
export interface DeleteResult {
  readonly object: JsonObject;
  readonly gone: boolean;
}

/** Watch event delivered to a sink. */
export interface WatchSink {
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: JsonObject): void;
  /** The watch failed (410 Expired, the store stopped, or an event could not be delivered). */
  error(err: unknown): void;
}

/** The part of an object an update writes: the main resource, its status, or a namespace's finalizers. */
export type UpdateTarget = 'status' | 'finalize' | undefined;

/** How a guaranteed update runs: on the main resource or its status, which precondition, dry or not. */
export interface UpdateHow {
  readonly subresource?: UpdateTarget;
  readonly precondition?: Precondition;
  readonly dryRun?: boolean;
  readonly admit?: WriteOptions['admit'] | undefined;
  /** How admission sees the write when it is a subresource other than status (binding, scale). */
  readonly admitAs?: { readonly operation: 'CREATE' | 'UPDATE'; readonly subresource: string };
  readonly manager?: Manager | undefined;
}

/** Where an update's resourceVersion precondition comes from. */
export type Precondition =
  | { readonly from: 'result' }
  | { readonly from: 'request'; readonly value: string | undefined };
