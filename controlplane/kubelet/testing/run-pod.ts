/**
 * The kubelet's own path for kernel tests that need a pod on a real containerd: the ApplyContext
 * every such test uses (cluster DNS 10.96.0.10, a documentation node address, no services or
 * objects), and one observe → plan → apply pass that starts a pod.
 */
import type { CriClient } from '../../../lib/cri/index.js';
import { type ApplyContext, type ApplyResult, applyActions } from '../apply.js';
import type { KubeletPod } from '../model.js';
import { observeRuntime } from '../observe.js';
import { emptyObservation, type ObservedPod } from '../observed.js';
import { planPod } from '../plan.js';

/** The ApplyContext of the kernel tests, with `observed` and the pods' log directory. */
export function testApplyContext(observed: ObservedPod, podLogsDir: string): ApplyContext {
  return {
    observed,
    podLogsDir,
    dns: {
      servers: ['10.96.0.10'],
      domain: 'cluster.local',
      host: { servers: [], searches: [], options: [] },
    },
    hostIPs: ['192.0.2.1'],
    services: [],
    objects: { configMaps: new Map(), secrets: new Map() },
  };
}

/** Observes the runtime, plans the pod and applies the plan once (a new pod: sandbox and containers). */
export async function startPodOnce(
  cri: CriClient,
  pod: KubeletPod,
  podLogsDir: string,
): Promise<ApplyResult> {
  const observed = (await observeRuntime(cri)).get(pod.uid) ?? emptyObservation(pod);
  const plan = planPod({ desired: pod, observed, now: Date.now(), backoff: new Map() });
  return applyActions(cri, pod, plan.actions, testApplyContext(observed, podLogsDir));
}
