/**
 * Decoding of Kubernetes protobuf request bodies, for the kinds kubectl 1.32's typed clients
 * send that way (`kubectl create deployment|namespace|configmap|secret|service …`; client-go
 * rest/request.go UseProtobufAsDefault). The envelope is the magic `k8s\0` and a runtime.Unknown
 * {typeMeta{apiVersion, kind}, raw}; `raw` is the object's message. Field numbers come from the
 * k8s.io/api and apimachinery generated.proto files; fields not listed are skipped, as any
 * protobuf reader does, and defaults fill in the rest.
 */

import type { JsonObject } from './patch.js';
import { ApiError } from './status.js';

type Scalar = 'string' | 'bytes' | 'int' | 'bool';

/** One field of a message: name, how to read it, and whether it repeats. */
interface Field {
  readonly name: string;
  readonly type: Scalar | 'message' | 'map' | 'intstr';
  readonly repeated?: boolean;
  readonly message?: () => Schema;
  /** For maps: the value type (keys are strings in every Kubernetes map). */
  readonly value?: 'string' | 'bytes';
  /** A pointer field in Go: a zero value was set on purpose and is kept. */
  readonly keepZero?: boolean;
  /** An embedded Go struct (`json:",inline"`): its fields belong to the parent in JSON. */
  readonly inline?: boolean;
}

type Schema = Readonly<Record<number, Field>>;

const f = (name: string, type: Field['type'], extra: Partial<Field> = {}): Field => ({
  name,
  type,
  ...extra,
});

// apimachinery meta/v1 OwnerReference (`kubectl create job --from=cronjob/NAME` sets one).
const OWNER_REFERENCE: Schema = {
  1: f('kind', 'string'),
  3: f('name', 'string'),
  4: f('uid', 'string'),
  5: f('apiVersion', 'string'),
  6: f('controller', 'bool', { keepZero: true }),
  7: f('blockOwnerDeletion', 'bool', { keepZero: true }),
};
const OBJECT_META: Schema = {
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
const LABEL_SELECTOR: Schema = {
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
const POD_SPEC: Schema = {
  2: f('containers', 'message', { repeated: true, message: () => CONTAINER }),
  3: f('restartPolicy', 'string'),
  4: f('terminationGracePeriodSeconds', 'int'),
  7: f('nodeSelector', 'map', { value: 'string' }),
  8: f('serviceAccountName', 'string'),
  10: f('nodeName', 'string'),
  11: f('hostNetwork', 'bool'),
  20: f('initContainers', 'message', { repeated: true, message: () => CONTAINER }),
};
const POD_TEMPLATE: Schema = {
  1: f('metadata', 'message', { message: () => OBJECT_META }),
  2: f('spec', 'message', { message: () => POD_SPEC }),
};
// Pointer fields of a JobSpec keep an explicit zero (`completions: 0`, `suspend: false`).
const JOB_SPEC: Schema = {
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
const SERVICE_PORT: Schema = {
  1: f('name', 'string'),
  2: f('protocol', 'string'),
  3: f('port', 'int'),
  4: f('targetPort', 'intstr'),
  5: f('nodePort', 'int'),
  6: f('appProtocol', 'string'),
};

/** Object schemas by `group/Kind` (core group ''). */
// k8s.io/api authorization/v1 and authentication/v1 generated.proto.
const RESOURCE_ATTRIBUTES: Schema = {
  1: f('namespace', 'string'),
  2: f('verb', 'string'),
  3: f('group', 'string'),
  4: f('version', 'string'),
  5: f('resource', 'string'),
  6: f('subresource', 'string'),
  7: f('name', 'string'),
};
const NON_RESOURCE_ATTRIBUTES: Schema = { 1: f('path', 'string'), 2: f('verb', 'string') };

// k8s.io/api networking/v1 generated.proto.
const INGRESS_BACKEND: Schema = {
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
const INGRESS_RULE: Schema = {
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
const RBAC_ROLE: Schema = {
  1: f('metadata', 'message', { message: () => OBJECT_META }),
  2: f('rules', 'message', { repeated: true, message: () => POLICY_RULE }),
};
const RBAC_BINDING: Schema = {
  1: f('metadata', 'message', { message: () => OBJECT_META }),
  2: f('subjects', 'message', { repeated: true, message: () => RBAC_SUBJECT }),
  3: f('roleRef', 'message', { message: () => ROLE_REF }),
};

// apimachinery meta/v1 generated.proto: the body of a typed client's DELETE (kubectl auth
// reconcile replacing a binding whose roleRef changed).
const DELETE_OPTIONS: Schema = {
  1: f('gracePeriodSeconds', 'int', { keepZero: true }),
  2: f('preconditions', 'message', {
    message: () => ({ 1: f('uid', 'string'), 2: f('resourceVersion', 'string') }),
  }),
  3: f('orphanDependents', 'bool', { keepZero: true }),
  4: f('propagationPolicy', 'string'),
  5: f('dryRun', 'string', { repeated: true }),
};

const KINDS: Readonly<Record<string, Schema>> = {
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

/** The Kubernetes protobuf magic: "k8s" and a zero byte (apimachinery protobuf.go). */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw bad('truncated varint');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw bad('varint too long');
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw bad('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw bad(`unsupported wire type ${wire}`);
  }
}

function bad(why: string): ApiError {
  return new ApiError(400, 'BadRequest', `error decoding protobuf body: ${why}`);
}

function decodeMap(buf: Buffer, value: 'string' | 'bytes'): [string, string] {
  const r = new Reader(buf);
  let k = '';
  let v = '';
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (tag % 8 !== 2) {
      r.skip(tag % 8);
      continue;
    }
    const b = r.bytes();
    if (field === 1) k = b.toString('utf8');
    else if (field === 2) v = value === 'bytes' ? b.toString('base64') : b.toString('utf8');
  }
  return [k, v];
}

function decodeIntOrString(buf: Buffer): number | string {
  const r = new Reader(buf);
  let type = 0;
  let int = 0;
  let str = '';
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (field === 1) type = r.varint();
    else if (field === 2) int = r.varint();
    else if (field === 3) str = r.bytes().toString('utf8');
    else r.skip(tag % 8);
  }
  return type === 1 ? str : int;
}

/** Decodes one message by schema into JSON. */
function decodeMessage(buf: Buffer, schema: Schema): JsonObject {
  const out: JsonObject = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = r.varint();
    const wire = tag % 8;
    const spec = schema[Math.floor(tag / 8)];
    if (!spec) {
      r.skip(wire);
      continue;
    }
    let value: JsonObject[keyof JsonObject];
    switch (spec.type) {
      case 'string':
        value = r.bytes().toString('utf8');
        break;
      case 'bytes':
        value = r.bytes().toString('base64');
        break;
      case 'int': {
        const n = r.varint();
        // int32 negatives arrive as 10-byte two's complement varints.
        value = n >= 2 ** 63 ? n - 2 ** 64 : n;
        break;
      }
      case 'bool':
        value = r.varint() !== 0;
        break;
      case 'intstr':
        value = decodeIntOrString(r.bytes());
        break;
      case 'map': {
        const [k, v] = decodeMap(r.bytes(), spec.value ?? 'string');
        const m = (out[spec.name] as JsonObject | undefined) ?? {};
        m[k] = v;
        out[spec.name] = m;
        continue;
      }
      case 'message':
        value = decodeMessage(r.bytes(), spec.message?.() ?? {});
        if (spec.inline) {
          Object.assign(out, value);
          continue;
        }
        break;
    }
    // Go's generated marshalers write zero values of non-pointer fields; JSON (omitempty) drops them.
    if (!spec.repeated && !spec.keepZero && (value === '' || value === 0 || value === false)) continue;
    if (spec.repeated) {
      const list = (out[spec.name] as JsonObject[keyof JsonObject][] | undefined) ?? [];
      list.push(value);
      out[spec.name] = list;
    } else {
      out[spec.name] = value;
    }
  }
  return out;
}

/** Decodes a `k8s\0` protobuf body into the JSON object it stands for. */
export function decodeKubernetesProtobuf(buf: Buffer): JsonObject {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) throw bad('missing the k8s protobuf magic');
  const unknown = decodeMessage(buf.subarray(4), {
    1: f('typeMeta', 'message', {
      message: () => ({ 1: f('apiVersion', 'string'), 2: f('kind', 'string') }),
    }),
    2: f('raw', 'bytes'),
  });
  const typeMeta = (unknown.typeMeta as JsonObject | undefined) ?? {};
  const apiVersion = String(typeMeta.apiVersion ?? '');
  const kind = String(typeMeta.kind ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  // DeleteOptions is registered in every group-version (metav1.AddToGroupVersion).
  const schema = kind === 'DeleteOptions' ? DELETE_OPTIONS : KINDS[`${group}/${kind}`];
  if (!schema) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `protobuf bodies are accepted for Namespace, ConfigMap, Secret, Service, ServiceAccount, Pod, Deployment, Ingress, Job, CronJob, the RBAC kinds, PriorityClass, PodDisruptionBudget, DeleteOptions and the self reviews, not ${kind || 'this kind'}; send application/json`,
    );
  }
  const raw = Buffer.from(String(unknown.raw ?? ''), 'base64');
  return { apiVersion, kind, ...decodeMessage(raw, schema) };
}
