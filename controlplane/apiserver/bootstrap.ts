/**
 * Objects every cluster starts with: the system namespaces, and the `default/kubernetes`
 * Service (first address of the service range, port 443) with its Endpoints and EndpointSlice
 * pointing at the API servers, so pods reach the API as in Kubernetes (the apiserver's
 * "kubernetes service" controller, pkg/controlplane/controller/kubernetesservice).
 */
import { isAlreadyExists } from '../../lib/api/errors.js';
import type { JsonObject } from '../../lib/api/json.js';
import type { ResourceInfo, ResourceRegistry } from './resources.js';
import type { RestStorage } from './rest.js';

/** Where the API server is reachable, for the kubernetes Service's endpoints. */
export interface BootstrapOptions {
  readonly rest: RestStorage;
  readonly resources: ResourceRegistry;
  readonly clusterIp: string;
  readonly advertiseAddress: string;
  readonly port: number;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (isAlreadyExists(err)) return;
    throw err;
  }
}

async function upsert(o: BootstrapOptions, plural: string, group: string, obj: JsonObject): Promise<void> {
  const info = o.resources.lookup(group, 'v1', plural);
  if (!info) return;
  const meta = obj.metadata as JsonObject;
  try {
    // create takes ownership of its input; obj is still needed for the patch below.
    await o.rest.create(info, meta.namespace as string, structuredClone(obj));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    await o.rest.patch(info, meta.namespace as string, meta.name as string, 'merge', obj);
  }
}

/** Creates what is missing and points the kubernetes endpoints at this server. */
export async function bootstrapCluster(o: BootstrapOptions): Promise<void> {
  await ensureSystemObjects(o);
  await upsertEndpoints(o);
}

/**
 * The system namespaces and the kubernetes Service, re-created when deleted (kube-apiserver's
 * system-namespaces and kubernetes-service controllers do so periodically, e.g. after
 * `kubectl delete all --all`). Endpoints are left alone: each API server writes its own at start.
 */
export async function ensureSystemObjects(o: BootstrapOptions): Promise<void> {
  const nsInfo = o.resources.lookup('', 'v1', 'namespaces');
  if (nsInfo) {
    for (const name of SYSTEM_NAMESPACES) {
      if (await exists(o, nsInfo, undefined, name)) continue;
      await ensure(() => o.rest.create(nsInfo, undefined, { metadata: { name } }));
    }
  }
  const svc = o.resources.lookup('', 'v1', 'services');
  if (svc && (await exists(o, svc, 'default', 'kubernetes'))) return;
  if (svc) {
    await ensure(() =>
      o.rest.create(svc, 'default', {
        metadata: {
          name: 'kubernetes',
          namespace: 'default',
          labels: { component: 'apiserver', provider: 'kubernetes' },
        },
        spec: {
          clusterIP: o.clusterIp,
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.port }],
          sessionAffinity: 'None',
          type: 'ClusterIP',
        },
      }),
    );
  }
}

async function exists(
  o: BootstrapOptions,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<boolean> {
  return o.rest.get(info, namespace, name).then(
    () => true,
    () => false,
  );
}

async function upsertEndpoints(o: BootstrapOptions): Promise<void> {
  await upsert(o, 'endpoints', '', {
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
    },
    subsets: [
      { addresses: [{ ip: o.advertiseAddress }], ports: [{ name: 'https', port: o.port, protocol: 'TCP' }] },
    ],
  });
  await upsert(o, 'endpointslices', 'discovery.k8s.io', {
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: {
        'kubernetes.io/service-name': 'kubernetes',
        'endpointslice.kubernetes.io/managed-by': 'switchyard-apiserver',
      },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [o.advertiseAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: o.port, protocol: 'TCP' }],
  });
}
