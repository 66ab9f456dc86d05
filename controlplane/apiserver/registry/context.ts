/**
 * What every verb of the generic registry works with: the store, the resource table, the
 * clock and random source, the server's admission and extra validation, the namespace
 * admission every create passes, the per-key write turns and what kind strategies may use
 * (Service address reservations). Built once per server by the RestStorage facade (rest.ts).
 */
import type { Store } from '../../store/index.js';
import type { NamespaceAdmission } from '../namespace-lifecycle.js';
import type { ResourceRegistry } from '../resources.js';
import type { StrategyContext } from '../strategies/types.js';
import type { KeyedSerializer } from './key-locks.js';
import type { RestOptions } from './types.js';

/** The generic registry's state, shared by its verbs. */
export interface RegistryContext {
  readonly admission: RestOptions['admission'] | undefined;
  readonly extraValidation: RestOptions['extraValidation'] | undefined;
  readonly updateValidation: RestOptions['updateValidation'] | undefined;
  readonly store: Store;
  readonly resources: ResourceRegistry;
  readonly now: () => Date;
  readonly random: () => number;
  readonly namespaceAdmission: NamespaceAdmission;
  readonly keyLocks: KeyedSerializer;
  readonly strategy: StrategyContext;
}
