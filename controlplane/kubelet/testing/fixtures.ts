/** Builders of API pods and CRI observations for the kubelet's tests. */
import type { Container, Pod, PodSpec } from '../../../lib/api/index.js';
import { type KubeletPod, toKubeletPod } from '../model.js';
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_RESTART_COUNT,
  ANNOTATION_SANDBOX_HASH,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type ObservedContainer,
  type ObservedPod,
  type ObservedSandbox,
} from '../observed.js';

export const T0 = Date.parse('2026-12-05T12:00:00Z');

/** An API pod `web` in `ns` bound to node-1, with the given containers and spec fields. */
export function apiPod(spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-1', ...meta },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'busybox' }], ...spec },
  };
}

export function kubeletPod(
  spec: Partial<PodSpec> = {},
  meta: Partial<Pod['metadata']> = {},
  status?: Pod['status'],
): KubeletPod {
  return toKubeletPod({ ...apiPod(spec, meta), ...(status ? { status } : {}) });
}

/** A ready sandbox of `pod`, created at T0 + `at` seconds. */
export function sandbox(pod: KubeletPod, over: Partial<ObservedSandbox> = {}): ObservedSandbox {
  return {
    id: 'sb0',
    state: 'SANDBOX_READY',
    createdAt: T0,
    attempt: 0,
    labels: { [LABEL_POD_NAME]: pod.name, [LABEL_POD_NAMESPACE]: pod.namespace, [LABEL_POD_UID]: pod.uid },
    annotations: { [ANNOTATION_SANDBOX_HASH]: pod.sandboxHash },
    ips: pod.hostNetwork ? [] : ['10.244.1.5'],
    hostNetwork: pod.hostNetwork,
    ...over,
  };
}

/** A container instance of spec container `name` (its current hash unless `hash` is given). */
export function ctr(
  pod: KubeletPod,
  name: string,
  over: Partial<ObservedContainer> & { restartCount?: number; hash?: string } = {},
): ObservedContainer {
  const spec = [...pod.containers, ...pod.initContainers].find((c) => c.name === name);
  const { restartCount = 0, hash = spec?.hash ?? 'none', ...rest } = over;
  return {
    id: `${name}-${restartCount}`,
    sandboxId: 'sb0',
    name,
    attempt: restartCount,
    state: 'CONTAINER_RUNNING',
    createdAt: T0 + 1000 + restartCount,
    startedAt: T0 + 2000,
    finishedAt: 0,
    exitCode: 0,
    reason: '',
    message: '',
    image: 'docker.io/library/busybox:latest',
    imageRef: 'sha256:abc',
    labels: {
      [LABEL_POD_NAME]: pod.name,
      [LABEL_POD_NAMESPACE]: pod.namespace,
      [LABEL_POD_UID]: pod.uid,
      [LABEL_CONTAINER_NAME]: name,
    },
    annotations: { [ANNOTATION_CONTAINER_HASH]: hash, [ANNOTATION_RESTART_COUNT]: String(restartCount) },
    ...rest,
  };
}

/** An exited container instance. */
export function exited(
  pod: KubeletPod,
  name: string,
  exitCode: number,
  finishedAt: number,
  over: Partial<ObservedContainer> & { restartCount?: number; hash?: string } = {},
): ObservedContainer {
  return ctr(pod, name, {
    state: 'CONTAINER_EXITED',
    exitCode,
    finishedAt,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    ...over,
  });
}

/** The observation of `pod` (lists sorted newest first, as groupByPod does). */
export function observed(
  pod: KubeletPod,
  sandboxes: ObservedSandbox[],
  containers: ObservedContainer[],
): ObservedPod {
  return {
    uid: pod.uid,
    name: pod.name,
    namespace: pod.namespace,
    sandboxes: [...sandboxes].sort((a, b) => b.createdAt - a.createdAt),
    containers: [...containers].sort((a, b) => b.createdAt - a.createdAt),
  };
}

export const busybox = (name: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: 'busybox',
  ...extra,
});
