/**
 * admissionregistration.k8s.io/v1 Validating/MutatingWebhookConfiguration validation
 * (pkg/apis/admissionregistration/validation, the v1 rules: sideEffects and
 * admissionReviewVersions required).
 */
import { duplicate, type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { asArray, asRecord, asString } from './json.js';
import { validateLabelSelector } from './label-selector.js';
import { dns1123LabelProblem, dns1123SubdomainProblem } from './names.js';

const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const SIDE_EFFECTS_V1 = ['None', 'NoneOnDryRun'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const REINVOCATION = ['IfNeeded', 'Never'];
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

function strings(v: unknown): string[] {
  return (asArray(v) ?? []).map((x) => (typeof x === 'string' ? x : String(x)));
}

function validateRule(rule: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ops = strings(rule.operations);
  if (ops.length === 0) errs.push(required(`${path}.operations`));
  if (ops.length > 1 && ops.includes('*'))
    errs.push(
      invalidValue(`${path}.operations`, ops, "if '*' is present, must not specify other operations"),
    );
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(notSupported(`${path}.operations[${i}]`, op, OPERATIONS));
  });
  for (const list of ['apiGroups', 'apiVersions'] as const) {
    const values = strings(rule[list]);
    if (values.length === 0) errs.push(required(`${path}.${list}`));
    if (values.length > 1 && values.includes('*'))
      errs.push(
        invalidValue(`${path}.${list}`, values, "if '*' is present, must not specify other API groups"),
      );
  }
  const resources = strings(rule.resources);
  if (resources.length === 0) errs.push(required(`${path}.resources`));
  resources.forEach((r, i) => {
    if (r === '') errs.push(required(`${path}.resources[${i}]`));
    else if (r.split('/').length > 2)
      errs.push(
        invalidValue(`${path}.resources[${i}]`, r, 'must be of the form resource or resource/subresource'),
      );
  });
  if (rule.scope !== undefined && !SCOPES.includes(String(rule.scope)))
    errs.push(notSupported(`${path}.scope`, rule.scope, SCOPES));
  return errs;
}

function validateClientConfig(cc: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const url = asString(cc?.url);
  const service = asRecord(cc?.service);
  if ((url === undefined) === (service === undefined)) {
    errs.push(required(path, 'exactly one of url or service is required'));
    return errs;
  }
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      errs.push(invalidValue(`${path}.url`, url, 'host must be specified'));
    }
    if (parsed && parsed.protocol !== 'https:')
      errs.push(invalidValue(`${path}.url`, url, "'https' is the only allowed URL scheme"));
    if (parsed && (parsed.hash !== '' || parsed.search !== ''))
      errs.push(invalidValue(`${path}.url`, url, 'fragments and query parameters are not permitted'));
  }
  if (service) {
    const name = asString(service.name);
    const namespace = asString(service.namespace);
    if (!name) errs.push(required(`${path}.service.name`, 'service name is required'));
    else {
      const p = dns1123LabelProblem(name);
      if (p) errs.push(invalidValue(`${path}.service.name`, name, p));
    }
    if (!namespace) errs.push(required(`${path}.service.namespace`, 'service namespace is required'));
    const svcPath = asString(service.path);
    if (svcPath !== undefined && !svcPath.startsWith('/'))
      errs.push(invalidValue(`${path}.service.path`, svcPath, "must start with a '/'"));
    const port = service.port;
    if (
      port !== undefined &&
      (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    )
      errs.push(
        invalidValue(
          `${path}.service.port`,
          port,
          'port is not valid: must be between 1 and 65535, inclusive',
        ),
      );
  }
  return errs;
}

function validateWebhook(hook: Record<string, unknown>, path: string, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = asString(hook.name) ?? '';
  if (name === '') errs.push(required(`${path}.name`));
  else {
    const p = dns1123SubdomainProblem(name);
    if (p) errs.push(invalidValue(`${path}.name`, name, p));
    else if (name.split('.').length < 3)
      errs.push(
        invalidValue(
          `${path}.name`,
          name,
          'should be a domain with at least three segments separated by dots',
        ),
      );
  }
  (asArray(hook.rules) ?? []).forEach((r, i) => {
    errs.push(...validateRule(asRecord(r) ?? {}, `${path}.rules[${i}]`));
  });
  const fp = hook.failurePolicy;
  if (fp !== undefined && !FAILURE_POLICIES.includes(String(fp)))
    errs.push(notSupported(`${path}.failurePolicy`, fp, FAILURE_POLICIES));
  const mp = hook.matchPolicy;
  if (mp !== undefined && !MATCH_POLICIES.includes(String(mp)))
    errs.push(notSupported(`${path}.matchPolicy`, mp, MATCH_POLICIES));
  const se = hook.sideEffects;
  if (se === undefined || se === null || se === '')
    errs.push(required(`${path}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
  else if (!SIDE_EFFECTS_V1.includes(String(se)))
    errs.push(notSupported(`${path}.sideEffects`, se, SIDE_EFFECTS_V1));
  const versions = strings(hook.admissionReviewVersions);
  if (versions.length === 0 || !versions.some((v) => REVIEW_VERSIONS.includes(v)))
    errs.push(required(`${path}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const p = dns1123LabelProblem(v);
    if (p) errs.push(invalidValue(`${path}.admissionReviewVersions[${i}]`, v, p));
    if (seen.has(v)) errs.push(duplicate(`${path}.admissionReviewVersions[${i}]`, v));
    seen.add(v);
  });
  const timeout = hook.timeoutSeconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || timeout < 1 || timeout > 30))
    errs.push(
      invalidValue(`${path}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'),
    );
  errs.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
  errs.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`));
  errs.push(...validateClientConfig(asRecord(hook.clientConfig), `${path}.clientConfig`));
  if (
    mutating &&
    hook.reinvocationPolicy !== undefined &&
    !REINVOCATION.includes(String(hook.reinvocationPolicy))
  )
    errs.push(notSupported(`${path}.reinvocationPolicy`, hook.reinvocationPolicy, REINVOCATION));
  return errs;
}

/** Problems of a ValidatingWebhookConfiguration (`mutating` false) or MutatingWebhookConfiguration. */
export function validateWebhookConfiguration(obj: Record<string, unknown>, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (asArray(obj.webhooks) ?? []).forEach((h, i) => {
    const hook = asRecord(h) ?? {};
    const path = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook, path, mutating));
    const name = asString(hook.name);
    if (name && names.has(name)) errs.push(duplicate(`${path}.name`, name));
    if (name) names.add(name);
  });
  return errs;
}
