/** policy/v1 in the JSON wire shape (k8s.io/api/policy/v1/types.go). */
import type { IntOrString } from './core-v1.js';
import type { KubeObject, LabelSelector } from './meta.js';

/** policy/v1 PodDisruptionBudget. */
export interface PodDisruptionBudget extends KubeObject {
  spec: {
    minAvailable?: IntOrString;
    maxUnavailable?: IntOrString;
    selector?: LabelSelector;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: PodDisruptionBudgetStatus;
}

/** meta/v1 Condition (the shape of a PodDisruptionBudget's conditions). */
export interface MetaCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** What the disruption controller last observed. */
export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pod name → time the eviction subresource let it go, until the controller sees it gone. */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: MetaCondition[];
}

/** The `DisruptionAllowed` condition type and the cause type of an eviction refused by a budget. */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';

/** policy/v1 Eviction: the body POSTed to pods/NAME/eviction. */
export interface Eviction extends KubeObject {
  /** meta/v1 DeleteOptions for the pod's delete (grace period, preconditions). */
  deleteOptions?: Record<string, unknown>;
}
