/**
 * The NodeRestriction admission plugin (plugin/pkg/admission/noderestriction/admission.go): what
 * the Node authorizer lets a kubelet do by verb, narrowed to the kubelet's own objects. A node
 * may create and update only its own Node (no taint or configSource changes, no labels outside
 * the kubelet set), create only mirror pods bound to itself that reference nothing, delete,
 * evict and update the status of only the pods bound to it, request tokens only bound to such a
 * pod, and touch only its own Lease and CSINode. Refusals are 403s with upstream's messages.
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import type { AdmissionAttributes } from './admission.js';
import { NODE_LEASE_NAMESPACE, type NodeUser, nodeIdentity } from './node-authorizer.js';
import { MIRROR_POD_ANNOTATION, podReferences } from './node-graph.js';
import { ApiError, notFoundError } from './status.js';

/** Reads the plugin needs (the listers of the upstream plugin). */
export interface NodeRestrictionLookups {
  getPod(namespace: string, name: string): Promise<JsonObject | undefined>;
  getNode(name: string): Promise<JsonObject | undefined>;
}

/** Labels a kubelet may set on its own Node (k8s.io/kubelet well_known_labels.go). */
const KUBELET_LABELS: readonly string[] = [
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
];
/** Label namespaces (and their subdomains) a kubelet may set freely. */
const KUBELET_LABEL_NAMESPACES: readonly string[] = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
/** The label namespace no kubelet may set, so workloads can trust it (LabelNamespaceNodeRestriction). */
const NODE_RESTRICTION_NAMESPACE = 'node-restriction.kubernetes.io';

const labelNamespace = (key: string): string => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inDomain = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

/** Label keys whose presence or value differs between `a` and `b`. */
function modifiedLabels(a: Record<string, Json>, b: Record<string, Json>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]);
}

/** The modified labels a kubelet may not set: node-restriction ones, and unknown kubernetes.io/k8s.io ones. */
function forbiddenLabels(keys: readonly string[]): string[] {
  return keys
    .filter((key) => {
      const ns = labelNamespace(key);
      if (inDomain(ns, NODE_RESTRICTION_NAMESPACE)) return true;
      const kubernetes = inDomain(ns, 'kubernetes.io') || inDomain(ns, 'k8s.io');
      const kubelet = KUBELET_LABELS.includes(key) || KUBELET_LABEL_NAMESPACES.some((d) => inDomain(ns, d));
      return kubernetes && !kubelet;
    })
    .sort();
}

const obj = (v: Json | undefined): JsonObject => (isJsonObject(v) ? v : {});
const meta = (o: JsonObject | undefined): JsonObject => obj(o?.metadata);
const labelsOf = (o: JsonObject | undefined): Record<string, Json> => obj(meta(o).labels);
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

/** JSON with sorted keys, and absent = null = [] = {} (apimachinery's semantic equality). */
function canonical(v: Json | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'null' : `[${v.map(canonical).join(',')}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => canonical(v[k]) !== 'null')
      .sort();
    return keys.length === 0
      ? 'null'
      : `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
const same = (a: Json | undefined, b: Json | undefined): boolean => canonical(a) === canonical(b);

/**
 * admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`, the name from the request,
 * else the object's name or generateName, else `Unknown`.
 */
function forbidden(a: AdmissionAttributes, why: string): ApiError {
  const m = meta(a.object);
  const name = a.name || str(m.name) || str(m.generateName) || 'Unknown';
  const resource = a.group === '' ? a.resource : `${a.resource}.${a.group}`;
  return new ApiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${why}`, {
    name,
    group: a.group,
    kind: a.resource,
  });
}

/** Admits or refuses one write of `user`; writes of anyone but a node pass untouched. */
export async function admitNodeRestriction(
  user: NodeUser,
  a: AdmissionAttributes,
  lookups: NodeRestrictionLookups,
): Promise<void> {
  const id = nodeIdentity(user);
  if (!id) return;
  const node = id.node;
  if (node === '') throw forbidden(a, `could not determine node from user "${user.name}"`);
  switch (`${a.group}/${a.resource}`) {
    case '/pods':
      if (a.subresource === '') return admitPod(node, a, lookups);
      if (a.subresource === 'status') return admitPodStatus(node, a);
      if (a.subresource === 'eviction') return admitEviction(node, a, lookups);
      throw forbidden(
        a,
        `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`,
      );
    case '/nodes':
      return admitNode(node, a);
    case '/persistentvolumeclaims':
      if (a.subresource !== 'status') throw forbidden(a, 'may only update PVC status');
      return admitClaimStatus(node, a);
    case '/serviceaccounts':
      if (a.operation === 'CREATE' && a.subresource === 'token') return admitToken(node, a, lookups);
      return;
    case 'coordination.k8s.io/leases':
      if (a.namespace !== NODE_LEASE_NAMESPACE) {
        throw forbidden(a, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
      }
      if (ownName(a) !== node) {
        throw forbidden(a, 'can only access node lease with the same name as the requesting node');
      }
      return;
    case 'storage.k8s.io/csinodes':
      if (ownName(a) !== node) {
        throw forbidden(a, 'can only access CSINode with the same name as the requesting node');
      }
      return;
  }
}

/** The name a write addresses: the object's on a create (the request names none). */
const ownName = (a: AdmissionAttributes): string =>
  a.operation === 'CREATE' ? str(meta(a.object).name) : a.name;

async function admitPod(
  node: string,
  a: AdmissionAttributes,
  lookups: NodeRestrictionLookups,
): Promise<void> {
  if (a.operation === 'CREATE') return admitMirrorPod(node, a, lookups);
  if (a.operation === 'DELETE') {
    if (str(obj(a.oldObject?.spec).nodeName) !== node) {
      throw forbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
    }
    return;
  }
  throw forbidden(
    a,
    `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`,
  );
}

async function admitMirrorPod(
  node: string,
  a: AdmissionAttributes,
  lookups: NodeRestrictionLookups,
): Promise<void> {
  const pod = obj(a.object);
  const spec = obj(pod.spec);
  if (!(MIRROR_POD_ANNOTATION in obj(meta(pod).annotations))) {
    throw forbidden(
      a,
      `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`,
    );
  }
  if (str(spec.nodeName) !== node) {
    throw forbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
  }
  const owners = Array.isArray(meta(pod).ownerReferences) ? (meta(pod).ownerReferences as Json[]) : [];
  if (owners.length > 1) {
    throw forbidden(a, `node "${node}" can only create pods with a single owner reference set to itself`);
  }
  const owner = obj(owners[0]);
  if (owners.length === 0 || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) {
    throw forbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
  }
  if (owner.controller !== true) {
    throw forbidden(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
  }
  if (owner.blockOwnerDeletion === true) {
    throw forbidden(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  }
  const nodeObject = await lookups.getNode(node);
  if (!nodeObject) throw notFoundError({ group: '', plural: 'nodes' }, node);
  const uid = str(meta(nodeObject).uid);
  if (str(owner.uid) !== uid) {
    throw forbidden(a, `node ${node} UID mismatch: expected ${str(owner.uid)} got ${uid}`);
  }
  // A mirror pod must not grant its node reads of anything (the graph ignores mirror pods too).
  if (str(spec.serviceAccountName) !== '') {
    throw forbidden(a, `node "${node}" can not create pods that reference a service account`);
  }
  const refs = podReferences(pod);
  if (refs && refs.secrets.length > 0) {
    throw forbidden(a, `node "${node}" can not create pods that reference secrets`);
  }
  if (refs && refs.configMaps.length > 0) {
    throw forbidden(a, `node "${node}" can not create pods that reference configmaps`);
  }
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.map(obj) : [];
  const sources = volumes.flatMap((v) => {
    const s = obj(v.projected).sources;
    return Array.isArray(s) ? s.map(obj) : [];
  });
  if (sources.some((s) => isJsonObject(s.clusterTrustBundle))) {
    throw forbidden(a, `node "${node}" can not create pods that reference clustertrustbundles`);
  }
  if (volumes.some((v) => isJsonObject(v.persistentVolumeClaim))) {
    throw forbidden(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  }
}

function admitPodStatus(node: string, a: AdmissionAttributes): void {
  if (a.operation !== 'UPDATE') throw forbidden(a, `unexpected operation "${a.operation}"`);
  if (str(obj(a.oldObject?.spec).nodeName) !== node) {
    throw forbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
  }
  if (!same(labelsOf(a.oldObject), labelsOf(a.object))) {
    throw forbidden(a, `node "${node}" cannot update labels through pod status`);
  }
  const claims = (o: JsonObject | undefined): Json | undefined => obj(o?.status).resourceClaimStatuses;
  if (!same(claims(a.oldObject), claims(a.object))) {
    throw forbidden(a, `node "${node}" cannot update resource claim statues`);
  }
}

async function admitEviction(
  node: string,
  a: AdmissionAttributes,
  lookups: NodeRestrictionLookups,
): Promise<void> {
  if (a.operation !== 'CREATE') throw forbidden(a, `unexpected operation ${a.operation}`);
  const name = a.name || str(meta(a.object).name);
  if (name === '') throw forbidden(a, 'could not determine pod from request data');
  const pod = await lookups.getPod(a.namespace, name);
  if (!pod) throw notFoundError({ group: '', plural: 'pods' }, name);
  if (str(obj(pod.spec).nodeName) !== node) {
    throw forbidden(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
  }
}

function admitNode(node: string, a: AdmissionAttributes): void {
  const requested = ownName(a);
  if (requested !== node) throw forbidden(a, `node "${node}" is not allowed to modify node "${requested}"`);
  const spec = obj(a.object?.spec);
  if (a.operation === 'CREATE') {
    if (spec.configSource !== undefined && spec.configSource !== null) {
      throw forbidden(a, `node "${node}" is not allowed to create pods with a non-nil configSource`);
    }
    const bad = forbiddenLabels(modifiedLabels(labelsOf(a.object), {}));
    if (bad.length > 0) {
      throw forbidden(a, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
    }
  }
  if (a.operation === 'UPDATE') {
    const old = obj(a.oldObject?.spec);
    if (
      spec.configSource !== undefined &&
      spec.configSource !== null &&
      !same(spec.configSource, old.configSource)
    ) {
      throw forbidden(
        a,
        `node "${node}" is not allowed to update configSource to a new non-nil configSource`,
      );
    }
    if (!same(spec.taints, old.taints)) throw forbidden(a, `node "${node}" is not allowed to modify taints`);
    const bad = forbiddenLabels(modifiedLabels(labelsOf(a.object), labelsOf(a.oldObject)));
    if (bad.length > 0) throw forbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
  }
}

/** A node may change a claim's status.capacity and status.conditions (and allocated resources), nothing else. */
function admitClaimStatus(node: string, a: AdmissionAttributes): void {
  if (a.operation !== 'UPDATE') throw forbidden(a, `unexpected operation "${a.operation}"`);
  const comparable = (o: JsonObject | undefined): JsonObject => {
    const copy = structuredClone(obj(o));
    const m = obj(copy.metadata);
    delete m.resourceVersion;
    delete m.managedFields;
    const status = obj(copy.status);
    for (const f of ['capacity', 'conditions', 'allocatedResourceStatuses', 'allocatedResources'])
      delete status[f];
    return copy;
  };
  const before = comparable(a.oldObject);
  const after = comparable(a.object);
  if (!same(before, after)) {
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => !same(before[k], after[k]))
      .sort();
    throw forbidden(
      a,
      `node "${node}" is not allowed to update fields other than status.capacity and status.conditions: ${changed.join(', ')}`,
    );
  }
}

/** A node's TokenRequest must be bound to a pod scheduled on it, by name and uid. */
async function admitToken(
  node: string,
  a: AdmissionAttributes,
  lookups: NodeRestrictionLookups,
): Promise<void> {
  const ref = obj(obj(a.object?.spec).boundObjectRef);
  if (ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || str(ref.name) === '') {
    throw forbidden(a, 'node requested token not bound to a pod');
  }
  if (str(ref.uid) === '') throw forbidden(a, 'node requested token with a pod binding without a uid');
  const pod = await lookups.getPod(a.namespace, str(ref.name));
  if (!pod) throw notFoundError({ group: '', plural: 'pods' }, str(ref.name));
  if (str(ref.uid) !== str(meta(pod).uid)) {
    throw forbidden(
      a,
      `the UID in the bound object reference (${str(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  if (str(obj(pod.spec).nodeName) !== node) {
    throw forbidden(a, 'node requested token bound to a pod scheduled on a different node');
  }
}
