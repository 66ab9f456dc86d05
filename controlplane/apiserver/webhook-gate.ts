/**
 * Admission webhooks are stored but not called yet. Until they are, a write that a webhook
 * matches (its rules, namespaceSelector and objectSelector, as kube-apiserver's webhook
 * dispatcher matches them) is refused when that webhook's failurePolicy is Fail, in the shape
 * kube-apiserver answers a webhook it cannot reach: 500 `Internal error occurred: failed
 * calling webhook "<name>": …`. failurePolicy Ignore lets the write through, as there. Writes
 * of the webhook configurations themselves are never subject to webhooks (upstream exempts
 * them so a broken webhook can always be removed).
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import type { LabelSelector } from '../../lib/api/meta.js';
import { matchSelector, selectorFromLabelSelector } from '../../lib/api/meta.js';
import type { AdmissionRequest } from './registry/types.js';
import { ApiError } from './status.js';

const EXEMPT_GROUP = 'admissionregistration.k8s.io';
const EXEMPT_RESOURCES = [
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
];

/** The webhooks that refuse when matched, in call order, and the namespace labels the selectors need. */
export interface WebhookSource {
  /** From `failingWebhooks`: recomputed only when a configuration changes. */
  readonly failing: readonly JsonObject[];
  namespaceLabels(name: string): Readonly<Record<string, string>>;
}

/** What one request looks like to a rule. */
export interface RuleTarget {
  readonly operation: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
}

function strings(v: Json | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const anyOf = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

/** Whether one rule (RuleWithOperations) matches: operations, groups, versions, resources, scope. */
export function ruleMatches(rule: JsonObject, t: RuleTarget): boolean {
  if (!anyOf(strings(rule.operations), t.operation)) return false;
  if (!anyOf(strings(rule.apiGroups), t.group)) return false;
  if (!anyOf(strings(rule.apiVersions), t.version)) return false;
  const resourceOk = strings(rule.resources).some((r) => {
    const slash = r.indexOf('/');
    const res = slash === -1 ? r : r.slice(0, slash);
    const sub = slash === -1 ? '' : r.slice(slash + 1);
    return (res === '*' || res === t.resource) && (sub === '*' || sub === t.subresource);
  });
  if (!resourceOk) return false;
  const scope = typeof rule.scope === 'string' ? rule.scope : '*';
  if (scope === 'Cluster') return t.namespace === '';
  if (scope === 'Namespaced') return t.namespace !== '';
  return true;
}

/** Whether labels satisfy a selector; an absent or empty selector matches everything. */
function selects(sel: Json | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!isJsonObject(sel)) return true;
  try {
    return matchSelector(selectorFromLabelSelector(sel as LabelSelector), labels);
  } catch {
    // Validation keeps bad selectors out; one that slips through matches nothing.
    return false;
  }
}

function labelsOf(o: JsonObject | undefined): Record<string, string> {
  const meta = o?.metadata;
  const labels = isJsonObject(meta) ? meta.labels : undefined;
  return isJsonObject(labels) ? (labels as Record<string, string>) : {};
}

/** Whether `hook` would be called for this request (rules, then namespace and object selectors). */
export function webhookMatches(
  hook: JsonObject,
  r: AdmissionRequest,
  namespaceLabels: (name: string) => Readonly<Record<string, string>>,
): boolean {
  const target: RuleTarget = {
    operation: r.operation,
    group: r.info.group,
    version: r.info.version,
    resource: r.info.plural,
    subresource: r.subresource,
    namespace: r.namespace,
  };
  const rules = Array.isArray(hook.rules) ? hook.rules.filter(isJsonObject) : [];
  if (!rules.some((rule) => ruleMatches(rule, target))) return false;
  // Cluster-scoped objects match any namespaceSelector; a Namespace is judged by its own labels.
  const isNamespace = r.info.group === '' && r.info.plural === 'namespaces';
  if (isNamespace) {
    if (!selects(hook.namespaceSelector, labelsOf(r.object ?? r.oldObject))) return false;
  } else if (r.namespace !== '' && !selects(hook.namespaceSelector, namespaceLabels(r.namespace))) {
    return false;
  }
  const objectOk =
    (r.object !== undefined && selects(hook.objectSelector, labelsOf(r.object))) ||
    (r.oldObject !== undefined && selects(hook.objectSelector, labelsOf(r.oldObject)));
  return objectOk;
}

/** The URL kube-apiserver would POST to, with the `?timeout=` it adds. */
function endpointOf(hook: JsonObject): string {
  const cc = isJsonObject(hook.clientConfig) ? hook.clientConfig : {};
  const timeout = `?timeout=${typeof hook.timeoutSeconds === 'number' ? hook.timeoutSeconds : 10}s`;
  if (typeof cc.url === 'string') return `${cc.url}${timeout}`;
  const svc = isJsonObject(cc.service) ? cc.service : {};
  const port = typeof svc.port === 'number' ? svc.port : 443;
  const path = typeof svc.path === 'string' ? svc.path : '';
  return `https://${String(svc.name ?? '')}.${String(svc.namespace ?? '')}.svc:${port}${path}${timeout}`;
}

/** The 500 kube-apiserver answers when a Fail webhook cannot be called. */
function webhookCallError(name: string, endpoint: string): ApiError {
  const cause = `failed calling webhook "${name}": failed to call webhook: Post "${endpoint}": this API server does not call admission webhooks yet`;
  return new ApiError(500, 'InternalError', `Internal error occurred: ${cause}`, {
    causes: [{ message: cause }],
  });
}

function configsInOrder(list: readonly JsonObject[]): JsonObject[] {
  const name = (o: JsonObject): string => (isJsonObject(o.metadata) ? String(o.metadata.name ?? '') : '');
  return [...list].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}

/**
 * The webhooks whose failurePolicy is Fail (the default), in the order kube-apiserver calls
 * them: mutating configurations first, each set in name order, webhooks in list order.
 */
export function failingWebhooks(
  mutating: Iterable<JsonObject>,
  validating: Iterable<JsonObject>,
): JsonObject[] {
  const out: JsonObject[] = [];
  for (const configs of [mutating, validating]) {
    for (const config of configsInOrder([...configs])) {
      const hooks = Array.isArray(config.webhooks) ? config.webhooks.filter(isJsonObject) : [];
      for (const hook of hooks) if ((hook.failurePolicy ?? 'Fail') === 'Fail') out.push(hook);
    }
  }
  return out;
}

/** Refuses the write when one of the failing webhooks matches it. */
export function checkWebhooks(r: AdmissionRequest, source: WebhookSource): void {
  if (source.failing.length === 0) return;
  if (r.info.group === EXEMPT_GROUP && EXEMPT_RESOURCES.includes(r.info.plural)) return;
  for (const hook of source.failing) {
    if (!webhookMatches(hook, r, (n) => source.namespaceLabels(n))) continue;
    throw webhookCallError(String(hook.name ?? ''), endpointOf(hook));
  }
}

function setDefault(o: JsonObject, key: string, value: Json): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** admissionregistration/v1 defaults (SetDefaults_ValidatingWebhook, _MutatingWebhook, _Rule, _ServiceReference). */
export function defaultWebhookConfiguration(o: JsonObject, mutating: boolean): void {
  const hooks = Array.isArray(o.webhooks) ? o.webhooks.filter(isJsonObject) : [];
  for (const hook of hooks) {
    setDefault(hook, 'failurePolicy', 'Fail');
    setDefault(hook, 'matchPolicy', 'Equivalent');
    setDefault(hook, 'namespaceSelector', {});
    setDefault(hook, 'objectSelector', {});
    setDefault(hook, 'timeoutSeconds', 10);
    if (mutating) setDefault(hook, 'reinvocationPolicy', 'Never');
    for (const rule of Array.isArray(hook.rules) ? hook.rules.filter(isJsonObject) : [])
      setDefault(rule, 'scope', '*');
    const cc = hook.clientConfig;
    if (isJsonObject(cc) && isJsonObject(cc.service)) setDefault(cc.service, 'port', 443);
  }
}
