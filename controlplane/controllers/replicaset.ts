/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods owned by each ReplicaSet and
 * reports counts in its status. The plan is pure (`planReplicaSet`); the adapter creates and
 * deletes pods and remembers what it asked for until the informer shows it (client-go's
 * "expectations"), so a lagging cache never causes double creations.
 */
import type { Pod, ReplicaSet } from '../../lib/api/index.js';
import { isConflict, isNotFound, podsResource, replicaSetsResource } from '../../lib/client/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import {
  type ControllerContext,
  controlledPods,
  controllerRef,
  keyOfObj,
  makeController,
  type RunningController,
  splitKey,
} from './context.js';
import { deletionOrder, isPodActive, isPodAvailable, isPodReady, podFromTemplate } from './pods.js';

/** ReplicaSet status fields the controller owns. */
export type ReplicaSetStatus = NonNullable<ReplicaSet['status']>;

/** What to do for one ReplicaSet. */
export interface ReplicaSetPlan {
  readonly create: number;
  readonly delete: readonly Pod[];
  readonly status: ReplicaSetStatus;
}

/** Pure: pods to create or delete, and the status to report, for `rs` and the pods it owns. */
export function planReplicaSet(rs: ReplicaSet, owned: readonly Pod[], now: number): ReplicaSetPlan {
  const want = rs.spec.replicas ?? 1;
  const active = owned.filter(isPodActive);
  const diff = active.length - want;
  const minReady = rs.spec.minReadySeconds ?? 0;
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) =>
      Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
    ).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (diff < 0) return { create: -diff, delete: [], status };
  if (diff > 0) return { create: 0, delete: [...active].sort(deletionOrder).slice(0, diff), status };
  return { create: 0, delete: [], status };
}

function sameStatus(a: ReplicaSet['status'], b: ReplicaSetStatus): boolean {
  return (
    a !== undefined &&
    a.replicas === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === b.fullyLabeledReplicas &&
    (a.readyReplicas ?? 0) === b.readyReplicas &&
    (a.availableReplicas ?? 0) === b.availableReplicas &&
    (a.observedGeneration ?? 0) === b.observedGeneration
  );
}

/** Pods a controller created or deleted and the informer has not shown yet, per owner (ReplicaSet, Job). */
export class Expectations {
  readonly #creates = new Map<string, Map<string, Pod>>();
  readonly #deletes = new Map<string, Set<string>>();

  created(rsKey: string, pod: Pod): void {
    let m = this.#creates.get(rsKey);
    if (!m) {
      m = new Map();
      this.#creates.set(rsKey, m);
    }
    m.set(keyOfObj(pod), pod);
  }

  deleted(rsKey: string, podKey: string): void {
    let s = this.#deletes.get(rsKey);
    if (!s) {
      s = new Set();
      this.#deletes.set(rsKey, s);
    }
    s.add(podKey);
  }

  /** The informer showed `podKey` (created, updated to terminating, or gone). */
  observed(podKey: string, gone: boolean, terminating: boolean): void {
    for (const m of this.#creates.values()) m.delete(podKey);
    if (gone || terminating) for (const s of this.#deletes.values()) s.delete(podKey);
  }

  /** The cached pods corrected by what is still in flight. */
  adjust(rsKey: string, cached: readonly Pod[]): Pod[] {
    const dels = this.#deletes.get(rsKey);
    const out = dels?.size ? cached.filter((p) => !dels.has(keyOfObj(p))) : [...cached];
    const have = new Set(out.map(keyOfObj));
    for (const [k, p] of this.#creates.get(rsKey) ?? []) if (!have.has(k)) out.push(p);
    return out;
  }

  forget(rsKey: string): void {
    this.#creates.delete(rsKey);
    this.#deletes.delete(rsKey);
  }
}

/** Starts the ReplicaSet controller's handlers; run the returned controller while leading. */
export function replicaSetController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const expectations = new Expectations();
  const pods = client.resource(podsResource);
  const rsClient = client.resource(replicaSetsResource);

  const owned = (rs: ReplicaSet): Pod[] => controlledPods(inf, rs);

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const rs = inf.replicaSets.cache.get(key);
    if (!rs || rs.metadata.deletionTimestamp) {
      expectations.forget(key);
      return { kind: 'done' };
    }
    const { namespace, name } = splitKey(key);
    const plan = planReplicaSet(rs, expectations.adjust(key, owned(rs)), ctx.clock.now());
    if (plan.create > 0) {
      const owner = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name,
        uid: rs.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      };
      const todo = Array.from({ length: plan.create }, () =>
        podFromTemplate(rs.spec.template, { namespace, generateName: `${name}-`, owner }),
      );
      for (let i = 0; i < todo.length; i += 20) {
        const made = await Promise.all(todo.slice(i, i + 20).map((p) => pods.create(p, { namespace })));
        for (const p of made) expectations.created(key, p);
      }
    }
    for (const p of plan.delete) {
      expectations.deleted(key, keyOfObj(p));
      await pods.delete(p.metadata.name ?? '', { namespace }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    if (plan.create === 0 && plan.delete.length === 0 && !sameStatus(rs.status, plan.status)) {
      try {
        await rsClient.updateStatus({ ...rs, status: plan.status }, { namespace });
      } catch (err: unknown) {
        if (isConflict(err)) return { kind: 'requeueAfter', ms: 50 };
        if (!isNotFound(err)) throw err;
      }
    }
    // minReadySeconds: look again when the next pod becomes available.
    const minReady = rs.spec.minReadySeconds ?? 0;
    if (minReady > 0 && plan.status.availableReplicas !== plan.status.readyReplicas)
      return { kind: 'requeueAfter', ms: minReady * 1000 };
    return { kind: 'done' };
  };

  const controller = makeController(ctx, 'replicaset', reconcile, 4);
  const enqueueOwner = (p: Pod): void => {
    const ref = controllerRef(p);
    if (ref?.kind !== 'ReplicaSet') return;
    controller.enqueue(`${p.metadata.namespace ?? ''}/${ref.name}`);
  };
  const detachRs = inf.replicaSets.addEventHandler({
    onAdd: (rs) => controller.enqueue(keyOfObj(rs)),
    onUpdate: (_o, rs) => controller.enqueue(keyOfObj(rs)),
    onDelete: (rs) => controller.enqueue(keyOfObj(rs)),
  });
  const detachPods = inf.pods.addEventHandler({
    onAdd: (p) => {
      expectations.observed(keyOfObj(p), false, p.metadata.deletionTimestamp !== undefined);
      enqueueOwner(p);
    },
    onUpdate: (_o, p) => {
      expectations.observed(keyOfObj(p), false, p.metadata.deletionTimestamp !== undefined);
      enqueueOwner(p);
    },
    onDelete: (p) => {
      expectations.observed(keyOfObj(p), true, true);
      enqueueOwner(p);
    },
  });
  return {
    name: 'replicaset',
    controller,
    detach: () => {
      detachRs();
      detachPods();
    },
  };
}
