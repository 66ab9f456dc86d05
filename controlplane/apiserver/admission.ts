/**
 * Admission: what a write is about to do, shown to checks that may refuse it before it is
 * stored (apiserver's admission.Attributes, the part the plugins here need). RestStorage calls
 * the `admit` of a write's options with the object as it would be stored and, for updates and
 * deletes, the stored one; the handler calls it for subresources it answers itself.
 */
import type { JsonObject } from '../../lib/api/json.js';

/** One write, as admission sees it. */
export interface AdmissionAttributes {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  /** The object's name ('' on a create whose body has none). */
  readonly name: string;
  /** The new object (create, update) or the request body (a subresource create). */
  readonly object?: JsonObject;
  /** The stored object (update, delete). */
  readonly oldObject?: JsonObject;
}

/** Resolves to accept the write; rejects (an ApiError) to refuse it. */
export type Admit = (attributes: AdmissionAttributes) => Promise<void>;
