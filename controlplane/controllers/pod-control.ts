/**
 * Creating and deleting the pods a workload controller owns (kube's controller.PodControl plus
 * its expectations), shared by the ReplicaSet, Job and DaemonSet controllers: pods are created
 * in batches of 20 and remembered until the informer shows them, deletions likewise, so a
 * lagging cache never causes a double creation; a pod already gone counts as deleted.
 */
import type { KubeObject, OwnerReference, Pod } from '../../lib/api/index.js';
import { keyOf } from '../../lib/api/meta.js';
import { isNotFound, type KubeClient, podsResource, type ResourceClient } from '../../lib/client/index.js';
import { type EventSource, type Watch, watch } from '../../lib/component/index.js';
import { ownerKey } from './context.js';

/** Pods created per batch (kube's slow-start batches start at 1; we keep one fixed size). */
const CREATE_BATCH = 20;

/** Pods a controller created or deleted and the informer has not shown yet, per owner key. */
export class Expectations {
  readonly #creates = new Map<string, Map<string, Pod>>();
  readonly #deletes = new Map<string, Set<string>>();

  created(ownerKey: string, pod: Pod): void {
    let m = this.#creates.get(ownerKey);
    if (!m) {
      m = new Map();
      this.#creates.set(ownerKey, m);
    }
    m.set(keyOf(pod), pod);
  }

  deleted(ownerKey: string, podKey: string): void {
    let s = this.#deletes.get(ownerKey);
    if (!s) {
      s = new Set();
      this.#deletes.set(ownerKey, s);
    }
    s.add(podKey);
  }

  /** The informer showed `podKey` (created, updated to terminating, or gone). */
  observed(podKey: string, gone: boolean, terminating: boolean): void {
    for (const m of this.#creates.values()) m.delete(podKey);
    if (gone || terminating) for (const s of this.#deletes.values()) s.delete(podKey);
  }

  /** The cached pods corrected by what is still in flight. */
  adjust(ownerKey: string, cached: readonly Pod[]): Pod[] {
    const dels = this.#deletes.get(ownerKey);
    const out = dels?.size ? cached.filter((p) => !dels.has(keyOf(p))) : [...cached];
    const have = new Set(out.map(keyOf));
    for (const [k, p] of this.#creates.get(ownerKey) ?? []) if (!have.has(k)) out.push(p);
    return out;
  }

  forget(ownerKey: string): void {
    this.#creates.delete(ownerKey);
    this.#deletes.delete(ownerKey);
  }
}

/** The controller owner reference new pods of `owner` carry. */
export function controllerOwnerRef(
  owner: KubeObject,
  ref: { readonly apiVersion: string; readonly kind: string },
): OwnerReference {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Creates and deletes owned pods, keeping the expectations. */
export class PodControl {
  readonly expectations = new Expectations();
  readonly #pods: ResourceClient<Pod>;

  constructor(client: KubeClient) {
    this.#pods = client.resource(podsResource);
  }

  /** Creates `pods` for the owner `ownerKey` in batches; `onCreated` sees each as the server made it. */
  async create(
    ownerKey: string,
    namespace: string,
    pods: readonly Pod[],
    onCreated?: (pod: Pod) => void,
  ): Promise<void> {
    for (let i = 0; i < pods.length; i += CREATE_BATCH) {
      const made = await Promise.all(
        pods.slice(i, i + CREATE_BATCH).map((p) => this.#pods.create(p, { namespace })),
      );
      for (const p of made) {
        this.expectations.created(ownerKey, p);
        onCreated?.(p);
      }
    }
  }

  /** Deletes `pods` one by one; `onDeleted` sees each once its delete was accepted (or it was gone). */
  async delete(
    ownerKey: string,
    namespace: string,
    pods: readonly Pod[],
    onDeleted?: (pod: Pod) => void,
  ): Promise<void> {
    for (const p of pods) {
      this.expectations.deleted(ownerKey, keyOf(p));
      await this.deletePod(namespace, p.metadata.name ?? '');
      onDeleted?.(p);
    }
  }

  /** Deletes one pod; already gone is fine. */
  async deletePod(namespace: string, name: string): Promise<void> {
    await this.#pods.delete(name, { namespace }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /** Tells the expectations what the informer showed of `pod`. */
  observe(pod: Pod, gone: boolean): void {
    this.expectations.observed(keyOf(pod), gone, gone || pod.metadata.deletionTimestamp !== undefined);
  }

  /**
   * The pod watch of the controller using this PodControl: every pod event first tells the
   * expectations what it shows, then names the key of the pod's `kind` controller owner.
   */
  watchOwnedPods(pods: EventSource<Pod>, kind: string, apiVersion?: string): Watch {
    return watch(pods, {
      keys: (p, _old, event) => {
        this.observe(p, event === 'delete');
        return ownerKey(p, kind, apiVersion);
      },
    });
  }
}
