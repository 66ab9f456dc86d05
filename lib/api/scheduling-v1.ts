/** scheduling.k8s.io/v1 in the JSON wire shape (k8s.io/api/scheduling/v1/types.go). */
import type { KubeObject } from './meta.js';

/** Whether pods of a class may preempt lower-priority pods. */
export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';

/** A cluster-scoped name → priority value mapping pods refer to by `spec.priorityClassName`. */
export interface PriorityClass extends KubeObject {
  value: number;
  globalDefault?: boolean;
  description?: string;
  preemptionPolicy?: PreemptionPolicy;
}

/** Highest value a class not named `system-…` may have. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** Prefix of the names reserved for the built-in classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

/** The built-in classes every cluster has (name → value), as kube-apiserver creates them. */
export const SYSTEM_PRIORITY_CLASSES: readonly {
  readonly name: string;
  readonly value: number;
  readonly description: string;
}[] = [
  {
    name: 'system-node-critical',
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: 2_000_000_000,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];
