/**
 * Namespaces as kube-apiserver keeps them: the registry strategy
 * (pkg/registry/core/namespace/strategy.go: `kubernetes` in spec.finalizers from create on, which
 * only the `finalize` subresource changes), the two-step DELETE of its storage.go (the first call
 * marks the namespace Terminating; it is removed only once spec.finalizers and
 * metadata.finalizers are both empty), and the NamespaceLifecycle admission plugin
 * (apiserver/pkg/admission/plugin/namespace/lifecycle: nothing new in a terminating namespace,
 * nothing in a missing one, the system namespaces never deleted). Emptying a terminating
 * namespace is the namespace controller's job (controlplane/controllers/namespace.ts).
 *
 * Pure, except `NamespaceAdmission`, which reads namespaces through the function it is given.
 */

import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { formatTime } from '../../lib/api/time.js';
import { type FieldError, invalidValue, qualifiedNameProblem } from '../../lib/api/validation/index.js';
import { metaOf, metaString } from './object-meta.js';
import { qualifiedResource, type ResourceInfo } from './resources.js';
import { ApiError, notFoundError } from './status.js';

/** The finalizer the namespace controller owns (core/v1 FinalizerKubernetes). */
export const KUBERNETES_FINALIZER = 'kubernetes';

/** Namespaces NamespaceLifecycle never lets go (kube-apiserver's default immortal set). */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

/** Finalizer names valid without a domain prefix (core validation's standardFinalizers). */
const STANDARD_FINALIZERS: readonly string[] = [KUBERNETES_FINALIZER, 'orphan', 'foregroundDeletion'];

/** How a namespace is written: the main resource, `/status` or `/finalize`. */
export type NamespaceWrite = 'main' | 'status' | 'finalize';

/** True for core/v1 Namespace. */
export function isNamespace(info: Pick<ResourceInfo, 'group' | 'kind'>): boolean {
  return info.group === '' && info.kind === 'Namespace';
}

/** The string entries of `spec.finalizers` (absent or malformed: none). */
export function specFinalizersOf(ns: JsonObject): string[] {
  const f = isJsonObject(ns.spec) ? ns.spec.finalizers : undefined;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

function specOf(ns: JsonObject): JsonObject {
  if (!isJsonObject(ns.spec)) ns.spec = {};
  return ns.spec as JsonObject;
}

/** PrepareForCreate: a new namespace is Active and carries the `kubernetes` finalizer. */
export function prepareNamespaceCreate(ns: JsonObject): void {
  ns.status = { phase: 'Active' };
  const finalizers = specFinalizersOf(ns);
  if (!finalizers.includes(KUBERNETES_FINALIZER)) finalizers.push(KUBERNETES_FINALIZER);
  specOf(ns).finalizers = finalizers;
}

/**
 * PrepareForUpdate of the three namespace strategies: a main update keeps the stored
 * spec.finalizers and status, a status update the stored spec, a finalize the stored status.
 * `next` is what the generic update made of the request; it is changed in place.
 */
export function prepareNamespaceUpdate(next: JsonObject, current: JsonObject, how: NamespaceWrite): void {
  if (how === 'status') {
    if (current.spec === undefined) delete next.spec;
    else next.spec = structuredClone(current.spec);
    return;
  }
  if (current.status === undefined) delete next.status;
  else next.status = structuredClone(current.status);
  if (how === 'main') {
    const kept = specFinalizersOf(current);
    if (kept.length > 0) specOf(next).finalizers = kept;
    else if (isJsonObject(next.spec)) delete next.spec.finalizers;
  }
}

/**
 * spec.finalizers checks (core validation's validateFinalizerName): a qualified name, and a
 * domain-prefixed one unless it is a standard finalizer. A create reports the list's path, a
 * finalize each entry's, as kube-apiserver does.
 */
export function validateNamespaceFinalizers(ns: JsonObject, how: 'create' | 'finalize'): FieldError[] {
  const out: FieldError[] = [];
  const raw = isJsonObject(ns.spec) ? ns.spec.finalizers : undefined;
  if (raw !== undefined && raw !== null && (!Array.isArray(raw) || raw.some((f) => typeof f !== 'string'))) {
    // Not a list of names at all: never read as "no finalizers left".
    return [invalidValue('spec.finalizers', raw, 'must be a list of finalizer names')];
  }
  specFinalizersOf(ns).forEach((name, i) => {
    const field = how === 'create' ? 'spec.finalizers' : `spec.finalizers[${i}]`;
    const problem =
      qualifiedNameProblem(name) ??
      (!name.includes('/') && !STANDARD_FINALIZERS.includes(name)
        ? 'name is neither a standard finalizer name nor is it fully qualified'
        : undefined);
    if (problem !== undefined) out.push(invalidValue(field, name, problem));
  });
  return out;
}

/** True once nothing in spec.finalizers holds the namespace (storage.go's `finalized`). */
export function namespaceFinalized(ns: JsonObject): boolean {
  return specFinalizersOf(ns).length === 0;
}

/** True when the namespace's status says Terminating (what admission looks at). */
export function isTerminating(ns: JsonObject): boolean {
  return isJsonObject(ns.status) && ns.status.phase === 'Terminating';
}

/**
 * The first DELETE of a namespace: deletionTimestamp set, phase Terminating, and
 * metadata.finalizers as the propagation policy asks (`finalizers`, computed by the caller).
 * No grace period: namespaces have none.
 */
export function beginTermination(current: JsonObject, finalizers: readonly string[], now: Date): JsonObject {
  const next = structuredClone(current);
  const meta = metaOf(next);
  if (meta.deletionTimestamp === undefined) meta.deletionTimestamp = formatTime(now);
  if (finalizers.length > 0) meta.finalizers = [...finalizers];
  else delete meta.finalizers;
  next.status = { ...(isJsonObject(next.status) ? next.status : {}), phase: 'Terminating' };
  return next;
}

/** 403 for a DELETE of `default`, `kube-system` or `kube-public`. */
export function immortalNamespaceError(name: string): ApiError {
  return new ApiError(
    403,
    'Forbidden',
    `namespaces "${name}" is forbidden: this namespace may not be deleted`,
    {
      name,
      kind: 'namespaces',
    },
  );
}

/**
 * NamespaceLifecycle's 403 for a create in a terminating namespace (admission.NewForbidden plus
 * the NamespaceTerminating cause clients such as `kubectl drain` look for). `name` is the
 * object's name, else its generateName, else `Unknown` (admission runs before names are made).
 */
export function terminatingNamespaceError(
  res: Pick<ResourceInfo, 'group' | 'plural'>,
  namespace: string,
  name: string,
): ApiError {
  return new ApiError(
    403,
    'Forbidden',
    `${qualifiedResource(res)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    {
      name,
      ...(res.group !== '' ? { group: res.group } : {}),
      kind: res.plural,
      causes: [
        {
          reason: 'NamespaceTerminating',
          message: `namespace ${namespace} is being terminated`,
          field: 'metadata.namespace',
        },
      ],
    },
  );
}

/** The name admission reports for a create body: name, else generateName, else `Unknown`. */
export function admissionName(body: JsonObject): string {
  return metaString(body, 'name') || metaString(body, 'generateName') || 'Unknown';
}

/** One namespace as stored: its revision and decoded object. */
export interface StoredNamespace {
  readonly revision: number;
  readonly decode: () => JsonObject;
}

/**
 * NamespaceLifecycle for creates: every create in a namespace (subresources such as
 * pods/binding, pods/eviction and serviceaccounts/token included) reads the namespace; a
 * missing one is 404 `namespaces "x" not found`, a terminating one the 403 above. Each stored
 * revision of a namespace is parsed once.
 */
export class NamespaceAdmission {
  readonly #read: (name: string) => Promise<StoredNamespace | undefined>;
  readonly #namespaces: Pick<ResourceInfo, 'group' | 'plural'>;
  readonly #seen = new Map<string, { revision: number; terminating: boolean }>();

  constructor(options: {
    readonly read: (name: string) => Promise<StoredNamespace | undefined>;
    readonly namespaces: Pick<ResourceInfo, 'group' | 'plural'>;
  }) {
    this.#read = options.read;
    this.#namespaces = options.namespaces;
  }

  /** Throws unless an object named `name` (see `admissionName`) may be created in `namespace`. */
  async admitCreate(
    res: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>,
    namespace: string | undefined,
    name: string,
  ): Promise<void> {
    if (!res.namespaced || namespace === undefined) return;
    const stored = await this.#read(namespace);
    if (!stored) {
      this.#seen.delete(namespace);
      throw notFoundError(this.#namespaces, namespace);
    }
    let state = this.#seen.get(namespace);
    if (state?.revision !== stored.revision) {
      state = { revision: stored.revision, terminating: isTerminating(stored.decode()) };
      this.#seen.set(namespace, state);
    }
    if (state.terminating) throw terminatingNamespaceError(res, namespace, name);
  }
}
