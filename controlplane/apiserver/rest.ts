/**
 * Generic REST storage: the Kubernetes verbs (get, list, create, update, patch, delete, watch)
 * for any resource type over a Store, with the semantics of apiserver's generic registry
 * (pkg/registry/generic/registry/store.go): optimistic concurrency on resourceVersion,
 * server-owned metadata, defaults then validation, status and scale subresources, graceful pod
 * deletion and finalizers. Namespace-specific rules live in namespace-lifecycle.ts.
 */
import { randomUUID } from 'node:crypto';
import { matchSelector, parseSelector, type Selector } from '../../lib/api/meta.js';
import { type FieldError, validateObject } from '../../lib/api/validation/index.js';
import { isAlreadyExists, isNotFound, messageOf } from '../../lib/errors/index.js';
import { isConflict, type KeyValue, type Store, type StoreEvent, type WatchHandle } from '../store/index.js';
import type { Admit } from './admission.js';
import type { AdmissionRequest, ServerAdmission } from './admission-plugins.js';
import { applyPatch, type PatchType } from './apply-patch.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { keepStoredVersions, toServedVersion, toStorageVersion } from './crd-conversion.js';
import { applyDefaults } from './defaults.js';
import {
  deletionHold,
  FOREGROUND_FINALIZER,
  finalizersOf,
  gcFinalizers,
  ORPHAN_FINALIZER,
  type PropagationPolicy,
} from './deletion.js';
import { type FieldRequirement, matchFields, parseFieldSelector } from './field-selector.js';
import { keepManagedFields, type Manager, recordWrite, schemaOf } from './managed-fields.js';
import {
  admissionName,
  beginTermination,
  IMMORTAL_NAMESPACES,
  immortalNamespaceError,
  isNamespace,
  NamespaceAdmission,
  namespaceFinalized,
  prepareNamespaceCreate,
  prepareNamespaceUpdate,
  validateNamespaceFinalizers,
} from './namespace-lifecycle.js';
import { carryOverMeta, generateName, metaOf, metaString, timestamp } from './object-meta.js';
import { isObject, type Json, type JsonObject, jsonEqual } from './patch.js';
import { hasOwner, withoutFinalizer, withoutOwner } from './propagation.js';
import { apiVersionOf, type ResourceInfo, type ResourceRegistry, tracksGeneration } from './resources.js';
import { setReplicas, toScale } from './scale.js';
import { allocatedValues, type RepairReport, ServiceAddresses } from './service-addresses.js';
import type { Ipv4Range } from './service-alloc.js';
import {
  ApiError,
  alreadyExistsError,
  badRequest,
  conflictError,
  expiredError,
  invalidError,
  notFoundError,
} from './status.js';

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

/** Watch event delivered to a sink. */
export interface WatchSink {
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: JsonObject): void;
  /** The watch failed (410 Expired, the store stopped, or an event could not be delivered). */
  error(err: unknown): void;
}

interface Filter {
  /** The type asked for: custom resources are converted to its version. */
  readonly served: ResourceInfo;
  readonly labels: Selector;
  readonly fields: readonly FieldRequirement[];
}

const clone = <T>(v: T): T => structuredClone(v);

const POLICIES: readonly string[] = ['Orphan', 'Background', 'Foreground'];

/** The request's propagation policy, from `propagationPolicy` or the deprecated `orphanDependents`. */
function propagationPolicyOf(options: DeleteOptions): PropagationPolicy | undefined {
  const policy = options.propagationPolicy;
  const problem = (field: string, reason: string, message: string): ApiError =>
    invalidError({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [{ reason, field, message }]);
  if (policy !== undefined && !POLICIES.includes(policy)) {
    throw problem(
      'propagationPolicy',
      'FieldValueNotSupported',
      `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  if (options.orphanDependents !== undefined) {
    // apimachinery ValidateDeleteOptions: the two may not be combined.
    if (policy !== undefined) {
      throw problem(
        'orphanDependents',
        'FieldValueInvalid',
        `Invalid value: ${options.orphanDependents}: orphanDependents and deletionPropagation cannot be both set`,
      );
    }
    return options.orphanDependents ? 'Orphan' : 'Background';
  }
  return policy as PropagationPolicy | undefined;
}

/** `o` without its resourceVersion: a server-side edit that retries on conflict. */
function unversioned(o: JsonObject): JsonObject {
  delete metaOf(o).resourceVersion;
  return o;
}

/** Generic storage for every resource type. */
export class RestStorage {
  readonly #o: RestOptions;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #addresses: ServiceAddresses;
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();
  readonly #namespaceAdmission: NamespaceAdmission;
  readonly #keyLocks = new KeyedSerializer();

  constructor(options: RestOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    this.#addresses = new ServiceAddresses({
      store: options.store,
      resources: options.resources,
      serviceRange: options.serviceRange,
      nodePortRange: options.nodePortRange,
      random: this.#random,
      now: this.#now,
      keyOf: (info, ns, name) => this.keyOf(info, ns, name),
      prefixOf: (info) => this.prefixOf(info, undefined),
    });
    const namespaces = options.resources.lookup('', 'v1', 'namespaces');
    this.#namespaceAdmission = new NamespaceAdmission({
      namespaces: namespaces ?? { group: '', plural: 'namespaces' },
      read: async (name) => {
        const kv = namespaces && (await this.#o.store.get(this.keyOf(namespaces, undefined, name)));
        return kv ? { revision: kv.modRevision, decode: () => this.decode(kv) } : undefined;
      },
    });
  }

  /** The store key of an object: `/registry/<prefix>/<ns>/<name>` (kube-apiserver layout). */
  keyOf(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return info.namespaced
      ? `${this.prefixOf(info, namespace)}${name}`
      : `/registry/${info.storagePrefix}/${name}`;
  }

  /** The key prefix of a list: all namespaces when `namespace` is undefined. */
  prefixOf(info: ResourceInfo, namespace: string | undefined): string {
    const base = `/registry/${info.storagePrefix}/`;
    return info.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  /** Decodes a stored value and stamps its resourceVersion. */
  decode(kv: Pick<KeyValue, 'value' | 'modRevision'>): JsonObject {
    const o = JSON.parse(kv.value) as JsonObject;
    metaOf(o).resourceVersion = String(kv.modRevision);
    return o;
  }

  /** A stored value decoded and converted to the version `info` serves (custom resources). */
  #read(info: ResourceInfo, kv: Pick<KeyValue, 'value' | 'modRevision'>): JsonObject {
    return toServedVersion(info, this.decode(kv));
  }

  /** The value to store: `o` in the storage version, without its resourceVersion. */
  #encode(info: ResourceInfo, o: JsonObject): string {
    return JSON.stringify(this.#storedForm(info, o));
  }

  /** The object as stored: in the storage version, without resourceVersion (the revision is). */
  #storedForm(info: ResourceInfo, o: JsonObject): JsonObject {
    const stored = toStorageVersion(info, o);
    const copy = { ...stored, metadata: { ...metaOf(stored) } };
    delete (copy.metadata as JsonObject).resourceVersion;
    return copy;
  }

  /** GET one object. */
  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<JsonObject> {
    const kv = await this.#o.store.get(this.keyOf(info, namespace, name));
    if (!kv) throw notFoundError(info, name);
    return this.#read(info, kv);
  }

  #filter(info: ResourceInfo, q: ListQuery): Filter {
    let labels: Selector = [];
    try {
      labels = parseSelector(q.labelSelector ?? '');
    } catch (err) {
      throw badRequest(`unable to parse requirement: ${messageOf(err)}`);
    }
    const selectable = info.selectableFields;
    return {
      served: info,
      labels,
      fields: parseFieldSelector(q.fieldSelector ?? '', info.plural, selectable ? { selectable } : {}),
    };
  }

  #matches(f: Filter, o: JsonObject): boolean {
    const labels = isObject(o.metadata) && isObject(o.metadata.labels) ? o.metadata.labels : undefined;
    return matchSelector(f.labels, labels as Record<string, string> | undefined) && matchFields(f.fields, o);
  }

  /** LIST, with label and field selectors and limit/continue paging. */
  async list(info: ResourceInfo, namespace: string | undefined, q: ListQuery = {}): Promise<JsonObject> {
    const filter = this.#filter(info, q);
    const prefix = this.prefixOf(info, namespace);
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    let after = q.continue ? decodeContinue(q.continue).start : undefined;
    const items: JsonObject[] = [];
    let revision = 0;
    let more = false;
    for (;;) {
      const page = await this.#o.store.list(prefix, {
        ...(limit ? { limit: Math.max(limit - items.length, 1) } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      revision = revision || page.revision;
      for (const kv of page.items) {
        const o = this.#read(info, kv);
        if (this.#matches(filter, o)) items.push(o);
        after = kv.key;
      }
      more = page.more;
      if (!more || (limit && items.length >= limit)) break;
    }
    const metadata: JsonObject = { resourceVersion: String(revision) };
    if (more && after !== undefined) metadata.continue = encodeContinue({ rv: revision, start: after });
    return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata, items };
  }

  /**
   * NamespaceLifecycle admission of a create in `namespace` (404 when it is missing, 403 while it
   * terminates); `name` is what the error names. The handler calls it for subresource creates.
   */
  admitCreate(info: ResourceInfo, namespace: string | undefined, name: string): Promise<void> {
    return this.#namespaceAdmission.admitCreate(info, namespace, name);
  }

  /** Admission of a request answered outside the generic verbs (a subresource create such as pods/eviction). */
  admit(info: ResourceInfo, request: Omit<AdmissionRequest, 'info'>): Promise<void> {
    return this.#o.admission?.({ ...request, info }) ?? Promise.resolve();
  }

  #admit(
    info: ResourceInfo,
    r: Omit<AdmissionRequest, 'info' | 'namespace' | 'subresource'> & {
      readonly namespace: string | undefined;
      readonly subresource?: string;
    },
  ): Promise<void> | undefined {
    return this.#o.admission?.({
      ...r,
      info,
      subresource: r.subresource ?? '',
      namespace: info.namespaced ? (r.namespace ?? '') : '',
    });
  }

  #validate(info: ResourceInfo, o: JsonObject, more: readonly FieldError[] = []): void {
    const errs = [
      ...more,
      ...validateObject(o, {
        group: info.custom ? '' : info.group,
        kind: info.custom ? '' : info.kind,
        namespaced: info.namespaced,
      }),
      ...(this.#o.extraValidation?.(info, o) ?? []),
    ];
    if (errs.length > 0) throw invalidError(info, metaString(o, 'name') ?? '', errs);
  }

  #checkType(info: ResourceInfo, body: JsonObject): void {
    const apiVersion = apiVersionOf(info);
    if (body.kind !== undefined && body.kind !== info.kind) {
      throw badRequest(
        `the kind "${String(body.kind)}" of the body does not match the resource ${info.kind}`,
      );
    }
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version "${String(body.apiVersion)}" of the body does not match ${apiVersion}`,
      );
    }
    body.kind = info.kind;
    body.apiVersion = apiVersion;
  }

  #checkNamespaceMatch(info: ResourceInfo, namespace: string | undefined, body: JsonObject): void {
    const meta = metaOf(body);
    if (!info.namespaced) return;
    if (meta.namespace === undefined || meta.namespace === '') meta.namespace = namespace ?? 'default';
    else if (namespace !== undefined && meta.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
  }

  /**
   * POST: creates an object. Takes ownership of `input` (a freshly decoded body): it is
   * completed in place and returned, which saves a deep copy per create.
   */
  async create(
    info: ResourceInfo,
    namespace: string | undefined,
    input: Json,
    options: WriteOptions = {},
  ): Promise<JsonObject> {
    if (!isObject(input)) throw badRequest('the body of the request must be a JSON object');
    const body = input;
    this.#checkType(info, body);
    this.#checkNamespaceMatch(info, namespace, body);
    const meta = metaOf(body);
    const ns = info.namespaced ? (meta.namespace as string) : undefined;
    // Admission runs before a generated name exists, so its error names the prefix.
    await this.admitCreate(info, ns, admissionName(body));
    if (
      (meta.name === undefined || meta.name === '') &&
      typeof meta.generateName === 'string' &&
      meta.generateName
    ) {
      meta.name = generateName(meta.generateName, this.#random);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.#now());
    if (tracksGeneration(info)) meta.generation = 1;
    else delete meta.generation;
    for (const f of [
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'managedFields',
      'selfLink',
    ]) {
      delete meta[f];
    }
    // Status is owned by controllers when a status subresource exists (PrepareForCreate).
    if (info.subresources.includes('status') && info.kind !== 'CustomResourceDefinition') delete body.status;
    if (options.manager !== undefined)
      recordWrite({}, body, schemaOf(info, body), options.manager, timestamp(this.#now()));
    applyDefaults(info.custom ? 'custom' : info.group, info.kind, body);
    if (isNamespace(info)) prepareNamespaceCreate(body);
    await this.#admit(info, { operation: 'CREATE', namespace: ns, name: meta.name as string, object: body });
    this.#validate(info, body, isNamespace(info) ? validateNamespaceFinalizers(body, 'create') : []);
    await options.admit?.({
      operation: 'CREATE',
      group: info.group,
      resource: info.plural,
      subresource: '',
      namespace: ns ?? '',
      name: meta.name as string,
      object: body,
    });
    const name = meta.name as string;
    if (options.dryRun) {
      // The dry-run store still answers AlreadyExists (apiserver's DryRunnableStorage.Create).
      if (await this.#o.store.get(this.keyOf(info, ns, name))) throw alreadyExistsError(info, name);
      if (info.group === '' && info.kind === 'Service')
        await this.#addresses.allocate(body, undefined, { dryRun: true });
      return body;
    }
    const write = async (): Promise<JsonObject> => {
      try {
        const value = this.#encode(info, body);
        const kv = await this.#o.store.create(this.keyOf(info, ns, name), value);
        // The stored value is `body` serialized: stamp the revision instead of parsing it back
        // (a custom resource is read back: converting to its storage version may prune).
        meta.resourceVersion = String(kv.modRevision);
        return info.versioning ? this.#read(info, { value, modRevision: kv.modRevision }) : body;
      } catch (err) {
        if (isAlreadyExists(err)) throw alreadyExistsError(info, name);
        throw err;
      }
    };
    if (info.group === '' && info.kind === 'Service') {
      return this.#addresses.withLock(async () => {
        // An existing name is 409 AlreadyExists, not "your ClusterIP is taken (by yourself)".
        if (await this.#o.store.get(this.keyOf(info, ns, name))) throw alreadyExistsError(info, name);
        const reserved = await this.#addresses.allocate(body, undefined);
        try {
          return await write();
        } catch (err) {
          await this.#addresses.release(reserved, meta.uid as string);
          throw err;
        }
      });
    }
    return write();
  }

  /**
   * Read-modify-write with optimistic concurrency (GuaranteedUpdate): `mutate` gets a copy of
   * the stored object; if the store moved meanwhile and the caller set no resourceVersion
   * precondition, the mutation is retried on the fresh object.
   */
  #update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    mutate: (current: JsonObject) => JsonObject,
    how: UpdateHow = {},
  ): Promise<JsonObject> {
    const subresource = how.subresource;
    const precondition = how.precondition ?? { from: 'result' };
    const dryRun = how.dryRun ?? false;
    const admitAs = how.admitAs;
    const admit = how.admit;
    // Writers of one key on this server take turns, so a burst of patches to one object does
    // not spin on store conflicts; conflicts now come only from other API servers on the store.
    const key = this.keyOf(info, namespace, name);
    return this.#keyLocks.run(key, () =>
      this.#updateOnce(info, {
        namespace,
        name,
        key,
        mutate,
        subresource,
        precondition,
        dryRun,
        admit,
        admitAs,
        manager: how.manager,
      }),
    );
  }

  async #updateOnce(
    info: ResourceInfo,
    args: {
      readonly namespace: string | undefined;
      readonly name: string;
      readonly key: string;
      readonly mutate: (current: JsonObject) => JsonObject;
      readonly subresource: 'status' | 'finalize' | undefined;
      readonly precondition: Precondition;
      readonly dryRun: boolean;
      readonly admit: UpdateHow['admit'];
      readonly admitAs: UpdateHow['admitAs'];
      readonly manager: UpdateHow['manager'];
    },
  ): Promise<JsonObject> {
    const { namespace, name, key, mutate, subresource, precondition, dryRun, admit, admitAs } = args;
    for (let attempt = 0; ; attempt++) {
      const kv = await this.#o.store.get(key);
      if (!kv) throw notFoundError(info, name);
      const current = this.#read(info, kv);
      const next = mutate(clone(current));
      const applied = metaOf(next).managedFields;
      const wanted =
        precondition.from === 'result' ? metaString(next, 'resourceVersion') : precondition.value;
      if (wanted !== undefined && wanted !== '' && wanted !== String(kv.modRevision))
        throw conflictError(info, name);
      this.#checkType(info, next);
      this.#checkNamespaceMatch(info, namespace, next);
      if (metaString(next, 'name') !== name) {
        throw badRequest(
          `the name of the object (${metaString(next, 'name') ?? ''}) does not match the name on the URL (${name})`,
        );
      }
      const merged = this.#mergeSubresource(info, current, next, subresource);
      const isNs = isNamespace(info);
      if (isNs) prepareNamespaceUpdate(merged, current, subresource ?? 'main');
      // Defaults first, so a write that only omits defaulted fields changes no generation.
      applyDefaults(info.custom ? 'custom' : info.group, info.kind, merged);
      carryOverMeta(merged, current, { generation: tracksGeneration(info) });
      keepManagedFields({
        merged,
        current,
        applied,
        type: schemaOf(info, current),
        who: args.manager,
        now: timestamp(this.#now()),
      });
      await this.#admit(info, {
        operation: admitAs?.operation ?? 'UPDATE',
        subresource: admitAs?.subresource ?? subresource ?? '',
        namespace,
        name,
        object: merged,
        oldObject: current,
      });
      this.#validate(
        info,
        merged,
        subresource === 'finalize' ? validateNamespaceFinalizers(merged, 'finalize') : [],
      );
      const updateErrs = this.#o.updateValidation?.(info, merged, current) ?? [];
      if (updateErrs.length > 0) throw invalidError(info, name, updateErrs);
      await admit?.({
        operation: 'UPDATE',
        group: info.group,
        resource: info.plural,
        subresource: subresource ?? '',
        namespace: namespace ?? '',
        name,
        object: merged,
        oldObject: current,
      });
      const isService = info.group === '' && info.kind === 'Service';
      if (dryRun) {
        // What would be stored, at the version it would replace (DryRunnableStorage.GuaranteedUpdate).
        if (isService && subresource === undefined)
          await this.#addresses.allocate(merged, current, { dryRun: true });
        metaOf(merged).resourceVersion = String(kv.modRevision);
        return merged;
      }
      const reserved =
        isService && subresource === undefined
          ? await this.#addresses.withLock(() => this.#addresses.allocate(merged, current))
          : [];
      const uid = metaString(current, 'uid') ?? '';
      // Finalizers gone on an object being deleted: the delete completes now (a namespace's
      // spec.finalizers too, storage.go ShouldDeleteNamespaceDuringUpdate).
      const finalizers = metaOf(merged).finalizers;
      if (
        metaString(merged, 'deletionTimestamp') !== undefined &&
        (!Array.isArray(finalizers) || finalizers.length === 0) &&
        (!isNs || namespaceFinalized(merged)) &&
        !this.#awaitingGrace(info, merged)
      ) {
        try {
          const gone = this.#read(info, await this.#o.store.delete(key, kv.modRevision));
          if (isService) await this.#addresses.release(allocatedValues(gone), uid);
          return gone;
        } catch (err) {
          if (isConflict(err) && wanted === undefined && attempt < 20) continue;
          throw err;
        }
      }
      // Field order is no change: a patch that removes a field the server puts back (a manifest's
      // `creationTimestamp: null`) moves it to the end without changing the object.
      if (jsonEqual(this.#storedForm(info, merged), this.#storedForm(info, current))) return current;
      try {
        const out = this.#read(
          info,
          await this.#o.store.update(key, this.#encode(info, merged), kv.modRevision),
        );
        if (isService) {
          const now = new Set(allocatedValues(out));
          await this.#addresses.release(
            allocatedValues(current).filter((v) => !now.has(v)),
            uid,
          );
        }
        return out;
      } catch (err) {
        await this.#addresses.release(reserved, uid);
        if (isConflict(err)) {
          if (wanted === undefined || wanted === '') {
            if (attempt < 20) continue;
          }
          throw conflictError(info, name);
        }
        if (isNotFound(err)) throw notFoundError(info, name);
        throw err;
      }
    }
  }

  /** A pod in its grace period stays until the kubelet confirms (grace 0) or the period ends. */
  #awaitingGrace(info: ResourceInfo, o: JsonObject): boolean {
    if (info.group !== '' || info.kind !== 'Pod') return false;
    const deadline = metaString(o, 'deletionTimestamp');
    const grace = metaOf(o).deletionGracePeriodSeconds;
    return (
      deadline !== undefined &&
      typeof grace === 'number' &&
      grace > 0 &&
      Date.parse(deadline) > this.#now().getTime()
    );
  }

  /** Main resource updates keep the stored status; status updates keep everything else. */
  #mergeSubresource(
    info: ResourceInfo,
    current: JsonObject,
    next: JsonObject,
    subresource: 'status' | 'finalize' | undefined,
  ): JsonObject {
    if (subresource === 'status') {
      const out = clone(current);
      if (next.status === undefined) delete out.status;
      else out.status = next.status;
      // Status writers may still touch labels and annotations, as in Kubernetes.
      metaOf(out).labels = metaOf(next).labels ?? null;
      metaOf(out).annotations = metaOf(next).annotations ?? null;
      for (const f of ['labels', 'annotations']) if (metaOf(out)[f] === null) delete metaOf(out)[f];
      metaOf(out).resourceVersion = metaString(next, 'resourceVersion') ?? '';
      return out;
    }
    if (info.subresources.includes('status') && info.kind !== 'CustomResourceDefinition') {
      if (current.status === undefined) delete next.status;
      else next.status = current.status;
    }
    if (info.kind === 'CustomResourceDefinition' && info.group === 'apiextensions.k8s.io')
      keepStoredVersions(next, current);
    return next;
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
    if (!isObject(input)) throw badRequest('the body of the request must be a JSON object');
    return this.#update(info, namespace, name, () => clone(input), {
      subresource,
      dryRun: options.dryRun ?? false,
      admit: options.admit,
      manager: options.manager,
    });
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
    // A patch is a precondition only when it names a resourceVersion itself; the version it
    // inherits from the stored object is not one, so a race with another writer is retried
    // (as Kubernetes' GuaranteedUpdate does) instead of answered with 409.
    const who = options.manager ?? { manager: 'unknown', operation: type === 'apply' ? 'Apply' : 'Update' };
    const apply = { who, now: timestamp(this.#now()) };
    return this.#update(
      info,
      namespace,
      name,
      (current) => applyPatch(current, type, body, info.custom, apply),
      {
        subresource,
        precondition: { from: 'request', value: patchResourceVersion(body) },
        dryRun: options.dryRun ?? false,
        admit: options.admit,
        manager: type === 'apply' ? who : options.manager,
      },
    );
  }

  /** GET …/scale: the autoscaling/v1 Scale view of a workload. */
  async getScale(info: ResourceInfo, namespace: string | undefined, name: string): Promise<JsonObject> {
    return toScale(await this.get(info, namespace, name), info.scalePaths);
  }

  /** PUT/PATCH …/scale: changes only spec.replicas. */
  async updateScale(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    change: (scale: JsonObject) => JsonObject,
    options: WriteOptions = {},
  ): Promise<JsonObject> {
    const out = await this.#update(
      info,
      namespace,
      name,
      (current) => {
        const scale = change(toScale(current, info.scalePaths));
        const replicas = isObject(scale.spec) ? scale.spec.replicas : undefined;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
          throw invalidError({ group: 'autoscaling', kind: 'Scale' }, name, [
            {
              reason: 'FieldValueInvalid',
              field: 'spec.replicas',
              message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
            },
          ]);
        }
        const next = clone(current);
        setReplicas(next, replicas, info.scalePaths);
        const rv = metaString(scale, 'resourceVersion');
        if (rv !== undefined) metaOf(next).resourceVersion = rv;
        return next;
      },
      { dryRun: options.dryRun ?? false, admitAs: { operation: 'UPDATE', subresource: 'scale' } },
    );
    return toScale(out, info.scalePaths);
  }

  /** POST pods/NAME/binding: assigns the pod to a node, once. */
  async bind(
    info: ResourceInfo,
    namespace: string,
    name: string,
    binding: Json,
    options: WriteOptions = {},
  ): Promise<void> {
    const target = isObject(binding) && isObject(binding.target) ? binding.target.name : undefined;
    if (typeof target !== 'string' || target === '') {
      throw invalidError({ group: '', kind: 'Binding' }, name, [
        { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
      ]);
    }
    await this.#update(
      info,
      namespace,
      name,
      (pod) => {
        const spec = isObject(pod.spec) ? pod.spec : {};
        if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
          throw conflictError(info, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
        }
        if (metaString(pod, 'deletionTimestamp') !== undefined) {
          throw conflictError(info, name, `pod ${name} is being deleted, cannot be assigned to a host`);
        }
        spec.nodeName = target;
        pod.spec = spec;
        return pod;
      },
      { dryRun: options.dryRun ?? false, admitAs: { operation: 'CREATE', subresource: 'binding' } },
    );
  }

  /**
   * DELETE. Returns the object and whether it is gone (200) or still terminating (202 when
   * finalizers or a pod's grace period hold it). A namespace's first DELETE only marks it
   * Terminating; it goes once spec.finalizers and metadata.finalizers are empty.
   */
  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<{ readonly object: JsonObject; readonly gone: boolean }> {
    const isNs = isNamespace(info);
    if (isNs && IMMORTAL_NAMESPACES.includes(name)) throw immortalNamespaceError(name);
    const key = this.keyOf(info, namespace, name);
    const policy = propagationPolicyOf(options);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.#o.store.get(key);
      if (!kv) throw notFoundError(info, name);
      const stored = this.#read(info, kv);
      const pre = options.preconditions;
      if (pre?.uid !== undefined && pre.uid !== metaString(stored, 'uid')) {
        throw conflictError(
          info,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${metaString(stored, 'uid') ?? ''}`,
        );
      }
      if (pre?.resourceVersion !== undefined && pre.resourceVersion !== String(kv.modRevision)) {
        throw conflictError(
          info,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${kv.modRevision}`,
        );
      }
      if (!options.admitted)
        await this.#admit(info, { operation: 'DELETE', namespace, name, oldObject: stored });
      await options.admit?.({
        operation: 'DELETE',
        group: info.group,
        resource: info.plural,
        subresource: '',
        namespace: namespace ?? '',
        name,
        oldObject: stored,
      });
      // The propagation policy becomes finalizers the garbage collector acts on.
      const finalizers = gcFinalizers(finalizersOf(stored), policy);
      if (isNs && metaString(stored, 'deletionTimestamp') === undefined) {
        // The first DELETE of a namespace only marks it; the namespace controller empties it.
        const next = beginTermination(stored, finalizers, this.#now());
        if (options.dryRun) return { object: next, gone: false };
        try {
          const out = this.#read(
            info,
            await this.#o.store.update(key, this.#encode(info, next), kv.modRevision),
          );
          this.#collectAfterDelete(info, out);
          return { object: out, gone: false };
        } catch (err) {
          if (isConflict(err) && attempt < 20) continue;
          throw err;
        }
      }
      // Later DELETEs answer with the namespace until spec.finalizers is empty.
      if (isNs && !namespaceFinalized(stored)) return { object: stored, gone: false };
      const current = clone(stored);
      if (finalizers.length > 0) metaOf(current).finalizers = finalizers;
      else delete metaOf(current).finalizers;
      const hold = deletionHold({ info, current, options, now: this.#now() });
      if (hold !== undefined) {
        const next = current;
        const meta = metaOf(next);
        meta.deletionTimestamp = hold.deadline;
        meta.deletionGracePeriodSeconds = hold.grace;
        if (options.dryRun) return { object: next, gone: false };
        // A repeated DELETE that changes nothing (the namespace controller deletes a pod in its
        // grace period on every pass) writes nothing and leaves the grace timer as it is, so
        // the pod still goes at its deadline.
        const unchanged = this.#encode(info, next) === this.#encode(info, stored);
        try {
          const out = unchanged
            ? stored
            : this.#read(info, await this.#o.store.update(key, this.#encode(info, next), kv.modRevision));
          if (hold.grace > 0 && !unchanged) this.#scheduleGrace(info, namespace, name, hold.grace);
          this.#collectAfterDelete(info, out);
          return { object: out, gone: false };
        } catch (err) {
          if (isConflict(err) && attempt < 20) continue;
          throw err;
        }
      }
      if (options.dryRun) return { object: stored, gone: true };
      try {
        const object = this.#read(info, await this.#o.store.delete(key, kv.modRevision));
        if (info.group === '' && info.kind === 'Service') {
          await this.#addresses.release(allocatedValues(object), metaString(object, 'uid') ?? '');
        }
        return { object, gone: true };
      } catch (err) {
        if (isConflict(err) && attempt < 20) continue;
        if (isNotFound(err)) throw notFoundError(info, name);
        throw err;
      }
    }
  }

  /**
   * The garbage collector's work that needs no controller, started once an owner is held
   * (garbagecollector.go orphanDependents / attemptToDeleteItem): under `orphan` every dependent
   * loses its owner reference to it, then the finalizer goes; under `foregroundDeletion` with no
   * dependents the finalizer goes at once. Dependents of a foreground owner are deleted by the
   * garbage collector controller (controlplane/controllers/gc.ts), which then drops the finalizer.
   */
  #collectAfterDelete(info: ResourceInfo, owner: JsonObject): void {
    const finalizers = finalizersOf(owner);
    const orphan = finalizers.includes(ORPHAN_FINALIZER);
    if (!orphan && !finalizers.includes(FOREGROUND_FINALIZER)) return;
    const uid = metaString(owner, 'uid') ?? '';
    const namespace = info.namespaced ? metaString(owner, 'namespace') : undefined;
    const name = metaString(owner, 'name') ?? '';
    const unlessGone = (err: unknown): undefined => {
      if (isNotFound(err) || (err instanceof ApiError && err.statusCode === 404)) return undefined;
      throw err;
    };
    const run = async (): Promise<void> => {
      const dependents = await this.#dependentsOf(uid, namespace);
      if (!orphan && dependents.length > 0) return;
      for (const d of dependents) {
        await this.#update(d.info, d.namespace, d.name, (o) => unversioned(withoutOwner(o, uid))).catch(
          unlessGone,
        );
      }
      const finalizer = orphan ? ORPHAN_FINALIZER : FOREGROUND_FINALIZER;
      await this.#update(info, namespace, name, (o) => unversioned(withoutFinalizer(o, finalizer))).catch(
        unlessGone,
      );
    };
    // Failures (store closed, the owner replaced) leave the finalizer: a later DELETE retries.
    void run().catch(() => undefined);
  }

  /**
   * Objects with an owner reference to `uid`: in `namespace` for a namespaced owner, anywhere for
   * a cluster-scoped one (a cluster-scoped object cannot have a namespaced owner).
   */
  async #dependentsOf(
    uid: string,
    namespace: string | undefined,
  ): Promise<{ info: ResourceInfo; namespace: string | undefined; name: string }[]> {
    const out: { info: ResourceInfo; namespace: string | undefined; name: string }[] = [];
    const seen = new Set<string>();
    for (const info of this.#o.resources.all()) {
      if ((namespace !== undefined && !info.namespaced) || info.virtual || seen.has(info.storagePrefix))
        continue;
      seen.add(info.storagePrefix);
      let after: string | undefined;
      for (;;) {
        const page = await this.#o.store.list(this.prefixOf(info, namespace), {
          limit: 500,
          ...(after !== undefined ? { after } : {}),
        });
        for (const kv of page.items) {
          after = kv.key;
          // A substring test first: most objects do not mention the uid at all.
          if (!kv.value.includes(uid)) continue;
          const o = JSON.parse(kv.value) as JsonObject;
          if (!hasOwner(o, uid)) continue;
          const ns = info.namespaced ? metaString(o, 'namespace') : undefined;
          out.push({ info, namespace: ns, name: metaString(o, 'name') ?? '' });
        }
        if (!page.more) break;
      }
    }
    return out;
  }

  #scheduleGrace(info: ResourceInfo, namespace: string | undefined, name: string, grace: number): void {
    const key = this.keyOf(info, namespace, name);
    if (this.#graceTimers.has(key)) clearTimeout(this.#graceTimers.get(key));
    const timer = setTimeout(
      () => {
        this.#graceTimers.delete(key);
        void this.delete(info, namespace, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      },
      grace * 1000 + 50,
    );
    timer.unref();
    this.#graceTimers.set(key, timer);
  }

  /** Re-arms grace timers after a restart: every pod past or within its grace period. */
  async resumeGracefulDeletions(): Promise<void> {
    const info = this.#o.resources.lookup('', 'v1', 'pods');
    if (!info) return;
    const pods = await this.#o.store.list(this.prefixOf(info, undefined));
    for (const kv of pods.items) {
      const pod = this.decode(kv);
      const deadline = metaString(pod, 'deletionTimestamp');
      if (deadline === undefined) continue;
      const left = Math.max(0, (Date.parse(deadline) - this.#now().getTime()) / 1000);
      this.#scheduleGrace(info, metaString(pod, 'namespace'), metaString(pod, 'name') ?? '', left);
    }
  }

  /**
   * Deletes Events older than `ttlMs` (kube-apiserver's --event-ttl, default 1 h, done there with
   * etcd leases); returns how many went. Age is taken from the last time the event was seen.
   */
  /** One pass of the Service address repair loop (leaked reservations, duplicates). */
  repairServiceAddresses(): Promise<RepairReport> {
    return this.#addresses.withLock(() => this.#addresses.repair());
  }

  async sweepEvents(ttlMs: number): Promise<number> {
    const info = this.#o.resources.lookup('', 'v1', 'events');
    if (!info) return 0;
    const cutoff = this.#now().getTime() - ttlMs;
    let removed = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#o.store.list(this.prefixOf(info, undefined), {
        limit: 500,
        ...(after !== undefined ? { after } : {}),
      });
      for (const kv of page.items) {
        after = kv.key;
        const ev = JSON.parse(kv.value) as JsonObject;
        const seen = [ev.lastTimestamp, ev.eventTime, metaOf(ev).creationTimestamp].find(
          (t) => typeof t === 'string',
        );
        if (typeof seen === 'string' && Date.parse(seen) < cutoff) {
          await this.#o.store.delete(kv.key, kv.modRevision).then(
            () => removed++,
            () => undefined,
          );
        }
      }
      if (!page.more) return removed;
    }
  }

  /**
   * WATCH: ADDED/MODIFIED/DELETED events after `resourceVersion` (or, when it is unset or "0",
   * synthetic ADDED events for the current state first). An object that stops matching the
   * selectors is reported DELETED, one that starts matching ADDED (apiserver's cacher does so).
   */
  async watch(
    info: ResourceInfo,
    namespace: string | undefined,
    q: ListQuery,
    sink: WatchSink,
  ): Promise<WatchHandle> {
    const filter = this.#filter(info, q);
    const prefix = this.prefixOf(info, namespace);
    let from: number;
    const rv = q.resourceVersion;
    if (rv === undefined || rv === '' || rv === '0') {
      const list = await this.#o.store.list(prefix);
      for (const kv of list.items) {
        const o = this.#read(info, kv);
        if (this.#matches(filter, o)) sink.event('ADDED', o);
      }
      from = list.revision;
    } else {
      from = Number(rv);
      if (!Number.isSafeInteger(from) || from < 0) throw badRequest(`invalid resource version: "${rv}"`);
    }
    return this.#o.store.watch(prefix, from, {
      onEvent: (e) => {
        // Called from the store's dispatch loop: a throw would cost every later watcher the event.
        try {
          this.#deliver(e, filter, sink);
        } catch (err) {
          sink.error(err);
        }
      },
      onError: (err) => sink.error(expiredError(messageOf(err))),
    });
  }

  /** Decoded objects per store event: one event reaches every watcher, decode it once. */
  readonly #decoded = new WeakMap<StoreEvent, { cur: JsonObject; prev: JsonObject | undefined }>();

  #deliver(e: StoreEvent, filter: Filter, sink: WatchSink): void {
    let d = this.#decoded.get(e);
    if (!d) {
      d = { cur: this.decode(e.kv), prev: e.prev ? this.decode(e.prev) : undefined };
      this.#decoded.set(e, d);
    }
    let cur: JsonObject;
    let prev: JsonObject | undefined;
    try {
      // Each watcher sees its own version of a custom resource; the decoded form is shared.
      cur = toServedVersion(filter.served, d.cur);
      prev = d.prev && toServedVersion(filter.served, d.prev);
    } catch (err) {
      sink.error(err instanceof ApiError ? err : new ApiError(500, 'InternalError', messageOf(err)));
      return;
    }
    const now = this.#matches(filter, cur);
    const before = prev !== undefined && this.#matches(filter, prev);
    if (e.type === 'delete') {
      if (now) sink.event('DELETED', cur);
      return;
    }
    if (prev === undefined) {
      if (now) sink.event('ADDED', cur);
    } else if (now && before) sink.event('MODIFIED', cur);
    else if (now) sink.event('ADDED', cur);
    else if (before) sink.event('DELETED', cur);
  }
}

/** How `#update` runs: on the main resource or its status, which precondition, dry or not. */
interface UpdateHow {
  readonly subresource?: 'status' | 'finalize' | undefined;
  readonly precondition?: Precondition;
  readonly dryRun?: boolean;
  readonly admit?: WriteOptions['admit'] | undefined;
  /** How admission sees the write when it is a subresource other than status (binding, scale). */
  readonly admitAs?: { readonly operation: 'CREATE' | 'UPDATE'; readonly subresource: string };
  readonly manager?: Manager | undefined;
}

/** Where an update's resourceVersion precondition comes from. */
type Precondition =
  | { readonly from: 'result' }
  | { readonly from: 'request'; readonly value: string | undefined };

/** The resourceVersion a patch body sets, if any (merge/strategic/apply bodies, or a JSON patch op). */
function patchResourceVersion(body: Json): string | undefined {
  if (Array.isArray(body)) {
    for (const op of body) {
      if (isObject(op) && op.path === '/metadata/resourceVersion' && typeof op.value === 'string')
        return op.value;
    }
    return undefined;
  }
  const meta = isObject(body) ? body.metadata : undefined;
  const rv = isObject(meta) ? meta.resourceVersion : undefined;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/** Runs tasks of the same key one after another (tasks of different keys run concurrently). */
class KeyedSerializer {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
