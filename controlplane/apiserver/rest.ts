/**
 * RestStorage: the Kubernetes verbs (get, list, create, update, patch, delete, watch) for any
 * resource type over a Store, as the handler and the server's in-process writers call them.
 * A thin facade: the generic registry (registry/: CRUD and watch with apiserver's
 * semantics, pkg/registry/generic/registry/store.go), the per-kind strategies (strategies/),
 * deletion and garbage collection (registry/delete.ts, gc.ts), subresources
 * (registry/subresources.ts) and maintenance (registry/maintenance.ts) do the work.
 */

import type { Json, JsonObject } from '../../lib/api/json.js';
import type { WatchHandle } from '../store/index.js';
import type { PatchType } from './apply-patch.js';
import { NamespaceAdmission } from './namespace-lifecycle.js';
import { decode, keyOf } from './registry/codec.js';
import type { RegistryContext } from './registry/context.js';
import { createObject } from './registry/create.js';
import { deleteObject } from './registry/delete.js';
import { GraceTimers } from './registry/graceful.js';
import { KeyedSerializer } from './registry/key-locks.js';
import { repairServiceAddresses, resumeGracefulDeletions, sweepEvents } from './registry/maintenance.js';
import { getObject, listObjects } from './registry/read.js';
import type { ResourceStorage } from './registry/storage.js';
import { bindPod, getScale, updateScale } from './registry/subresources.js';
import type {
  AdmissionRequest,
  DeleteOptions,
  DeleteResult,
  ListQuery,
  RestOptions,
  WatchSink,
  WriteOptions,
} from './registry/types.js';
import { patchObject, replaceObject } from './registry/update.js';
import { watchObjects } from './registry/watch.js';
import type { ResourceInfo } from './resources.js';
import { type RepairReport, ServiceAddresses } from './service-addresses.js';

export type { ResourceStorage } from './registry/storage.js';
export type { DeleteOptions, ListQuery, RestOptions, WatchSink, WriteOptions } from './registry/types.js';

/** Generic storage for every resource type. */
export class RestStorage implements ResourceStorage {
  readonly #ctx: RegistryContext;
  readonly #addresses: ServiceAddresses;
  readonly #grace: GraceTimers;

  constructor(options: RestOptions) {
    const now = options.now ?? (() => new Date());
    const random = options.random ?? Math.random;
    const { store, resources } = options;
    this.#addresses = new ServiceAddresses({
      store,
      resources,
      serviceRange: options.serviceRange,
      nodePortRange: options.nodePortRange,
      random,
      now,
    });
    const namespaces = resources.lookup('', 'v1', 'namespaces');
    const namespaceAdmission = new NamespaceAdmission({
      namespaces: namespaces ?? { group: '', plural: 'namespaces' },
      read: async (name) => {
        const kv = namespaces && (await store.get(keyOf(namespaces, undefined, name)));
        return kv ? { revision: kv.modRevision, decode: () => decode(kv) } : undefined;
      },
    });
    this.#ctx = {
      store,
      resources,
      now,
      random,
      admission: options.admission,
      extraValidation: options.extraValidation,
      updateValidation: options.updateValidation,
      namespaceAdmission,
      keyLocks: new KeyedSerializer(),
      strategy: { serviceAddresses: this.#addresses },
    };
    this.#grace = new GraceTimers((info, namespace, name) =>
      this.delete(info, namespace, name, { gracePeriodSeconds: 0 }),
    );
  }

  /** GET one object. */
  get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<JsonObject> {
    return getObject(this.#ctx.store, info, namespace, name);
  }

  /** LIST, with label and field selectors and limit/continue paging. */
  list(info: ResourceInfo, namespace: string | undefined, q: ListQuery = {}): Promise<JsonObject> {
    return listObjects(this.#ctx.store, info, namespace, q);
  }

  /**
   * NamespaceLifecycle admission of a create in `namespace` (404 when it is missing, 403 while it
   * terminates); `name` is what the error names. The handler calls it for subresource creates.
   */
  admitCreate(info: ResourceInfo, namespace: string | undefined, name: string): Promise<void> {
    return this.#ctx.namespaceAdmission.admitCreate(info, namespace, name);
  }

  /** Admission of a request answered outside the generic verbs (a subresource create such as pods/eviction). */
  admit(info: ResourceInfo, request: Omit<AdmissionRequest, 'info'>): Promise<void> {
    return this.#ctx.admission?.({ ...request, info }) ?? Promise.resolve();
  }

  /**
   * POST: creates an object. Takes ownership of `input` (a freshly decoded body): it is
   * completed in place and returned, which saves a deep copy per create.
   */
  create(
    info: ResourceInfo,
    namespace: string | undefined,
    input: Json,
    options: WriteOptions = {},
  ): Promise<JsonObject> {
    return createObject(this.#ctx, info, namespace, input, options);
  }

  /** PUT: replaces an object (or its status, or a namespace's spec.finalizers through `finalize`). */
  update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    input: Json,
    subresource?: 'status' | 'finalize',
    options: WriteOptions = {},
  ): Promise<JsonObject> {
    return replaceObject(this.#ctx, info, namespace, name, input, subresource, options);
  }

  /** PATCH: applies a patch of `type` to the stored object (or its status). */
  patch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: Json,
    subresource?: 'status',
    options: WriteOptions = {},
  ): Promise<JsonObject> {
    return patchObject(this.#ctx, info, namespace, name, { type, body }, subresource, options);
  }

  /** GET …/scale: the autoscaling/v1 Scale view of a workload. */
  getScale(info: ResourceInfo, namespace: string | undefined, name: string): Promise<JsonObject> {
    return getScale(this.#ctx, info, namespace, name);
  }

  /** PUT/PATCH …/scale: changes only spec.replicas. */
  updateScale(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    change: (scale: JsonObject) => JsonObject,
    options: WriteOptions = {},
  ): Promise<JsonObject> {
    return updateScale(this.#ctx, info, { namespace, name }, change, options);
  }

  /** POST pods/NAME/binding: assigns the pod to a node, once. */
  bind(
    info: ResourceInfo,
    namespace: string,
    name: string,
    binding: Json,
    options: WriteOptions = {},
  ): Promise<void> {
    return bindPod(this.#ctx, info, { namespace, name }, binding, options);
  }

  /**
   * DELETE. Returns the object and whether it is gone (200) or still terminating (202 when
   * finalizers or a pod's grace period hold it). A namespace's first DELETE only marks it
   * Terminating; it goes once spec.finalizers and metadata.finalizers are empty.
   */
  delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<DeleteResult> {
    return deleteObject(this.#ctx, this.#grace, info, namespace, name, options);
  }

  /**
   * WATCH: ADDED/MODIFIED/DELETED events after `resourceVersion` (or, when it is unset or "0",
   * synthetic ADDED events for the current state first). An object that stops matching the
   * selectors is reported DELETED, one that starts matching ADDED (apiserver's cacher does so).
   */
  watch(
    info: ResourceInfo,
    namespace: string | undefined,
    q: ListQuery,
    sink: WatchSink,
  ): Promise<WatchHandle> {
    return watchObjects(this.#ctx.store, info, namespace, q, sink);
  }

  /** Maintenance: re-arms grace timers after a restart (every pod past or within its grace period). */
  resumeGracefulDeletions(): Promise<void> {
    return resumeGracefulDeletions(this.#ctx, this.#grace);
  }

  /** Maintenance: one pass of the Service address repair loop (leaked reservations, duplicates). */
  repairServiceAddresses(): Promise<RepairReport> {
    return repairServiceAddresses(this.#addresses);
  }

  /** Maintenance: deletes Events older than `ttlMs` (--event-ttl); returns how many went. */
  sweepEvents(ttlMs: number): Promise<number> {
    return sweepEvents(this.#ctx, ttlMs);
  }
}
