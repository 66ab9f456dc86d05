/**
 * The CustomResourceDefinition strategy: a CRD's writes carry its status (its `storedVersions`
 * among it), and an update keeps every version ever stored listed in status.storedVersions
 * (crd-conversion.ts), so objects stored in a version no one serves stay readable.
 */
import { keepStoredVersions } from '../crd-conversion.js';
import type { KindStrategy } from './types.js';

/** apiextensions.k8s.io CustomResourceDefinition. */
export const crdStrategy: KindStrategy = {
  mainWritesStatus: true,
  prepareForUpdate(next, current, write) {
    if (write !== 'status') keepStoredVersions(next, current);
  },
};
