/** admissionregistration.k8s.io/v1 in the JSON wire shape (k8s.io/api/admissionregistration/v1/types.go). */
import type { KubeObject, LabelSelector } from './meta.js';

/** Operations a rule matches (`*` for all). */
export type OperationType = '*' | 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Which objects a webhook sees: all five lists must match. */
export interface RuleWithOperations {
  operations?: OperationType[];
  apiGroups?: string[];
  apiVersions?: string[];
  /** `pods`, `pods/status`, `*`, `*\/scale`, `pods/*`. */
  resources?: string[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

/** Where the webhook listens: a URL or an in-cluster Service. */
export interface WebhookClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
}

/** One webhook of a Validating- or MutatingWebhookConfiguration. */
export interface Webhook {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: 'Ignore' | 'Fail';
  matchPolicy?: 'Exact' | 'Equivalent';
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects: 'None' | 'NoneOnDryRun' | 'Some' | 'Unknown';
  timeoutSeconds?: number;
  admissionReviewVersions: string[];
  /** Mutating webhooks only. */
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  matchConditions?: { name: string; expression: string }[];
}

/** A ValidatingWebhookConfiguration or MutatingWebhookConfiguration. */
export interface WebhookConfiguration extends KubeObject {
  webhooks?: Webhook[];
}
