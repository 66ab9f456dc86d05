/**
 * The DaemonSet controller (pkg/controller/daemon): one pod per eligible node. Eligibility is
 * the node selector, required node affinity and NoSchedule/NoExecute taints; the pod carries a
 * required node affinity on `metadata.name` so the scheduler binds it to exactly that node (as
 * kube-controller-manager has done since 1.12), plus the tolerations a DaemonSet pod always
 * gets. A template change rolls node by node, at most `maxUnavailable` (1) at a time.
 */
import type { DaemonSet, Node, Pod, Taint, Toleration } from '../../lib/api/index.js';
import { keyOf, splitObjectKey } from '../../lib/api/meta.js';
import { daemonSetsResource, isConflict, isNotFound, podsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import {
  type ControllerContext,
  controlledPods,
  ownerKey,
  type RunningController,
  startController,
} from './context.js';
import { templateHash } from './deployment-plan.js';
import { controllerOwnerRef, PodControl } from './pod-control.js';
import { isPodActive, isPodReady, podFromTemplate } from './pods.js';

/** Label with the template hash on DaemonSet pods (apps/v1 DefaultDaemonSetUniqueLabelKey). */
export const DAEMONSET_HASH = 'controller-revision-hash';

/** Tolerations every DaemonSet pod gets (daemon/util AddOrUpdateDaemonPodTolerations). */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function tolerated(taint: Taint, tolerations: readonly Toleration[]): boolean {
  return tolerations.some(
    (t) =>
      (!t.effect || t.effect === taint.effect) &&
      (t.operator === 'Exists'
        ? !t.key || t.key === taint.key
        : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
  );
}

/** True when a daemon pod of `ds` belongs on `node`. */
export function nodeEligible(ds: DaemonSet, node: Node): boolean {
  const spec = ds.spec.template.spec as DaemonSet['spec']['template']['spec'] & {
    nodeSelector?: Record<string, string>;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
          nodeSelectorTerms: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
        };
      };
    };
  };
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (
    terms &&
    !terms.some(
      (t) =>
        (t.matchExpressions ?? []).length > 0 &&
        (t.matchExpressions ?? []).every((e) => {
          const v = labels[e.key];
          if (e.operator === 'In') return v !== undefined && (e.values ?? []).includes(v);
          if (e.operator === 'NotIn') return v === undefined || !(e.values ?? []).includes(v);
          if (e.operator === 'Exists') return v !== undefined;
          if (e.operator === 'DoesNotExist') return v === undefined;
          return false;
        }),
    )
  )
    return false;
  const tolerations = [...(spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
  return (node.spec?.taints ?? []).every((t) => t.effect === 'PreferNoSchedule' || tolerated(t, tolerations));
}

/** What to do for one DaemonSet. */
export interface DaemonSetPlan {
  /** Nodes that need a pod. */
  readonly create: readonly string[];
  readonly delete: readonly Pod[];
  readonly status: NonNullable<DaemonSet['status']>;
}

/** Pure: pods to create and delete so each eligible node runs one up-to-date pod. */
export function planDaemonSet(ds: DaemonSet, nodes: readonly Node[], owned: readonly Pod[]): DaemonSetPlan {
  const hash = templateHash(ds.spec.template);
  const active = owned.filter(isPodActive);
  const byNode = new Map<string, Pod[]>();
  for (const p of active) {
    const n = nodeOfDaemonPod(p);
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const eligible = new Set(nodes.filter((n) => nodeEligible(ds, n)).map((n) => n.metadata.name ?? ''));
  const create: string[] = [];
  const del: Pod[] = [];
  const old: Pod[] = [];
  for (const name of eligible) {
    const pods = byNode.get(name) ?? [];
    if (pods.length === 0) create.push(name);
    // Duplicates: keep the oldest (daemon_controller podsShouldBeOnNode).
    const sorted = [...pods].sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    );
    del.push(...sorted.slice(1));
    if (sorted[0] && sorted[0].metadata.labels?.[DAEMONSET_HASH] !== hash) old.push(sorted[0]);
  }
  let misscheduled = 0;
  for (const [name, pods] of byNode) {
    if (eligible.has(name)) continue;
    misscheduled += pods.filter((p) => p.spec.nodeName).length;
    del.push(...pods);
  }
  // Rolling update, maxUnavailable 1: replace an old pod only while every other pod is ready.
  const unavailable = [...eligible].filter((n) => !(byNode.get(n) ?? []).some(isPodReady)).length;
  if (unavailable === 0 && old[0]) del.push(old[0]);
  const scheduled = [...eligible].filter((n) => (byNode.get(n) ?? []).some((p) => p.spec.nodeName)).length;
  const ready = [...eligible].filter((n) => (byNode.get(n) ?? []).some(isPodReady)).length;
  return {
    create,
    delete: del,
    status: {
      desiredNumberScheduled: eligible.size,
      currentNumberScheduled: scheduled,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 0,
    },
  };
}

/** The node a daemon pod is bound to or meant for (its metadata.name affinity). */
function nodeOfDaemonPod(p: Pod): string {
  if (p.spec.nodeName) return p.spec.nodeName;
  const aff = p.spec.affinity;
  return (
    aff?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]
      ?.values?.[0] ?? ''
  );
}

/** Starts the DaemonSet controller. */
export function daemonSetController(ctx: ControllerContext): RunningController {
  const { informers: inf, client } = ctx;
  const pods = client.resource(podsResource);
  const podControl = new PodControl(client);
  /** Creates not yet seen by the informer: `dsKey|node`. */
  const pending = new Set<string>();

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const ds = inf.daemonSets.cache.get(key);
    if (!ds || ds.metadata.deletionTimestamp) return { kind: 'done' };
    const { namespace, name } = splitObjectKey(key);
    const owned = controlledPods(inf, ds);
    for (const p of owned) pending.delete(`${key}|${nodeOfDaemonPod(p)}`);
    const plan = planDaemonSet(ds, inf.nodes.cache.list(), owned);
    const hash = templateHash(ds.spec.template);
    const owner = controllerOwnerRef(ds, { apiVersion: 'apps/v1', kind: 'DaemonSet' });
    for (const node of plan.create) {
      if (pending.has(`${key}|${node}`)) continue;
      const pod = podFromTemplate(ds.spec.template, { namespace, generateName: `${name}-`, owner });
      pod.metadata.labels = { ...pod.metadata.labels, [DAEMONSET_HASH]: hash };
      pod.spec.tolerations = [...(pod.spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
      pod.spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
          },
        },
      };
      pending.add(`${key}|${node}`);
      await pods.create(pod, { namespace }).catch((err: unknown) => {
        pending.delete(`${key}|${node}`);
        throw err;
      });
    }
    for (const p of plan.delete) await podControl.deletePod(namespace, p.metadata.name ?? '');
    const cur = ds.status;
    const same =
      cur && Object.entries(plan.status).every(([k, v]) => (cur as Record<string, unknown>)[k] === v);
    if (!same) {
      await client
        .resource(daemonSetsResource)
        .updateStatus({ ...ds, status: plan.status }, { namespace })
        .catch((err: unknown) => {
          if (!isConflict(err) && !isNotFound(err)) throw err;
        });
    }
    return { kind: 'done' };
  };
  const all = (): string[] => inf.daemonSets.cache.list().map(keyOf);
  return startController(ctx, {
    name: 'daemonset',
    reconcile,
    workers: 2,
    watches: [
      watch(inf.daemonSets, { on: ['add', 'update'] }),
      watch(inf.nodes, {
        keys: (n, o) =>
          o === undefined ||
          JSON.stringify([o.metadata.labels, o.spec?.taints]) !==
            JSON.stringify([n.metadata.labels, n.spec?.taints])
            ? all()
            : [],
      }),
      watch(inf.pods, { keys: (p) => ownerKey(p, 'DaemonSet') }),
    ],
  });
}
