/**
 * criStatsProvider against a real containerd 1.6 (test/harness/containerd.ts) in a throwaway
 * `sy-` namespace: a busybox pod that burns a little CPU is started as the kubelet's sync starts
 * it (planPod → applyActions); its Summary has the pod, the container's cumulative CPU rising
 * between rounds with a non-zero rate from the first answer on, its working set, the node's own
 * CPU and memory; `/metrics/resource` has its series.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUSYBOX_IMAGE } from '../../../lab/images/index.js';
import type { CriClient } from '../../../lib/cri/index.js';
import { startTestRuntime, type TestRuntime } from '../../../test/harness/containerd.js';
import { describeKernel } from '../../../test/harness/kernel.js';
import { toKubeletPod } from '../model.js';
import { apiPod } from '../testing/fixtures.js';
import { startPodOnce } from '../testing/run-pod.js';
import { criStatsProvider } from './provider.js';
import type { PodStats, Summary } from './types.js';

/** Busy for a few ms, then asleep for 100 ms: a little CPU, measurable, without taking a core. */
const BURN = 'while :; do i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; sleep 0.1; done';

describeKernel('criStatsProvider on a real containerd', () => {
  let rt: TestRuntime | undefined;
  const cri = (): CriClient => {
    if (!rt) throw new Error('containerd did not start');
    return rt.cri;
  };

  beforeAll(async () => {
    rt = await startTestRuntime({
      tag: 'kst',
      bridge: 'sykst0',
      subnet: '10.89.0.0/24',
      images: ['busybox', 'pause'],
    });
    const pod = toKubeletPod(
      apiPod(
        { containers: [{ name: 'burn', image: BUSYBOX_IMAGE, command: ['sh', '-c', BURN] }] },
        { name: 'burn', namespace: 'default', uid: `uid-burn-${rt.host}` },
      ),
    );
    const result = await startPodOnce(cri(), pod, join(rt.dir, 'pods'));
    expect(result.outcomes.filter((o) => o.failure)).toEqual([]);
  }, 120_000);

  afterAll(() => rt?.stop(), 60_000);

  const burnPod = (s: Summary): PodStats | undefined => s.pods.find((p) => p.podRef.name === 'burn');

  it('reports the pod, its container and the node, with CPU rising and rates from the first answer', async () => {
    if (!rt) throw new Error('containerd did not start');
    const provider = criStatsProvider({
      cri: cri(),
      nodeName: 'stats-node',
      rootDir: rt.dir,
      podLogsDir: join(rt.dir, 'pods'),
    });
    const first = await provider.summary();
    expect(first.node.nodeName).toBe('stats-node');
    expect(first.node.cpu?.usageNanoCores).toBeGreaterThan(0);
    expect(first.node.memory?.workingSetBytes).toBeGreaterThan(0);
    expect(first.node.fs?.capacityBytes).toBeGreaterThan(0);
    // containerd sums its snapshots periodically, so the image store may still read 0 used here.
    expect(first.node.runtime?.imageFs?.capacityBytes).toBeGreaterThan(0);

    const pod = burnPod(first);
    expect(pod?.podRef).toEqual({ name: 'burn', namespace: 'default', uid: `uid-burn-${rt.host}` });
    const [container] = pod?.containers ?? [];
    expect(container?.name).toBe('burn');
    expect(Date.parse(container?.startTime ?? '')).toBeGreaterThan(Date.now() - 120_000);
    expect(container?.cpu?.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(container?.cpu?.usageNanoCores).toBeGreaterThan(0);
    expect(container?.memory?.workingSetBytes).toBeGreaterThan(0);
    expect(container?.rootfs?.usedBytes).toBeGreaterThanOrEqual(0);
    expect(container?.logs?.inodesUsed).toBe(1);
    expect(pod?.cpu?.usageCoreNanoSeconds).toBeGreaterThanOrEqual(container?.cpu?.usageCoreNanoSeconds ?? 0);
    expect(pod?.memory?.workingSetBytes).toBeGreaterThan(0);

    await sleep(1500);
    const second = await provider.summary();
    const again = burnPod(second)?.containers[0];
    expect(again?.cpu?.usageCoreNanoSeconds).toBeGreaterThan(container?.cpu?.usageCoreNanoSeconds ?? 0);
    expect(again?.cpu?.usageNanoCores).toBeGreaterThan(0);
    // A little CPU: well under a whole core.
    expect(again?.cpu?.usageNanoCores).toBeLessThan(1e9);
    expect(second.node.cpu?.usageCoreNanoSeconds).toBeGreaterThan(first.node.cpu?.usageCoreNanoSeconds ?? 0);

    const text = await provider.resourceMetrics();
    expect(text).toMatch(
      /^container_cpu_usage_seconds_total\{container="burn",namespace="default",pod="burn"\} [\d.e+-]+ \d{13}$/m,
    );
    expect(text).toMatch(
      /^container_memory_working_set_bytes\{container="burn",namespace="default",pod="burn"\} \d+ \d{13}$/m,
    );
    expect(text).toMatch(/^node_cpu_usage_seconds_total [\d.e+-]+ \d{13}$/m);
    expect(text).toMatch(/^pod_memory_working_set_bytes\{namespace="default",pod="burn"\} \d+ \d{13}$/m);
    expect(text).toMatch(/^resource_scrape_error 0$/m);
  }, 60_000);
});
