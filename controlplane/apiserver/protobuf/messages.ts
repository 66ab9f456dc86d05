/**
 * The protobuf schemas of the messages the Kubernetes kinds are built from (field numbers from
 * k8s.io/api and apimachinery's generated.proto files): ObjectMeta, pod templates and
 * containers, label selectors, Service ports, Ingress rules, RBAC rules and subjects, the review
 * attributes and DeleteOptions. Only the fields kubectl's typed clients set are listed.
 */
import { f, type Schema } from './wire.js';

// apimachinery meta/v1 OwnerReference (`kubectl create job --from=cronjob/NAME` sets one).
const OWNER_REFERENCE: Schema = {
  1: f('kind', 'string'),
  3: f('name', 'string'),
  4: f('uid', 'string'),
  5: f('apiVersion', 'string'),
  6: f('controller', 'bool', { keepZero: true }),
  7: f('blockOwnerDeletion', 'bool', { keepZero: true }),
};
export const OBJECT_META: Schema = {
  1: f('name', 'string'),
  2: f('generateName', 'string'),
  3: f('namespace', 'string'),
  11: f('labels', 'map', { value: 'string' }),
  12: f('annotations', 'map', { value: 'string' }),
  13: f('ownerReferences', 'message', { repeated: true, message: () => OWNER_REFERENCE }),
  14: f('finalizers', 'string', { repeated: true }),
};
const LABEL_SELECTOR_REQ: Schema = {
  1: f('key', 'string'),
  2: f('operator', 'string'),
  3: f('values', 'string', { repeated: true }),
};
export const LABEL_SELECTOR: Schema = {
  1: f('matchLabels', 'map', { value: 'string' }),
  2: f('matchExpressions', 'message', { repeated: true, message: () => LABEL_SELECTOR_REQ }),
};
const CONTAINER_PORT: Schema = {
  1: f('name', 'string'),
  2: f('hostPort', 'int'),
  3: f('containerPort', 'int'),
  4: f('protocol', 'string'),
  5: f('hostIP', 'string'),
};
const ENV_VAR: Schema = { 1: f('name', 'string'), 2: f('value', 'string') };
const CONTAINER: Schema = {
  1: f('name', 'string'),
  2: f('image', 'string'),
  3: f('command', 'string', { repeated: true }),
  4: f('args', 'string', { repeated: true }),
  5: f('workingDir', 'string'),
  6: f('ports', 'message', { repeated: true, message: () => CONTAINER_PORT }),
  7: f('env', 'message', { repeated: true, message: () => ENV_VAR }),
  14: f('imagePullPolicy', 'string'),
  16: f('stdin', 'bool'),
  18: f('tty', 'bool'),
};
export const POD_SPEC: Schema = {
  2: f('containers', 'message', { repeated: true, message: () => CONTAINER }),
  3: f('restartPolicy', 'string'),
  4: f('terminationGracePeriodSeconds', 'int'),
  7: f('nodeSelector', 'map', { value: 'string' }),
  8: f('serviceAccountName', 'string'),
  10: f('nodeName', 'string'),
  11: f('hostNetwork', 'bool'),
  20: f('initContainers', 'message', { repeated: true, message: () => CONTAINER }),
};
export const POD_TEMPLATE: Schema = {
  1: f('metadata', 'message', { message: () => OBJECT_META }),
  2: f('spec', 'message', { message: () => POD_SPEC }),
};
// Pointer fields of a JobSpec keep an explicit zero (`completions: 0`, `suspend: false`).
export const JOB_SPEC: Schema = {
  1: f('parallelism', 'int', { keepZero: true }),
  2: f('completions', 'int', { keepZero: true }),
  3: f('activeDeadlineSeconds', 'int', { keepZero: true }),
  4: f('selector', 'message', { message: () => LABEL_SELECTOR }),
  5: f('manualSelector', 'bool', { keepZero: true }),
  6: f('template', 'message', { message: () => POD_TEMPLATE }),
  7: f('backoffLimit', 'int', { keepZero: true }),
  8: f('ttlSecondsAfterFinished', 'int', { keepZero: true }),
  9: f('completionMode', 'string', { keepZero: true }),
  10: f('suspend', 'bool', { keepZero: true }),
  14: f('podReplacementPolicy', 'string', { keepZero: true }),
};
export const SERVICE_PORT: Schema = {
  1: f('name', 'string'),
  2: f('protocol', 'string'),
  3: f('port', 'int'),
  4: f('targetPort', 'intstr'),
  5: f('nodePort', 'int'),
  6: f('appProtocol', 'string'),
};

// k8s.io/api authorization/v1 and authentication/v1 generated.proto.
export const RESOURCE_ATTRIBUTES: Schema = {
  1: f('namespace', 'string'),
  2: f('verb', 'string'),
  3: f('group', 'string'),
  4: f('version', 'string'),
  5: f('resource', 'string'),
  6: f('subresource', 'string'),
  7: f('name', 'string'),
};
export const NON_RESOURCE_ATTRIBUTES: Schema = { 1: f('path', 'string'), 2: f('verb', 'string') };

// k8s.io/api networking/v1 generated.proto.
export const INGRESS_BACKEND: Schema = {
  3: f('resource', 'message', {
    message: () => ({ 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') }),
  }),
  4: f('service', 'message', {
    message: () => ({
      1: f('name', 'string'),
      2: f('port', 'message', { message: () => ({ 1: f('name', 'string'), 2: f('number', 'int') }) }),
    }),
  }),
};
const HTTP_INGRESS_PATH: Schema = {
  1: f('path', 'string'),
  2: f('backend', 'message', { message: () => INGRESS_BACKEND }),
  3: f('pathType', 'string'),
};
export const INGRESS_RULE: Schema = {
  1: f('host', 'string'),
  2: f('ingressRuleValue', 'message', {
    inline: true,
    message: () => ({
      1: f('http', 'message', {
        message: () => ({ 1: f('paths', 'message', { repeated: true, message: () => HTTP_INGRESS_PATH }) }),
      }),
    }),
  }),
};

// k8s.io/api rbac/v1 generated.proto (kubectl create role|clusterrole|rolebinding|clusterrolebinding).
const POLICY_RULE: Schema = {
  1: f('verbs', 'string', { repeated: true }),
  2: f('apiGroups', 'string', { repeated: true }),
  3: f('resources', 'string', { repeated: true }),
  4: f('resourceNames', 'string', { repeated: true }),
  5: f('nonResourceURLs', 'string', { repeated: true }),
};
const RBAC_SUBJECT: Schema = {
  1: f('kind', 'string'),
  2: f('apiGroup', 'string'),
  3: f('name', 'string'),
  4: f('namespace', 'string'),
};
const ROLE_REF: Schema = { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') };
export const RBAC_ROLE: Schema = {
  1: f('metadata', 'message', { message: () => OBJECT_META }),
  2: f('rules', 'message', { repeated: true, message: () => POLICY_RULE }),
};
export const RBAC_BINDING: Schema = {
  1: f('metadata', 'message', { message: () => OBJECT_META }),
  2: f('subjects', 'message', { repeated: true, message: () => RBAC_SUBJECT }),
  3: f('roleRef', 'message', { message: () => ROLE_REF }),
};

// apimachinery meta/v1 generated.proto: the body of a typed client's DELETE (kubectl auth
// reconcile replacing a binding whose roleRef changed).
export const DELETE_OPTIONS: Schema = {
  1: f('gracePeriodSeconds', 'int', { keepZero: true }),
  2: f('preconditions', 'message', {
    message: () => ({ 1: f('uid', 'string'), 2: f('resourceVersion', 'string') }),
  }),
  3: f('orphanDependents', 'bool', { keepZero: true }),
  4: f('propagationPolicy', 'string'),
  5: f('dryRun', 'string', { repeated: true }),
};
