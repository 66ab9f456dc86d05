/**
 * Server-side defaults, applied on create and update before validation, as the Kubernetes
 * defaulters do (k8s.io/kubernetes pkg/apis/<group>/v1/defaults.go). Only the fields clients and the
 * other components of this project read are defaulted.
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { formatTime } from '../../lib/api/time.js';
import { defaultApiService } from './api-services.js';
import { defaultCronJob, defaultJob } from './batch-defaults.js';
import { storedVersionsOf } from './crd-conversion.js';
import { defaultPodDisruptionBudget } from './disruption-budgets.js';
import { defaultPriorityClass } from './priority.js';
import { defaultBinding } from './rbac/validation.js';
import { defaultWebhookConfiguration } from './webhook-gate.js';

function obj(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isJsonObject(v)) return v;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
}

function setDefault(o: JsonObject, key: string, value: Json): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function list(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

function defaultContainer(c: JsonObject): void {
  const image = typeof c.image === 'string' ? c.image : '';
  const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
  setDefault(c, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const p of list(c.ports)) setDefault(p, 'protocol', 'TCP');
}

/** Defaults a PodSpec in place. */
export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'enableServiceLinks', true);
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) defaultContainer(c);
}

function defaultTemplate(spec: JsonObject): void {
  const template = obj(spec, 'template');
  defaultPodSpec(obj(template, 'spec'));
}

function defaultService(o: JsonObject): void {
  const spec = obj(o, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer')
    setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  for (const p of list(spec.ports)) {
    setDefault(p, 'protocol', 'TCP');
    setDefault(p, 'targetPort', p.port ?? null);
  }
  if (spec.type !== 'ExternalName') {
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  }
  setDefault(obj(o, 'status'), 'loadBalancer', {});
}

function defaultDeployment(o: JsonObject): void {
  const spec = obj(o, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  const strategy = obj(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = obj(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  defaultTemplate(spec);
}

function defaultDaemonSet(o: JsonObject): void {
  const spec = obj(o, 'spec');
  setDefault(spec, 'revisionHistoryLimit', 10);
  const strategy = obj(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = obj(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  defaultTemplate(spec);
}

const DEFAULTERS: Readonly<Record<string, (o: JsonObject) => void>> = {
  '/Pod': (o) => {
    defaultPodSpec(obj(o, 'spec'));
    setDefault(obj(o, 'status'), 'phase', 'Pending');
  },
  '/Service': defaultService,
  '/Namespace': (o) => {
    // spec.finalizers gets `kubernetes` on create only (namespace-lifecycle.ts): a default
    // would put it back on every update after the namespace controller removed it.
    setDefault(obj(o, 'status'), 'phase', 'Active');
    // Every namespace carries its own name as a label (NamespaceDefaultLabelName, 1.21+).
    const labels = obj(obj(o, 'metadata'), 'labels');
    const name = obj(o, 'metadata').name;
    if (typeof name === 'string') labels['kubernetes.io/metadata.name'] = name;
  },
  '/Secret': (o) => setDefault(o, 'type', 'Opaque'),
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': (o) => {
    setDefault(obj(o, 'spec'), 'replicas', 1);
    defaultTemplate(obj(o, 'spec'));
  },
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': (o) => defaultJob(o, defaultPodSpec),
  'batch/CronJob': (o) => defaultCronJob(o, defaultPodSpec),
  'apiextensions.k8s.io/CustomResourceDefinition': defaultCrd,
  'rbac.authorization.k8s.io/RoleBinding': defaultBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultBinding,
  'scheduling.k8s.io/PriorityClass': defaultPriorityClass,
  'policy/PodDisruptionBudget': defaultPodDisruptionBudget,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': (o) => defaultWebhookConfiguration(o, false),
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': (o) => defaultWebhookConfiguration(o, true),
  'apiregistration.k8s.io/APIService': defaultApiService,
};

/** The API server itself accepts the names at once, so a CRD is Established when stored. */
function defaultCrd(o: JsonObject): void {
  const spec = obj(o, 'spec');
  setDefault(spec, 'scope', 'Namespaced');
  setDefault(spec, 'conversion', { strategy: 'None' });
  const names = obj(spec, 'names');
  if (typeof names.kind === 'string') setDefault(names, 'listKind', `${names.kind}List`);
  if (typeof names.kind === 'string') setDefault(names, 'singular', names.kind.toLowerCase());
  const status = obj(o, 'status');
  status.acceptedNames = structuredClone(names);
  const storage = list(spec.versions).find((v) => v.storage === true);
  status.storedVersions = storedVersionsOf(o, typeof storage?.name === 'string' ? storage.name : '');
  const now = formatTime(Date.now());
  const conditions = list(status.conditions);
  const cond = (type: string, reason: string, message: string): JsonObject => {
    const prev = conditions.find((c) => c.type === type);
    return { type, status: 'True', lastTransitionTime: prev?.lastTransitionTime ?? now, reason, message };
  };
  status.conditions = [
    cond('NamesAccepted', 'NoConflicts', 'no conflicts found'),
    cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
  ];
}

/** Applies the defaults of `group/kind` to `o` in place. */
export function applyDefaults(group: string, kind: string, o: JsonObject): void {
  DEFAULTERS[`${group}/${kind}`]?.(o);
}
