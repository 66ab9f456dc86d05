/**
 * `fieldValidation=Strict`: unknown fields are refused with 400 BadRequest
 * `strict decoding error: unknown field "spec.foo"`, as kube-apiserver's strict decoder does.
 * kubectl sends Strict once our /openapi/v3 says the server validates, and then skips its own
 * client-side check, so the server must do it. The schema below lists the fields of the kinds
 * this project uses; free-form maps and deep structures are `any`. Kinds without a schema pass.
 */
import { isObject, type Json, type JsonObject } from './patch.js';
import type { ResourceInfo } from './resources.js';
import { badRequest } from './status.js';

type Schema = { readonly [field: string]: Schema | 'any' };

const fields = (names: string, extra: Readonly<Record<string, Schema | 'any'>> = {}): Schema => ({
  ...Object.fromEntries(
    names
      .split(/\s+/)
      .filter((n) => n !== '')
      .map((n) => [n, 'any' as const]),
  ),
  ...extra,
});

const OBJECT_META = fields(
  'name generateName namespace uid resourceVersion generation creationTimestamp deletionTimestamp ' +
    'deletionGracePeriodSeconds labels annotations ownerReferences finalizers managedFields selfLink',
);

const CONTAINER = fields(
  'name image command args workingDir envFrom resources volumeMounts livenessProbe readinessProbe startupProbe ' +
    'lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty ' +
    'restartPolicy resizePolicy volumeDevices',
  {
    ports: fields('name hostPort containerPort protocol hostIP'),
    env: fields('name value valueFrom'),
  },
);

const POD_SPEC = fields(
  'volumes ephemeralContainers restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy ' +
    'nodeSelector serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC ' +
    'shareProcessNamespace securityContext imagePullSecrets hostname subdomain affinity schedulerName tolerations ' +
    'hostAliases priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks ' +
    'preemptionPolicy overhead topologySpreadConstraints setHostnameAsFQDN os hostUsers schedulingGates resourceClaims',
  { containers: CONTAINER, initContainers: CONTAINER },
);

const TEMPLATE: Schema = { metadata: OBJECT_META, spec: POD_SPEC };
const TOP = 'apiVersion kind status';
const JOB_SPEC = fields(
  'parallelism completions activeDeadlineSeconds podFailurePolicy successPolicy backoffLimit ' +
    'backoffLimitPerIndex maxFailedIndexes selector manualSelector ttlSecondsAfterFinished completionMode ' +
    'suspend podReplacementPolicy managedBy',
  { template: TEMPLATE },
);

// rbac.authorization.k8s.io/v1 (a mistyped `resourceName` would otherwise widen a rule).
const POLICY_RULE = fields('verbs apiGroups resources resourceNames nonResourceURLs');
const RBAC_ROLE = fields('apiVersion kind', { metadata: OBJECT_META, rules: POLICY_RULE });
const RBAC_BINDING = fields('apiVersion kind', {
  metadata: OBJECT_META,
  subjects: fields('kind apiGroup name namespace'),
  roleRef: fields('apiGroup kind name'),
});

const SCHEMAS: Readonly<Record<string, Schema>> = {
  'rbac.authorization.k8s.io/Role': RBAC_ROLE,
  'rbac.authorization.k8s.io/ClusterRole': fields('apiVersion kind aggregationRule', {
    metadata: OBJECT_META,
    rules: POLICY_RULE,
  }),
  'rbac.authorization.k8s.io/RoleBinding': RBAC_BINDING,
  'rbac.authorization.k8s.io/ClusterRoleBinding': RBAC_BINDING,
  '/Pod': fields(TOP, { metadata: OBJECT_META, spec: POD_SPEC }),
  '/Service': fields(TOP, {
    metadata: OBJECT_META,
    spec: fields(
      'selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges ' +
        'externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ' +
        'ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution',
      { ports: fields('name protocol appProtocol port targetPort nodePort') },
    ),
  }),
  '/ConfigMap': fields(`${TOP} data binaryData immutable`, { metadata: OBJECT_META }),
  '/Secret': fields(`${TOP} data stringData type immutable`, { metadata: OBJECT_META }),
  '/Namespace': fields(`${TOP} spec`, { metadata: OBJECT_META }),
  'apps/Deployment': fields(TOP, {
    metadata: OBJECT_META,
    spec: fields(
      'replicas selector strategy minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds',
      {
        template: TEMPLATE,
      },
    ),
  }),
  'apps/ReplicaSet': fields(TOP, {
    metadata: OBJECT_META,
    spec: fields('replicas selector minReadySeconds', { template: TEMPLATE }),
  }),
  'apps/DaemonSet': fields(TOP, {
    metadata: OBJECT_META,
    spec: fields('selector updateStrategy minReadySeconds revisionHistoryLimit', { template: TEMPLATE }),
  }),
  'batch/Job': fields(TOP, { metadata: OBJECT_META, spec: JOB_SPEC }),
  'batch/CronJob': fields(TOP, {
    metadata: OBJECT_META,
    spec: fields(
      'schedule timeZone startingDeadlineSeconds concurrencyPolicy suspend successfulJobsHistoryLimit ' +
        'failedJobsHistoryLimit',
      { jobTemplate: { metadata: OBJECT_META, spec: JOB_SPEC } },
    ),
  }),
  'networking.k8s.io/Ingress': fields(TOP, {
    metadata: OBJECT_META,
    spec: fields('ingressClassName defaultBackend tls rules'),
  }),
};

function walk(value: Json, schema: Schema, path: string, patch: boolean): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, schema, path, patch);
    return;
  }
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    // Strategic-merge directives ($patch, $setElementOrder/…) are not fields.
    if (patch && k.startsWith('$')) continue;
    const sub = schema[k];
    const at = path ? `${path}.${k}` : k;
    if (sub === undefined) throw badRequest(`strict decoding error: unknown field "${at}"`);
    if (sub !== 'any' && v !== null) walk(v, sub, at, patch);
  }
}

/**
 * Unknown fields of a custom resource by its CRD's structural schema: a field is unknown when
 * its object lists `properties`, has no `additionalProperties` and does not preserve unknown
 * fields (the ones the server would otherwise prune). apiVersion, kind and metadata are known.
 */
function walkOpenapi(value: Json, schema: JsonObject, path: string, patch: boolean): void {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    if (isObject(schema.items)) for (const v of value) walkOpenapi(v, schema.items, path, patch);
    return;
  }
  if (!isObject(value)) return;
  const props = isObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  for (const [k, v] of Object.entries(value)) {
    if (patch && k.startsWith('$')) continue;
    if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const at = path ? `${path}.${k}` : k;
    const sub = props?.[k] ?? (isObject(additional) ? additional : undefined);
    if (sub === undefined) {
      if (props !== undefined && additional !== true)
        throw badRequest(`strict decoding error: unknown field "${at}"`);
      continue;
    }
    if (v !== null) walkOpenapi(v, sub as JsonObject, at, patch);
  }
}

/** Throws 400 naming the first unknown field of `body` for the type, if it has a schema. */
export function checkUnknownFields(info: ResourceInfo, body: Json, patch = false): void {
  if (info.custom) {
    if (info.openapiSchema) walkOpenapi(body, info.openapiSchema, '', patch);
    return;
  }
  const schema = SCHEMAS[`${info.group}/${info.kind}`];
  if (schema) walk(body, schema, '', patch);
}
