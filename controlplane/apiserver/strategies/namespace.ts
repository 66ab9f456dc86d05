/**
 * The Namespace strategy: its rules (namespace-lifecycle.ts) at the generic registry's hooks —
 * the `kubernetes` finalizer from create on, which only `finalize` changes; spec.finalizers
 * validated on create and finalize; `default`, `kube-system` and `kube-public` never deleted;
 * the two-step DELETE (the first marks it Terminating, it goes once spec.finalizers is empty).
 */
import {
  beginTermination,
  IMMORTAL_NAMESPACES,
  immortalNamespaceError,
  namespaceFinalized,
  prepareNamespaceCreate,
  prepareNamespaceUpdate,
  validateNamespaceFinalizers,
} from '../namespace-lifecycle.js';
import { metaString } from '../object-meta.js';
import type { KindStrategy } from './types.js';

/** core/v1 Namespace. */
export const namespaceStrategy: KindStrategy = {
  prepareForCreate: prepareNamespaceCreate,
  prepareForUpdate: prepareNamespaceUpdate,
  validate: (ns, write) =>
    write === 'create' || write === 'finalize' ? validateNamespaceFinalizers(ns, write) : [],
  checkDelete(name) {
    if (IMMORTAL_NAMESPACES.includes(name)) throw immortalNamespaceError(name);
  },
  beginDelete(stored, finalizers, now) {
    // The first DELETE of a namespace only marks it; the namespace controller empties it.
    if (metaString(stored, 'deletionTimestamp') === undefined)
      return { mark: beginTermination(stored, finalizers, now()) };
    // Later DELETEs answer with the namespace until spec.finalizers is empty.
    return namespaceFinalized(stored) ? undefined : { wait: true };
  },
  deletionPending: (ns) => !namespaceFinalized(ns),
};
