/**
 * Node lifecycle (pkg/controller/nodelifecycle): a node whose Lease in kube-node-lease has not
 * been renewed for `gracePeriodMs` (40 s, `--node-monitor-grace-period`) gets Ready=Unknown, the
 * `node.kubernetes.io/unreachable` NoSchedule and NoExecute taints, and its pods are marked
 * not ready so endpoints drop them; after `evictionTimeoutMs` (300 s, the default toleration of
 * the unreachable taint) its pods are deleted. Freshness is judged by *local* observation time
 * of a renewTime change (the controller's clock), so clock skew does not matter.
 */
import type { Condition, KubeObject, Node, Pod, Taint } from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import { isNotFound, nodesResource, podsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { BY_NODE, type ControllerContext, type RunningController, startController } from './context.js';
import { isPodReady } from './pods.js';

/** The taint key of an unreachable node. */
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** Options of the node lifecycle controller. */
export interface NodeLifecycleOptions {
  /** Lease silence before a node is NotReady (default 40 000). */
  readonly gracePeriodMs?: number;
  /** Time tainted NoExecute before pods are evicted (default 300 000). */
  readonly evictionTimeoutMs?: number;
  /** How often each node is looked at (default 5 000, `--node-monitor-period`). */
  readonly monitorPeriodMs?: number;
}

/** What to do for one node. */
export interface NodeLifecyclePlan {
  readonly healthy: boolean;
  /** New Ready condition to write, if it must change. */
  readonly readyCondition: Condition | undefined;
  /** The full new taint list, if it must change. */
  readonly taints: readonly Taint[] | undefined;
  readonly markNotReady: readonly Pod[];
  readonly evict: readonly Pod[];
}

/** Inputs of `planNodeLifecycle`. */
export interface NodeLifecycleInputs {
  readonly node: Node;
  readonly pods: readonly Pod[];
  /** Local time the Lease (or node) was last seen renewed. */
  readonly lastRenewedAt: number;
  readonly now: number;
  readonly gracePeriodMs: number;
  readonly evictionTimeoutMs: number;
}

function tolerationSeconds(pod: Pod): number | undefined | 'forever' {
  for (const t of pod.spec.tolerations ?? []) {
    const keyOk = t.key === UNREACHABLE_TAINT || (!t.key && t.operator === 'Exists');
    const effectOk = !t.effect || t.effect === 'NoExecute';
    if (keyOk && effectOk) return t.tolerationSeconds === undefined ? 'forever' : t.tolerationSeconds;
  }
  return undefined;
}

/** Pure: the next step for one node. */
export function planNodeLifecycle(input: NodeLifecycleInputs): NodeLifecyclePlan {
  const { node, now } = input;
  const healthy = now - input.lastRenewedAt <= input.gracePeriodMs;
  const taints = node.spec?.taints ?? [];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const ours = taints.filter((t) => t.key === UNREACHABLE_TAINT);
  if (healthy) {
    // The kubelet reports Ready again; only then do the taints go (TaintNodesByCondition).
    const lift = ours.length > 0 && ready?.status === 'True';
    return {
      healthy,
      readyCondition: undefined,
      taints: lift ? taints.filter((t) => t.key !== UNREACHABLE_TAINT) : undefined,
      markNotReady: [],
      evict: [],
    };
  }
  const stamp = formatTime(now);
  const readyCondition: Condition | undefined =
    ready?.status === 'Unknown'
      ? undefined
      : {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: ready?.lastHeartbeatTime ?? stamp,
          lastTransitionTime: stamp,
        };
  const want: Taint[] = [
    { key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: stamp },
    { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: stamp },
  ];
  const missing = want.filter((w) => !ours.some((t) => t.effect === w.effect));
  const newTaints = missing.length > 0 ? [...taints, ...missing] : undefined;
  const noExecute = ours.find((t) => t.effect === 'NoExecute');
  const taintedAt = noExecute?.timeAdded ? Date.parse(noExecute.timeAdded) : now;
  const active = input.pods.filter((p) => !p.metadata.deletionTimestamp);
  const evict = active.filter((p) => {
    const tol = tolerationSeconds(p);
    if (tol === 'forever') return false;
    const limit = tol === undefined ? input.evictionTimeoutMs : tol * 1000;
    return now - taintedAt >= limit;
  });
  return {
    healthy,
    readyCondition,
    taints: newTaints,
    markNotReady: active.filter((p) => isPodReady(p) && !evict.includes(p)),
    evict,
  };
}

/** Starts the node lifecycle controller. */
export function nodeLifecycleController(
  ctx: ControllerContext,
  options: NodeLifecycleOptions,
): RunningController {
  const grace = options.gracePeriodMs ?? 40_000;
  const eviction = options.evictionTimeoutMs ?? 300_000;
  const period = options.monitorPeriodMs ?? 5_000;
  const { informers: inf, client } = ctx;
  /** node → [last renewTime seen, local time it was seen]. */
  const seen = new Map<string, { renew: string; at: number }>();
  const observe = (name: string, renew: string): number => {
    const prev = seen.get(name);
    if (prev?.renew === renew) return prev.at;
    const at = ctx.clock.now();
    seen.set(name, { renew, at });
    return at;
  };

  const reconcile = async (name: string): Promise<ReconcileResult> => {
    const node = inf.nodes.cache.get(name);
    if (!node) {
      seen.delete(name);
      return { kind: 'done' };
    }
    const lease = inf.nodeLeases.cache.get(`kube-node-lease/${name}`);
    // Without a Lease the Ready heartbeat stands in (kubelets before NodeLease did that).
    const heartbeat =
      lease?.spec.renewTime ??
      node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime ??
      '';
    const lastRenewedAt = observe(name, heartbeat);
    const plan = planNodeLifecycle({
      node,
      pods: inf.pods.cache.byIndex(BY_NODE, name),
      lastRenewedAt,
      now: ctx.clock.now(),
      gracePeriodMs: grace,
      evictionTimeoutMs: eviction,
    });
    const nodes = client.resource(nodesResource);
    const pods = client.resource(podsResource);
    const ignoreGone = (err: unknown): void => {
      if (!isNotFound(err)) throw err;
    };
    // Taints first: that patch carries the cached resourceVersion (another writer's taint must
    // not be lost), and our own status write would make it stale.
    if (plan.taints) {
      await nodes
        .patch(
          name,
          { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: plan.taints } },
          { type: 'merge' },
        )
        .catch(ignoreGone);
    }
    if (plan.readyCondition) {
      ctx.logger.warn('node not ready: lease not renewed', { node: name });
      await nodes
        .patchStatus(name, { status: { conditions: [plan.readyCondition] } }, { type: 'strategic' })
        .catch(ignoreGone);
    }
    const stamp = formatTime(ctx.clock.now());
    for (const p of plan.markNotReady) {
      await pods
        .patchStatus(
          p.metadata.name ?? '',
          {
            status: {
              conditions: [
                { type: 'Ready', status: 'False', reason: 'NodeNotReady', lastTransitionTime: stamp },
              ],
            },
          },
          { type: 'strategic', namespace: p.metadata.namespace ?? 'default' },
        )
        .catch(ignoreGone);
    }
    for (const p of plan.evict) {
      ctx.logger.info('evicting pod from unreachable node', {
        node: name,
        pod: `${p.metadata.namespace}/${p.metadata.name}`,
      });
      await pods
        .delete(p.metadata.name ?? '', { namespace: p.metadata.namespace ?? 'default' })
        .catch(ignoreGone);
    }
    return { kind: 'requeueAfter', ms: period };
  };
  const nodeName = (o: KubeObject): string[] => [o.metadata.name ?? ''];
  return startController(ctx, {
    name: 'nodelifecycle',
    reconcile,
    workers: 2,
    watches: [
      watch(inf.nodes, { on: ['add', 'update'], keys: nodeName }),
      watch(inf.nodeLeases, { on: ['add', 'update'], keys: nodeName }),
    ],
  });
}
