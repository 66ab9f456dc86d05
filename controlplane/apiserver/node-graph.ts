/**
 * The Node authorizer's graph (plugin/pkg/auth/authorizer/node/graph.go): which objects each
 * node may read because a pod bound to it uses them. Every edge points towards a node:
 *
 *   pod → node            once spec.nodeName is set
 *   secret, configmap, pvc, serviceaccount → pod
 *   pv → pvc,  secret → pv     (a PersistentVolume bound to a claim, and the secrets its CSI driver needs on the node)
 *   volumeattachment → node
 *
 * A node may read an object when a path leads from the object's vertex to the node's. Pure:
 * objects come in as the slim references `podReferences` / `pvReferences` extract at the boundary.
 */
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';

/** The kinds of vertex (the Node authorizer's vertexType). */
export type VertexType =
  | 'configmap'
  | 'node'
  | 'pod'
  | 'pv'
  | 'pvc'
  | 'secret'
  | 'serviceaccount'
  | 'volumeattachment';

/** Annotation a kubelet puts on the mirror pod of a static pod (core/v1 MirrorPodAnnotationKey). */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** What a bound pod makes readable for its node: the slim form of a Pod at the graph's boundary. */
export interface PodReferences {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly nodeName: string;
  /** Mirror pods get only pod → node: a node must not grant itself reads by creating one. */
  readonly mirror: boolean;
  readonly serviceAccount: string;
  readonly secrets: readonly string[];
  readonly configMaps: readonly string[];
  readonly claims: readonly string[];
}

/** What a PersistentVolume adds: its bound claim and the secrets the node needs to mount it. */
export interface PvReferences {
  readonly name: string;
  readonly claim?: { readonly namespace: string; readonly name: string };
  readonly secrets: readonly { readonly namespace: string; readonly name: string }[];
}

const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');
const objects = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
const field = (o: Json | undefined, key: string): Json | undefined => (isJsonObject(o) ? o[key] : undefined);

/** Secret (`secretKeyRef`, `secretRef`) or ConfigMap names one container's env and envFrom name. */
function containerRefs(c: JsonObject, kind: 'secret' | 'configMap'): string[] {
  const out: string[] = [];
  for (const from of objects(c.envFrom)) out.push(str(field(from[`${kind}Ref`], 'name')));
  for (const env of objects(c.env)) out.push(str(field(field(env.valueFrom, `${kind}KeyRef`), 'name')));
  return out;
}

/**
 * The Secrets, ConfigMaps, claims and service account a pod names (podutil.VisitPodSecretNames,
 * VisitPodConfigmapNames; ephemeral volumes' claims are `<pod>-<volume>`). Undefined for a pod
 * that is not bound to a node yet.
 */
export function podReferences(pod: JsonObject): PodReferences | undefined {
  const meta = isJsonObject(pod.metadata) ? pod.metadata : {};
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const nodeName = str(spec.nodeName);
  if (nodeName === '') return undefined;
  const name = str(meta.name);
  const containers = [
    ...objects(spec.initContainers),
    ...objects(spec.containers),
    ...objects(spec.ephemeralContainers),
  ];
  const secrets = objects(spec.imagePullSecrets).map((r) => str(r.name));
  const configMaps: string[] = [];
  const claims: string[] = [];
  for (const c of containers) {
    secrets.push(...containerRefs(c, 'secret'));
    configMaps.push(...containerRefs(c, 'configMap'));
  }
  for (const v of objects(spec.volumes)) {
    if (isJsonObject(v.secret)) secrets.push(str(v.secret.secretName));
    if (isJsonObject(v.configMap)) configMaps.push(str(v.configMap.name));
    for (const source of objects(field(v.projected, 'sources'))) {
      secrets.push(str(field(source.secret, 'name')));
      configMaps.push(str(field(source.configMap, 'name')));
    }
    // In-tree volume plugins that read a secret on the node.
    secrets.push(str(field(v.azureFile, 'secretName')));
    for (const plugin of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) {
      secrets.push(str(field(field(v[plugin], 'secretRef'), 'name')));
    }
    secrets.push(str(field(field(v.csi, 'nodePublishSecretRef'), 'name')));
    if (isJsonObject(v.persistentVolumeClaim)) claims.push(str(v.persistentVolumeClaim.claimName));
    else if (isJsonObject(v.ephemeral)) claims.push(`${name}-${str(v.name)}`);
  }
  const named = (names: string[]): string[] => [...new Set(names.filter((n) => n !== ''))];
  const annotations = isJsonObject(meta.annotations) ? meta.annotations : {};
  return {
    namespace: str(meta.namespace),
    name,
    uid: str(meta.uid),
    nodeName,
    mirror: MIRROR_POD_ANNOTATION in annotations,
    serviceAccount: str(spec.serviceAccountName),
    secrets: named(secrets),
    configMaps: named(configMaps),
    claims: named(claims),
  };
}

/**
 * A PersistentVolume's claim and the secrets a CSI driver reads on the node (nodePublish,
 * nodeStage, nodeExpand: the kubelet-visible ones of pvutil.VisitPVSecretNames). The in-tree
 * volume plugins' secrets of PVs are not followed.
 */
export function pvReferences(pv: JsonObject): PvReferences {
  const spec = isJsonObject(pv.spec) ? pv.spec : {};
  const ref = isJsonObject(spec.claimRef) ? spec.claimRef : undefined;
  const secrets: { namespace: string; name: string }[] = [];
  for (const key of ['nodePublishSecretRef', 'nodeStageSecretRef', 'nodeExpandSecretRef']) {
    const s = field(spec.csi, key);
    if (str(field(s, 'name')) !== '')
      secrets.push({ namespace: str(field(s, 'namespace')), name: str(field(s, 'name')) });
  }
  return {
    name: str(isJsonObject(pv.metadata) ? pv.metadata.name : undefined),
    ...(ref && str(ref.name) !== '' ? { claim: { namespace: str(ref.namespace), name: str(ref.name) } } : {}),
    secrets,
  };
}

const keyOf = (type: VertexType, namespace: string, name: string): string => `${type}/${namespace}/${name}`;
const typeOf = (key: string): VertexType => key.slice(0, key.indexOf('/')) as VertexType;

/** The graph. Mutations mirror graph.go's AddPod/DeletePod/AddPV/… including its orphan clean-up. */
export class NodeGraph {
  /** vertex → vertices it points to, and the reverse. A vertex exists while it has an entry here. */
  readonly #out = new Map<string, Set<string>>();
  readonly #in = new Map<string, Set<string>>();
  /**
   * vertex → node → how many of its edges end at that node or at a pod bound to it (graph.go's
   * destination edge index): a Secret or ConfigMap that thousands of pods use (every pod's
   * `kube-root-ca.crt`) answers in one lookup instead of a walk over its pods.
   */
  readonly #dest = new Map<string, Map<string, number>>();
  /** The edges the index does not count (secret → pv → pvc): the only ones a walk follows. */
  readonly #plain = new Map<string, Set<string>>();

  #vertex(key: string): string {
    if (!this.#out.has(key)) {
      this.#out.set(key, new Set());
      this.#in.set(key, new Set());
    }
    return key;
  }

  #edge(from: string, to: string): void {
    const out = this.#out.get(this.#vertex(from));
    if (!out || out.has(to)) return;
    out.add(this.#vertex(to));
    this.#in.get(to)?.add(from);
    const node = this.#destinationOf(to);
    if (node !== undefined) this.#count(from, node, 1);
    else {
      const plain = this.#plain.get(from) ?? new Set<string>();
      this.#plain.set(from, plain.add(to));
    }
  }

  /** The node an edge into `to` leads to: `to` itself, or the node of a pod (its one out-edge). */
  #destinationOf(to: string): string | undefined {
    const type = typeOf(to);
    if (type === 'node') return to;
    if (type === 'pod') return this.#out.get(to)?.values().next().value;
    return undefined;
  }

  #count(from: string, node: string, delta: number): void {
    const counts = this.#dest.get(from) ?? new Map<string, number>();
    this.#dest.set(from, counts);
    const n = (counts.get(node) ?? 0) + delta;
    if (n > 0) counts.set(node, n);
    else counts.delete(node);
  }

  #degree(key: string): number {
    return (this.#out.get(key)?.size ?? 0) + (this.#in.get(key)?.size ?? 0);
  }

  #remove(key: string): void {
    // In-edges first: a pod's node (its out-edge) is still there to uncount.
    const node = this.#destinationOf(key);
    for (const from of this.#in.get(key) ?? []) {
      this.#out.get(from)?.delete(key);
      if (node !== undefined) this.#count(from, node, -1);
      else this.#plain.get(from)?.delete(key);
    }
    for (const to of this.#out.get(key) ?? []) this.#in.get(to)?.delete(key);
    this.#out.delete(key);
    this.#in.delete(key);
    this.#dest.delete(key);
    this.#plain.delete(key);
  }

  /** Removes a vertex and every neighbour whose only edge was to or from it (deleteVertexLocked). */
  #deleteVertex(key: string): void {
    if (!this.#out.has(key)) return;
    const orphans = [...(this.#out.get(key) ?? []), ...(this.#in.get(key) ?? [])].filter(
      (n) => this.#degree(n) === 1,
    );
    this.#remove(key);
    for (const n of orphans) this.#remove(n);
  }

  /** Adds (or replaces) a bound pod and what it references. */
  addPod(pod: PodReferences): void {
    const podKey = keyOf('pod', pod.namespace, pod.name);
    this.#deleteVertex(podKey);
    this.#edge(podKey, keyOf('node', '', pod.nodeName));
    if (pod.mirror) return;
    const ns = pod.namespace;
    if (pod.serviceAccount !== '') this.#edge(keyOf('serviceaccount', ns, pod.serviceAccount), podKey);
    for (const s of pod.secrets) this.#edge(keyOf('secret', ns, s), podKey);
    for (const c of pod.configMaps) this.#edge(keyOf('configmap', ns, c), podKey);
    for (const c of pod.claims) this.#edge(keyOf('pvc', ns, c), podKey);
  }

  deletePod(namespace: string, name: string): void {
    this.#deleteVertex(keyOf('pod', namespace, name));
  }

  /** Adds (or replaces) a PersistentVolume: pv → its claim, its node-side secrets → pv. */
  addPV(pv: PvReferences): void {
    const pvKey = keyOf('pv', '', pv.name);
    this.#deleteVertex(pvKey);
    if (!pv.claim) return;
    this.#edge(pvKey, keyOf('pvc', pv.claim.namespace, pv.claim.name));
    for (const s of pv.secrets) this.#edge(keyOf('secret', s.namespace, s.name), pvKey);
  }

  deletePV(name: string): void {
    this.#deleteVertex(keyOf('pv', '', name));
  }

  /** A VolumeAttachment names the node it attaches to; empty `nodeName` only removes it. */
  addVolumeAttachment(name: string, nodeName: string): void {
    const key = keyOf('volumeattachment', '', name);
    this.#deleteVertex(key);
    if (nodeName !== '') this.#edge(key, keyOf('node', '', nodeName));
  }

  deleteVolumeAttachment(name: string): void {
    this.#deleteVertex(keyOf('volumeattachment', '', name));
  }

  /**
   * True when a path leads from the object's vertex to `nodeName` (hasPathFrom). Every way into a
   * node ends in an edge the index counts, so the walk follows only the edges it does not count
   * (secret → pv → pvc) and asks the index at each vertex.
   */
  hasPathFrom(nodeName: string, type: VertexType, namespace: string, name: string): boolean {
    const target = keyOf('node', '', nodeName);
    const start = keyOf(type, namespace, name);
    if (!this.#out.has(target) || !this.#out.has(start)) return false;
    const seen = new Set<string>([start]);
    const stack = [start];
    for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
      if (this.#dest.get(v)?.has(target)) return true;
      for (const next of this.#plain.get(v) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(next);
      }
    }
    return false;
  }

  /** Every vertex as `type/namespace/name`, sorted: for tests and debugging. */
  dump(): string[] {
    return [...this.#out.keys()].sort();
  }
}
