/**
 * The kubelet's plan carried out on a real containerd 1.6 (lab/containerd.ts) in a throwaway
 * `sy-` namespace, with our CNI plugins and the lab's busybox and pause images: observe →
 * planPod → applyActions, as the kubelet's sync does. A busybox httpd pod gets a sandbox IP and
 * runs, and a second pass plans nothing; a container that exits 1 is observed with its exit
 * code and restarted at once, then held in CrashLoopBackOff; a deleted pod is stopped, removed
 * and confirmed, and its IP released; an image that is not present fails the start with
 * `ErrImageNeverPull`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execIn } from '../../cni/testing/index.js';
import { BUSYBOX_IMAGE } from '../../lab/images/index.js';
import type { Container } from '../../lib/api/index.js';
import type { CriClient } from '../../lib/cri/index.js';
import { startTestRuntime, type TestRuntime } from '../../test/harness/containerd.js';
import { describeKernel } from '../../test/harness/kernel.js';
import { type ApplyContext, type ApplyResult, applyActions } from './apply.js';
import { type KubeletPod, toKubeletPod } from './model.js';
import { observeRuntime } from './observe.js';
import { emptyObservation, type ObservedPod } from './observed.js';
import { type BackOffEntry, type PodPlan, planPod } from './plan.js';
import { apiPod } from './testing/fixtures.js';
import { testApplyContext } from './testing/run-pod.js';

const SUBNET = '10.87.0';

describeKernel('the kubelet plan on a real containerd', () => {
  let host = '';
  let dir = '';
  let rt: TestRuntime | undefined;
  let client: CriClient | undefined;
  const backoff = new Map<string, BackOffEntry>();

  const cri = (): CriClient => {
    if (!client) throw new Error('containerd did not start');
    return client;
  };
  const observe = async (pod: KubeletPod): Promise<ObservedPod> =>
    (await observeRuntime(cri())).get(pod.uid) ?? emptyObservation(pod);
  const plan = async (pod: KubeletPod): Promise<PodPlan> =>
    planPod({ desired: pod, observed: await observe(pod), now: Date.now(), backoff });
  const context = (observed: ObservedPod): ApplyContext => testApplyContext(observed, join(dir, 'pods'));
  /** One sync: observe, plan, apply; the back-off entries kept as the kubelet keeps them. */
  const sync = async (pod: KubeletPod): Promise<{ plan: PodPlan; result: ApplyResult }> => {
    const observed = await observe(pod);
    const p = planPod({ desired: pod, observed, now: Date.now(), backoff });
    for (const [k, v] of p.backoff) backoff.set(k, v);
    const result = await applyActions(cri(), pod, p.actions, context(observed));
    expect(result.outcomes.filter((o) => o.failure)).toEqual([]);
    return { plan: p, result };
  };
  const until = async <T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  const kinds = (p: PodPlan): string[] => p.actions.map((a) => a.kind);
  /** A pod with one container; deleted, it is stopped with the smallest grace (2 s). */
  const pod = (name: string, container: Container): KubeletPod =>
    toKubeletPod(
      apiPod(
        { containers: [container], terminationGracePeriodSeconds: 1 },
        { name, namespace: 'default', uid: `uid-${name}-${host}`, deletionGracePeriodSeconds: 0 },
      ),
    );
  const deleted = (p: KubeletPod): KubeletPod => ({ ...p, deletionTimestamp: new Date().toISOString() });
  const ipamFiles = (): string[] =>
    readdirSync(join(dir, 'ipam', 'sypods')).filter((f) => f.startsWith(SUBNET));

  /** Deletes a pod through two syncs (stop, then remove and confirm); nothing of it remains. */
  const deletePod = async (p: KubeletPod): Promise<void> => {
    const gone = deleted(p);
    const stop = await sync(gone);
    expect(kinds(stop.plan).every((k) => k === 'stop-container' || k === 'stop-sandbox')).toBe(true);
    const remove = await sync(gone);
    expect(kinds(remove.plan).at(-1)).toBe('confirm-deletion');
    expect(remove.result.confirmDeletion).toBe(true);
    expect((await observeRuntime(cri())).has(p.uid)).toBe(false);
  };

  beforeAll(async () => {
    rt = await startTestRuntime({
      tag: 'ka',
      bridge: 'sykap0',
      subnet: `${SUBNET}.0/24`,
      images: ['busybox', 'pause'],
    });
    ({ host, dir, cri: client } = rt);
  }, 120_000);

  afterAll(() => rt?.stop(), 60_000);

  it('runs an httpd pod with a sandbox IP; a second pass plans nothing; deletion releases the IP', async () => {
    const web = pod('web', { name: 'httpd', image: BUSYBOX_IMAGE, command: ['httpd', '-f', '-p', '8080'] });
    const first = await sync(web);
    expect(kinds(first.plan)).toEqual(['create-sandbox', 'start-container']);

    const observed = await until('the httpd container to run', async () => {
      const o = await observe(web);
      return o.containers[0]?.state === 'CONTAINER_RUNNING' ? o : undefined;
    });
    const [sandbox] = observed.sandboxes;
    expect(sandbox).toMatchObject({ state: 'SANDBOX_READY', attempt: 0, hostNetwork: false });
    const ip = sandbox?.ips[0] ?? '';
    expect(ip).toMatch(new RegExp(`^${SUBNET.replaceAll('.', '\\.')}\\.\\d+$`));
    expect(observed.containers[0]).toMatchObject({ name: 'httpd', attempt: 0, sandboxId: sandbox?.id });
    expect(observed.containers[0]?.startedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(execIn(host, 'ping', ['-c1', '-W2', ip])).toMatch(/1 received/);
    expect(ipamFiles()).toContain(ip);

    expect(kinds(await plan(web))).toEqual([]);

    await deletePod(web);
    expect(ipamFiles()).not.toContain(ip);
  }, 120_000);

  it('observes a container that exits 1, restarts it at once, then holds it in back-off', async () => {
    const crash = pod('crash', { name: 'fail', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'exit 1'] });
    expect(kinds((await sync(crash)).plan)).toEqual(['create-sandbox', 'start-container']);
    const exitedOnce = await until('the container to exit', async () => {
      const c = (await observe(crash)).containers[0];
      return c?.state === 'CONTAINER_EXITED' ? c : undefined;
    });
    expect(exitedOnce).toMatchObject({ exitCode: 1, reason: 'Error', attempt: 0 });
    // containerd stamps startedAt when its Start call returns and finishedAt from the exit event,
    // so a process that exits at once may show an end a millisecond before its start.
    expect(exitedOnce.finishedAt).toBeGreaterThanOrEqual(exitedOnce.startedAt - 50);
    expect(exitedOnce.finishedAt - exitedOnce.startedAt).toBeLessThan(10_000);

    const restart = await sync(crash);
    expect(restart.plan.actions).toEqual([
      { kind: 'start-container', name: 'fail', init: false, restartCount: 1 },
    ]);
    const exitedTwice = await until('the restarted container to exit', async () => {
      const c = (await observe(crash)).containers[0];
      return c?.attempt === 1 && c.state === 'CONTAINER_EXITED' ? c : undefined;
    });
    expect(exitedTwice.exitCode).toBe(1);
    expect(exitedTwice.annotations['io.kubernetes.container.restartCount']).toBe('1');

    const held = await plan(crash);
    expect(held.actions.filter((a) => a.kind === 'start-container')).toEqual([]);
    expect(held.waiting.get('fail')?.reason).toBe('CrashLoopBackOff');
    expect(held.requeueAfterMs).toBeGreaterThan(0);
    expect(held.requeueAfterMs).toBeLessThanOrEqual(10_000);

    const ip = (await observe(crash)).sandboxes[0]?.ips[0] ?? '';
    await deletePod(crash);
    expect(ipamFiles()).not.toContain(ip);
  }, 120_000);

  it('reports an image that is not present as ErrImageNeverPull and stops at that failure', async () => {
    const missing = pod('missing', { name: 'app', image: 'switchyard.local/missing:1' });
    const observed = await observe(missing);
    const p = planPod({ desired: missing, observed, now: Date.now(), backoff });
    expect(kinds(p)).toEqual(['create-sandbox', 'start-container']);
    const result = await applyActions(cri(), missing, p.actions, context(observed));
    expect(result.outcomes.map((o) => [o.action.kind, o.failure?.reason])).toEqual([
      ['create-sandbox', undefined],
      ['start-container', 'ErrImageNeverPull'],
    ]);
    expect(result.outcomes[1]?.failure?.message).toBe(
      'Container image "switchyard.local/missing:1" is not present with pull policy of Never',
    );
    await deletePod(missing);
  }, 60_000);
});
