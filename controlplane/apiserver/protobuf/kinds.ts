/**
 * The kinds accepted as protobuf request bodies, each by its schema: what kubectl 1.32's typed
 * clients send that way (Namespace, ConfigMap, Secret, Service, ServiceAccount, Pod, Deployment,
 * Ingress, Job, CronJob, the RBAC kinds, PriorityClass, PodDisruptionBudget, the reviews).
 */
import {
  INGRESS_BACKEND,
  INGRESS_RULE,
  JOB_SPEC,
  LABEL_SELECTOR,
  NON_RESOURCE_ATTRIBUTES,
  OBJECT_META,
  POD_SPEC,
  POD_TEMPLATE,
  RBAC_BINDING,
  RBAC_ROLE,
  RESOURCE_ATTRIBUTES,
  SERVICE_PORT,
} from './messages.js';
import { f, type Schema } from './wire.js';

/** Object schemas by `group/Kind` (core group ''). */
export const KINDS: Readonly<Record<string, Schema>> = {
  'rbac.authorization.k8s.io/Role': RBAC_ROLE,
  'rbac.authorization.k8s.io/ClusterRole': {
    ...RBAC_ROLE,
    3: f('aggregationRule', 'message', {
      message: () => ({
        1: f('clusterRoleSelectors', 'message', { repeated: true, message: () => LABEL_SELECTOR }),
      }),
    }),
  },
  'rbac.authorization.k8s.io/RoleBinding': RBAC_BINDING,
  'rbac.authorization.k8s.io/ClusterRoleBinding': RBAC_BINDING,
  // k8s.io/api scheduling/v1 and policy/v1 generated.proto (kubectl create priorityclass|pdb).
  'scheduling.k8s.io/PriorityClass': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('value', 'int', { keepZero: true }),
    3: f('globalDefault', 'bool'),
    4: f('description', 'string'),
    5: f('preemptionPolicy', 'string'),
  },
  'policy/PodDisruptionBudget': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', {
      message: () => ({
        1: f('minAvailable', 'intstr', { keepZero: true }),
        2: f('selector', 'message', { message: () => LABEL_SELECTOR }),
        3: f('maxUnavailable', 'intstr', { keepZero: true }),
        4: f('unhealthyPodEvictionPolicy', 'string'),
      }),
    }),
  },
  'networking.k8s.io/Ingress': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', {
      message: () => ({
        1: f('defaultBackend', 'message', { message: () => INGRESS_BACKEND }),
        2: f('tls', 'message', {
          repeated: true,
          message: () => ({ 1: f('hosts', 'string', { repeated: true }), 2: f('secretName', 'string') }),
        }),
        3: f('rules', 'message', { repeated: true, message: () => INGRESS_RULE }),
        4: f('ingressClassName', 'string'),
      }),
    }),
  },
  '/ServiceAccount': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    4: f('automountServiceAccountToken', 'bool', { keepZero: true }),
  },
  'authorization.k8s.io/SelfSubjectAccessReview': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', {
      message: () => ({
        1: f('resourceAttributes', 'message', { message: () => RESOURCE_ATTRIBUTES }),
        2: f('nonResourceAttributes', 'message', { message: () => NON_RESOURCE_ATTRIBUTES }),
      }),
    }),
  },
  'authorization.k8s.io/SelfSubjectRulesReview': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', { message: () => ({ 1: f('namespace', 'string') }) }),
  },
  'authentication.k8s.io/TokenRequest': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', {
      message: () => ({
        1: f('audiences', 'string', { repeated: true }),
        3: f('boundObjectRef', 'message', {
          message: () => ({
            1: f('kind', 'string'),
            2: f('apiVersion', 'string'),
            3: f('name', 'string'),
            4: f('uid', 'string'),
          }),
        }),
        4: f('expirationSeconds', 'int'),
      }),
    }),
  },
  'authentication.k8s.io/SelfSubjectReview': { 1: f('metadata', 'message', { message: () => OBJECT_META }) },
  '/Namespace': { 1: f('metadata', 'message', { message: () => OBJECT_META }) },
  '/ConfigMap': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('data', 'map', { value: 'string' }),
    3: f('binaryData', 'map', { value: 'bytes' }),
    4: f('immutable', 'bool'),
  },
  '/Secret': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('data', 'map', { value: 'bytes' }),
    3: f('type', 'string'),
    4: f('stringData', 'map', { value: 'string' }),
    5: f('immutable', 'bool'),
  },
  '/Service': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', {
      message: () => ({
        1: f('ports', 'message', { repeated: true, message: () => SERVICE_PORT }),
        2: f('selector', 'map', { value: 'string' }),
        3: f('clusterIP', 'string'),
        4: f('type', 'string'),
        10: f('externalName', 'string'),
      }),
    }),
  },
  '/Pod': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', { message: () => POD_SPEC }),
  },
  'apps/Deployment': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', {
      message: () => ({
        1: f('replicas', 'int', { keepZero: true }),
        2: f('selector', 'message', { message: () => LABEL_SELECTOR }),
        3: f('template', 'message', { message: () => POD_TEMPLATE }),
        5: f('minReadySeconds', 'int'),
        6: f('revisionHistoryLimit', 'int'),
        7: f('paused', 'bool'),
        9: f('progressDeadlineSeconds', 'int'),
      }),
    }),
  },
  // k8s.io/api batch/v1 generated.proto (kubectl create job|cronjob).
  'batch/Job': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', { message: () => JOB_SPEC }),
  },
  'batch/CronJob': {
    1: f('metadata', 'message', { message: () => OBJECT_META }),
    2: f('spec', 'message', {
      message: () => ({
        1: f('schedule', 'string'),
        2: f('startingDeadlineSeconds', 'int', { keepZero: true }),
        3: f('concurrencyPolicy', 'string'),
        4: f('suspend', 'bool', { keepZero: true }),
        5: f('jobTemplate', 'message', {
          message: () => ({
            1: f('metadata', 'message', { message: () => OBJECT_META }),
            2: f('spec', 'message', { message: () => JOB_SPEC }),
          }),
        }),
        6: f('successfulJobsHistoryLimit', 'int', { keepZero: true }),
        7: f('failedJobsHistoryLimit', 'int', { keepZero: true }),
        8: f('timeZone', 'string', { keepZero: true }),
      }),
    }),
  },
};
