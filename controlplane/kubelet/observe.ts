/**
 * The kubelet's view of its runtime: CRI's ListPodSandbox + PodSandboxStatus and
 * ListContainers + ContainerStatus converted to observed.ts's `ObservedSandbox` and
 * `ObservedContainer` (nanosecond strings to epoch milliseconds, the network mode, the IPs) and
 * grouped by pod. The conversions are pure; `observeRuntime` is the one function that calls CRI.
 */
import type { Container, ContainerStatus, CriClient, PodSandboxStatus } from '../../lib/cri/index.js';
import { isCriNotFound } from '../../lib/cri/index.js';
import {
  groupByPod,
  LABEL_POD_UID,
  type ObservedContainer,
  type ObservedPod,
  type ObservedSandbox,
} from './observed.js';

/** CRI's nanoseconds since the epoch (a decimal string) → epoch milliseconds; "0" stays 0. */
export function nanosToMs(ns: string): number {
  if (!/^\d+$/.test(ns)) return 0;
  return Number(BigInt(ns) / 1_000_000n);
}

/** A PodSandboxStatus → ObservedSandbox. */
export function toObservedSandbox(status: PodSandboxStatus): ObservedSandbox {
  const net = status.network;
  const ips = net ? [net.ip, ...net.additionalIps.map((a) => a.ip)].filter((ip) => ip !== '') : [];
  return {
    id: status.id,
    state: status.state,
    createdAt: nanosToMs(status.createdAt),
    attempt: status.metadata?.attempt ?? 0,
    labels: status.labels,
    annotations: status.annotations,
    ips,
    hostNetwork: status.linux?.namespaces?.options?.network === 'NODE',
  };
}

/** A listed Container (for its sandbox) and its ContainerStatus → ObservedContainer. */
export function toObservedContainer(
  listed: Pick<Container, 'podSandboxId'>,
  status: ContainerStatus,
): ObservedContainer {
  return {
    id: status.id,
    sandboxId: listed.podSandboxId,
    name: status.metadata?.name ?? '',
    attempt: status.metadata?.attempt ?? 0,
    state: status.state,
    createdAt: nanosToMs(status.createdAt),
    startedAt: nanosToMs(status.startedAt),
    finishedAt: nanosToMs(status.finishedAt),
    exitCode: status.exitCode,
    reason: status.reason,
    message: status.message,
    image: status.image?.image ?? '',
    imageRef: status.imageRef,
    labels: status.labels,
    annotations: status.annotations,
  };
}

/**
 * Everything the runtime holds, by pod uid (newest first); with `podUid`, only that pod's
 * (CRI's label selector on `io.kubernetes.pod.uid`). Objects removed between the list and
 * their status are skipped; objects without the kubelet's labels are left out by groupByPod.
 */
export async function observeRuntime(cri: CriClient, podUid?: string): Promise<Map<string, ObservedPod>> {
  const filter = podUid === undefined ? {} : { filter: { labelSelector: { [LABEL_POD_UID]: podUid } } };
  const [sandboxList, containerList] = await Promise.all([
    cri.listPodSandbox(filter),
    cri.listContainers(filter),
  ]);
  const sandboxes = await Promise.all(
    sandboxList.items.map(async (s) => {
      const status = await ignoreNotFound(cri.podSandboxStatus({ podSandboxId: s.id }));
      return status?.status ? toObservedSandbox(status.status) : undefined;
    }),
  );
  const containers = await Promise.all(
    containerList.containers.map(async (c) => {
      const status = await ignoreNotFound(cri.containerStatus({ containerId: c.id }));
      return status?.status ? toObservedContainer(c, status.status) : undefined;
    }),
  );
  return groupByPod(
    sandboxes.filter((s): s is ObservedSandbox => s !== undefined),
    containers.filter((c): c is ObservedContainer => c !== undefined),
  );
}

async function ignoreNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isCriNotFound(err)) return undefined;
    throw err;
  }
}
