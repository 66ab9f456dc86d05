/**
 * Per-kind validation of whole objects: metadata rules plus the spec checks that matter for
 * this project (pod templates, service ports and types, workload selectors and replicas,
 * EndpointSlice address types, Ingress rules). Keyed by `group/Kind`.
 */

import { validateApiService } from './api-service.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { asArray, asRecord, asString } from './json.js';
import { dns1123SubdomainProblem } from './names.js';
import { type NameRule, validateObjectMeta } from './object-meta.js';
import { checkPort, checkProtocol, validatePodSpec } from './pod.js';
import { validatePodDisruptionBudget } from './pod-disruption-budget.js';
import { validatePriorityClass } from './priority-class.js';
import { validateWebhookConfiguration } from './webhook-configuration.js';

/** Validates one object of a kind. */
export type KindValidator = (obj: Record<string, unknown>) => FieldError[];

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

function validateService(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asRecord(obj.spec) ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(String(type))) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  const ports = asArray(spec.ports) ?? [];
  if (ports.length === 0 && type !== 'ExternalName' && spec.clusterIP !== 'None')
    errs.push(required('spec.ports'));
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const port = asRecord(p) ?? {};
    const path = `spec.ports[${i}]`;
    checkPort(`${path}.port`, port.port, errs);
    checkProtocol(`${path}.protocol`, port.protocol, errs);
    const tp = port.targetPort;
    if (typeof tp === 'number') checkPort(`${path}.targetPort`, tp, errs);
    if (ports.length > 1 && !asString(port.name)) errs.push(required(`${path}.name`));
    const np = port.nodePort;
    if (np !== undefined && np !== 0) {
      if (type === 'ClusterIP')
        errs.push(invalidValue(`${path}.nodePort`, np, "may not be used when `type` is 'ClusterIP'"));
      else checkPort(`${path}.nodePort`, np, errs);
    }
    const id = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (seen.has(id))
      errs.push({ reason: 'FieldValueDuplicate', field: `${path}`, message: `Duplicate value: ${id}` });
    seen.add(id);
  });
  for (const [k, v] of Object.entries(asRecord(spec.selector) ?? {})) {
    if (typeof v !== 'string') errs.push(invalidValue(`spec.selector[${k}]`, v, 'must be a string'));
  }
  if (type === 'ExternalName') {
    const name = asString(spec.externalName);
    if (!name) errs.push(required('spec.externalName'));
    else {
      const p = dns1123SubdomainProblem(name);
      if (p) errs.push(invalidValue('spec.externalName', name, p));
    }
  }
  return errs;
}

function validatePod(obj: Record<string, unknown>): FieldError[] {
  return validatePodSpec(obj.spec, 'spec');
}

/** Selector must be non-empty and match the template's labels (apps/v1 validation). */
function validateWorkload(obj: Record<string, unknown>, hasReplicas: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asRecord(obj.spec);
  if (!spec) return [required('spec')];
  if (hasReplicas && spec.replicas !== undefined) {
    const r = spec.replicas;
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) {
      errs.push(invalidValue('spec.replicas', r, 'must be greater than or equal to 0'));
    }
  }
  const selector = asRecord(spec.selector);
  const match = asRecord(selector?.matchLabels) ?? {};
  const exprs = asArray(selector?.matchExpressions) ?? [];
  if (!selector || (Object.keys(match).length === 0 && exprs.length === 0)) {
    errs.push(required('spec.selector'));
  }
  const template = asRecord(spec.template);
  if (!template) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels = asRecord(asRecord(template.metadata)?.labels) ?? {};
  for (const [k, v] of Object.entries(match)) {
    if (labels[k] !== v) {
      errs.push(
        invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'),
      );
      break;
    }
  }
  errs.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  return errs;
}

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

function validateEndpointSlice(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const t = obj.addressType;
  if (t === undefined) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(String(t))) errs.push(notSupported('addressType', t, ADDRESS_TYPES));
  (asArray(obj.endpoints) ?? []).forEach((e, i) => {
    const addrs = asArray(asRecord(e)?.addresses);
    if (!addrs || addrs.length === 0) errs.push(required(`endpoints[${i}].addresses`));
  });
  (asArray(obj.ports) ?? []).forEach((p, i) => {
    const port = asRecord(p) ?? {};
    if (port.port !== undefined) checkPort(`ports[${i}].port`, port.port, errs);
    checkProtocol(`ports[${i}].protocol`, port.protocol, errs);
  });
  return errs;
}

function validateIngress(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asRecord(obj.spec) ?? {};
  (asArray(spec.rules) ?? []).forEach((r, i) => {
    const rule = asRecord(r) ?? {};
    const host = asString(rule.host);
    if (host !== undefined) {
      const p = dns1123SubdomainProblem(host.startsWith('*.') ? host.slice(2) : host);
      if (p) errs.push(invalidValue(`spec.rules[${i}].host`, host, p));
    }
    (asArray(asRecord(rule.http)?.paths) ?? []).forEach((pth, j) => {
      const path = asRecord(pth) ?? {};
      const at = `spec.rules[${i}].http.paths[${j}]`;
      const type = path.pathType;
      if (type === undefined) errs.push(required(`${at}.pathType`));
      else if (!['Exact', 'Prefix', 'ImplementationSpecific'].includes(String(type))) {
        errs.push(notSupported(`${at}.pathType`, type, ['Exact', 'ImplementationSpecific', 'Prefix']));
      }
      const p = asString(path.path);
      if (p !== undefined && !p.startsWith('/'))
        errs.push(invalidValue(`${at}.path`, p, 'must be an absolute path'));
      if (!asRecord(path.backend)) errs.push(required(`${at}.backend`));
    });
  });
  return errs;
}

function validateNode(obj: Record<string, unknown>): FieldError[] {
  const cidr = asString(asRecord(obj.spec)?.podCIDR);
  if (cidr !== undefined && !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(cidr)) {
    return [invalidValue('spec.podCIDR', cidr, 'must be a valid CIDR')];
  }
  return [];
}

const NAME_RULES: Readonly<Record<string, NameRule>> = {
  '/Namespace': 'label',
  '/Service': 'label',
  '/Event': 'any',
  'coordination.k8s.io/Lease': 'subdomain',
  // RBAC names are path segments (ValidateRBACName): `system:kube-scheduler` is valid.
  'rbac.authorization.k8s.io/Role': 'any',
  'rbac.authorization.k8s.io/ClusterRole': 'any',
  'rbac.authorization.k8s.io/RoleBinding': 'any',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'any',
};

const SPEC_VALIDATORS: Readonly<Record<string, KindValidator>> = {
  '/Pod': validatePod,
  '/Service': validateService,
  '/Node': validateNode,
  'apps/Deployment': (o) => validateWorkload(o, true),
  'apps/ReplicaSet': (o) => validateWorkload(o, true),
  'apps/DaemonSet': (o) => validateWorkload(o, false),
  'discovery.k8s.io/EndpointSlice': validateEndpointSlice,
  'networking.k8s.io/Ingress': validateIngress,
  'scheduling.k8s.io/PriorityClass': validatePriorityClass,
  'policy/PodDisruptionBudget': validatePodDisruptionBudget,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': (o) =>
    validateWebhookConfiguration(o, false),
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': (o) => validateWebhookConfiguration(o, true),
  'apiregistration.k8s.io/APIService': validateApiService,
  'batch/Job': validateJob,
  'batch/CronJob': validateCronJob,
};

/** Validates a whole object of `group`/`kind`: metadata first, then the kind's own rules. */
export function validateObject(
  obj: Record<string, unknown>,
  options: { readonly group: string; readonly kind: string; readonly namespaced: boolean },
): FieldError[] {
  const key = `${options.group}/${options.kind}`;
  const errs = validateObjectMeta(obj.metadata, {
    namespaced: options.namespaced,
    nameRule: NAME_RULES[key] ?? 'subdomain',
  });
  const spec = SPEC_VALIDATORS[key];
  if (spec) errs.push(...spec(obj));
  return errs;
}

/** Rules comparing an update with the stored object (immutable fields), by `group/Kind`. */
const UPDATE_VALIDATORS: Readonly<
  Record<string, (obj: Record<string, unknown>, old: Record<string, unknown>) => FieldError[]>
> = {
  'batch/Job': validateJobUpdate,
};

/** Validates an update of `old` to `obj` beyond what `validateObject` checks. */
export function validateObjectUpdate(
  obj: Record<string, unknown>,
  old: Record<string, unknown>,
  options: { readonly group: string; readonly kind: string },
): FieldError[] {
  return UPDATE_VALIDATORS[`${options.group}/${options.kind}`]?.(obj, old) ?? [];
}
