/**
 * Simulated nodes for tests and benchmarks (no kubelet, as kwok and scheduler_perf do): a
 * Node object with capacity and a Ready condition, its Lease in kube-node-lease, and a
 * "kubelet" that only writes what a kubelet would write through the API — pod status
 * (Running, podIP, Ready) and confirmation of graceful deletes. A run-to-completion pod
 * (restartPolicy Never or OnFailure) whose first container's command line ends in `exit N`
 * (or is `true`/`false`) finishes after it has been seen Running: Succeeded for 0; for another
 * code Failed under Never, or one more container restart under OnFailure. Any other pod keeps
 * running, as a long-running process would.
 */
import type { KubeObject, Lease, Node, Pod } from '../../../lib/api/index.js';
import { formatMicroTime, formatTime } from '../../../lib/api/time.js';
import {
  isNotFound,
  type KubeClient,
  leasesResource,
  nodesResource,
  podsResource,
} from '../../../lib/client/index.js';

/** Options of `createSimNode`. */
export interface SimNodeOptions {
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: number;
  readonly labels?: Record<string, string>;
  readonly taints?: NonNullable<Node['spec']>['taints'];
  readonly ready?: boolean;
  /** Also create the node's Lease (default true). */
  readonly lease?: boolean;
}

/** Creates a Node with capacity, Ready condition and (by default) its Lease. */
export async function createSimNode(client: KubeClient, name: string, o: SimNodeOptions = {}): Promise<Node> {
  const nodes = client.resource(nodesResource);
  await nodes.create({
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}) },
  });
  const resources = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: String(o.pods ?? 110) };
  const now = formatTime(Date.now());
  const out = await nodes.patchStatus(
    name,
    {
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: [
          {
            type: 'Ready',
            status: o.ready === false ? 'False' : 'True',
            reason: 'KubeletReady',
            message: 'simulated kubelet is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        addresses: [{ type: 'Hostname', address: name }],
      },
    },
    { type: 'strategic' },
  );
  if (o.lease !== false) await renewSimLease(client, name);
  return out;
}

/** Creates or renews a node's Lease, as the kubelet does every 10 s. */
export async function renewSimLease(client: KubeClient, name: string, durationSeconds = 40): Promise<void> {
  const leases = client.resource(leasesResource);
  const renewTime = formatMicroTime(Date.now());
  try {
    await leases.patch(name, { spec: { renewTime } }, { type: 'merge', namespace: 'kube-node-lease' });
  } catch (err: unknown) {
    if (!isNotFound(err)) throw err;
    const lease: Lease = {
      metadata: { name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime },
    };
    await leases.create(lease, { namespace: 'kube-node-lease' });
  }
}

/** Options of `SimKubelet`. */
export interface SimKubeletOptions {
  readonly client: KubeClient;
  /** Whether a bound pod should report Ready (default: always). Re-checked by `sync`. */
  readonly ready?: (pod: Pod) => boolean;
  /** Nodes this kubelet serves (default: all). */
  readonly nodes?: ReadonlySet<string>;
  /** The exit code a pod's container ends with, or undefined to keep it running (default: `simulatedExitCode`). */
  readonly exitCode?: (pod: Pod) => number | undefined;
}

/**
 * The exit code the stand-in kubelet gives a run-to-completion pod: from its first container's
 * command and args when they end in `exit N`, or are `true` / `false`; undefined otherwise (and
 * for restartPolicy Always).
 */
export function simulatedExitCode(pod: Pod): number | undefined {
  if ((pod.spec.restartPolicy ?? 'Always') === 'Always') return undefined;
  const c = pod.spec.containers[0];
  const line = [...(c?.command ?? []), ...(c?.args ?? [])].join(' ').trim();
  const exit = /(?:^|[\s;&|])exit\s+(\d+)\s*$/.exec(line);
  if (exit) return Number(exit[1]);
  if (/^(?:\/bin\/|\/usr\/bin\/)?true$/.test(line)) return 0;
  if (/^(?:\/bin\/|\/usr\/bin\/)?false$/.test(line)) return 1;
  return undefined;
}

/** A stand-in kubelet: every call to `sync` brings bound pods' status in line. */
export class SimKubelet {
  readonly #o: SimKubeletOptions;
  readonly #ips = new Map<string, string>();
  #next = 1;

  constructor(options: SimKubeletOptions) {
    this.#o = options;
  }

  /** The IP given to a pod (stable per pod uid). */
  ipOf(pod: KubeObject): string {
    const uid = pod.metadata.uid ?? pod.metadata.name ?? '';
    let ip = this.#ips.get(uid);
    if (!ip) {
      const n = this.#next++;
      ip = `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`;
      this.#ips.set(uid, ip);
    }
    return ip;
  }

  /**
   * Posts Ready=True for every served node whose Ready condition says otherwise, as a kubelet
   * does when it comes back (its node status loop). Returns the number of writes.
   */
  async syncNodes(): Promise<number> {
    const nodes = (await this.#o.client.resource(nodesResource).list()).items;
    let writes = 0;
    for (const n of nodes) {
      const name = n.metadata.name ?? '';
      if (this.#o.nodes && !this.#o.nodes.has(name)) continue;
      if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') continue;
      const now = formatTime(Date.now());
      await this.#o.client.resource(nodesResource).patchStatus(
        name,
        {
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'KubeletReady',
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
          },
        },
        { type: 'strategic' },
      );
      writes += 1;
    }
    return writes;
  }

  /** The status of `pod` once its containers exited with `code` (a restart under OnFailure). */
  #exited(pod: Pod, code: number): NonNullable<Pod['status']> {
    const now = formatTime(Date.now());
    const terminated = {
      exitCode: code,
      reason: code === 0 ? 'Completed' : 'Error',
      startedAt: pod.status?.startTime ?? now,
      finishedAt: now,
    };
    if (code !== 0 && pod.spec.restartPolicy === 'OnFailure') {
      // The kubelet restarts the container in place; the pod stays Running.
      return {
        containerStatuses: pod.spec.containers.map((c) => {
          const prev = pod.status?.containerStatuses?.find((s) => s.name === c.name);
          return {
            name: c.name,
            image: c.image ?? '',
            ready: false,
            started: true,
            restartCount: (prev?.restartCount ?? 0) + 1,
            state: { running: { startedAt: now } },
            lastState: { terminated },
          };
        }),
      };
    }
    const notReady = { status: 'False' as const, reason: 'PodCompleted', lastTransitionTime: now };
    return {
      phase: code === 0 ? 'Succeeded' : 'Failed',
      conditions: [
        { type: 'Ready', ...notReady },
        { type: 'ContainersReady', ...notReady },
      ],
      containerStatuses: pod.spec.containers.map((c) => ({
        name: c.name,
        image: c.image ?? '',
        ready: false,
        started: false,
        restartCount: pod.status?.containerStatuses?.find((s) => s.name === c.name)?.restartCount ?? 0,
        state: { terminated },
      })),
    };
  }

  /**
   * One pass: bound pods become Running with an IP and the Ready condition `ready(pod)`
   * asks for; pods being deleted are confirmed gone (grace period 0). Returns the number of
   * writes made.
   */
  async sync(): Promise<number> {
    const pods = this.#o.client.resource(podsResource);
    const list = await pods.list();
    let writes = 0;
    for (const pod of list.items) {
      const node = pod.spec.nodeName;
      if (!node || (this.#o.nodes && !this.#o.nodes.has(node))) continue;
      const name = pod.metadata.name ?? '';
      const namespace = pod.metadata.namespace ?? 'default';
      try {
        if (pod.metadata.deletionTimestamp) {
          await pods.delete(name, { namespace, gracePeriodSeconds: 0 });
          writes += 1;
          continue;
        }
        const phase = pod.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') continue;
        const code = phase === 'Running' ? (this.#o.exitCode ?? simulatedExitCode)(pod) : undefined;
        if (code !== undefined) {
          await pods.patchStatus(name, { status: this.#exited(pod, code) }, { type: 'strategic', namespace });
          writes += 1;
          continue;
        }
        const ready = this.#o.ready ? this.#o.ready(pod) : true;
        const ip = this.ipOf(pod);
        const cur = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
        if (pod.status?.phase === 'Running' && pod.status.podIP === ip && cur === (ready ? 'True' : 'False'))
          continue;
        const now = formatTime(Date.now());
        await pods.patchStatus(
          name,
          {
            status: {
              phase: 'Running',
              podIP: ip,
              podIPs: [{ ip }],
              hostIP: '172.30.0.10',
              startTime: pod.status?.startTime ?? now,
              conditions: [
                { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
                { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
              ],
            },
          },
          { type: 'strategic', namespace },
        );
        writes += 1;
      } catch (err: unknown) {
        if (!isNotFound(err)) throw err;
      }
    }
    return writes;
  }
}
