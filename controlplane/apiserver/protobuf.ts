/**
 * Decoding of Kubernetes protobuf request bodies, for the kinds kubectl 1.32's typed clients
 * send that way (`kubectl create deployment|namespace|configmap|secret|service …`; client-go
 * rest/request.go UseProtobufAsDefault). The envelope is the magic `k8s\0` and a runtime.Unknown
 * {typeMeta{apiVersion, kind}, raw}; `raw` is the object's message. Field numbers come from the
 * k8s.io/api and apimachinery generated.proto files; fields not listed are skipped, as any
 * protobuf reader does, and defaults fill in the rest.
 */
import type { JsonObject } from '../../lib/api/json.js';
import { KINDS } from './protobuf/kinds.js';
import { DELETE_OPTIONS } from './protobuf/messages.js';
import { bad, decodeMessage, f } from './protobuf/wire.js';
import { ApiError } from './status.js';

/** The Kubernetes protobuf magic: "k8s" and a zero byte (apimachinery protobuf.go). */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

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
