/**
 * The ServiceAccount admission plugin on pod creation (upstream
 * plugin/pkg/admission/serviceaccount): `spec.serviceAccountName` defaults to `default`, the
 * service account must exist (403 `error looking up service account NS/NAME: serviceaccount
 * "NAME" not found`), and unless `automountServiceAccountToken` is false on the pod (or, when
 * the pod leaves it unset, on the service account) the pod gets the projected volume
 * `kube-api-access-xxxxx` — a bound token, the cluster CA (ConfigMap `kube-root-ca.crt`) and
 * the namespace — mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every
 * container and init container that mounts nothing there yet. Mirror pods are left alone.
 */
import type { JsonObject } from '../../lib/api/json.js';
import type { AdmissionRequest } from './registry/types.js';
import { ApiError } from './status.js';

/** Where containers find the token, CA and namespace (upstream DefaultAPITokenMountPath). */
export const API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The prefix of the generated volume's name. */
export const API_ACCESS_VOLUME_PREFIX = 'kube-api-access-';
/** The ConfigMap every namespace holds with the cluster CA (root-ca-cert-publisher). */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The token lifetime the volume asks for (upstream: one hour plus 7 s, to spot the default). */
export const TOKEN_EXPIRATION_SECONDS = 3607;
/** The annotation of a static pod's mirror. */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** apimachinery's SimpleNameGenerator alphabet (no vowels, no look-alike digits). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** How the plugin finds a service account: the object, or undefined when it does not exist. */
export type ServiceAccountLookup = (namespace: string, name: string) => Promise<JsonObject | undefined>;

const record = (v: unknown): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;

/** Five random characters of the name generator's alphabet. */
export function randomSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)];
  return s;
}

/** The projected volume upstream adds (createVolume with BoundServiceAccountTokenVolume). */
export function apiAccessVolume(name: string): JsonObject {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

function forbidden(podName: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `pods "${podName}" is forbidden: ${why}`, {
    name: podName,
    kind: 'pods',
  });
}

/** Admits a pod CREATE (in place); other requests pass untouched. */
export async function admitServiceAccount(
  r: AdmissionRequest,
  lookup: ServiceAccountLookup,
  random: () => number = Math.random,
): Promise<void> {
  if (r.operation !== 'CREATE' || r.subresource !== '' || r.info.group !== '' || r.info.kind !== 'Pod')
    return;
  const pod = r.object;
  const meta = record(pod?.metadata);
  const spec = record(pod?.spec);
  if (!pod || !meta || !spec) return;
  if (record(meta.annotations)?.[MIRROR_ANNOTATION] !== undefined) return;
  const podName = String(meta.name ?? r.name);
  if (typeof spec.serviceAccountName !== 'string' || spec.serviceAccountName === '')
    spec.serviceAccountName = 'default';
  const saName = spec.serviceAccountName;
  const sa = await lookup(r.namespace, saName);
  if (!sa)
    throw forbidden(
      podName,
      `error looking up service account ${r.namespace}/${saName}: serviceaccount "${saName}" not found`,
    );
  const automount =
    typeof spec.automountServiceAccountToken === 'boolean'
      ? spec.automountServiceAccountToken
      : sa.automountServiceAccountToken !== false;
  if (automount) mountApiAccess(spec, random);
}

/** Adds the volume and the mounts (MountServiceAccountToken). */
function mountApiAccess(spec: JsonObject, random: () => number): void {
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  const existing = volumes
    .map((v) => record(v)?.name)
    .find((n): n is string => typeof n === 'string' && n.startsWith(API_ACCESS_VOLUME_PREFIX));
  const name = existing ?? `${API_ACCESS_VOLUME_PREFIX}${randomSuffix(random)}`;
  let needed = false;
  for (const field of ['initContainers', 'containers'] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const container = record(c);
      if (!container) continue;
      const mounts = Array.isArray(container.volumeMounts) ? container.volumeMounts : [];
      if (mounts.some((m) => record(m)?.mountPath === API_TOKEN_MOUNT_PATH)) continue;
      container.volumeMounts = [...mounts, { name, readOnly: true, mountPath: API_TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (needed && existing === undefined) spec.volumes = [...volumes, apiAccessVolume(name)];
}
