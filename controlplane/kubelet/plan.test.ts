/**
 * planPod against upstream's computePodActions/SyncPod behaviour (kuberuntime_manager.go and
 * kuberuntime_manager_test.go's TestComputePodActions cases in mind), the restart back-off
 * (flowcontrol.Backoff as the kubelet uses it) and container/sandbox garbage collection.
 */
import { describe, expect, it } from 'vitest';
import type { Probe } from '../../lib/api/index.js';
import { type KubeletPod, toKubeletPod } from './model.js';
import { groupByPod, type ObservedContainer, type ObservedSandbox } from './observed.js';
import {
  BACKOFF_MAX_MS,
  type BackOffEntry,
  backOffKey,
  goDuration,
  type KubeletAction,
  planPod,
} from './plan.js';
import { apiPod, busybox, ctr, exited, kubeletPod, observed, sandbox, T0 } from './testing/fixtures.js';

const pod = kubeletPod();
const withInit = kubeletPod({
  initContainers: [busybox('init-a'), busybox('init-b')],
  containers: [busybox('app')],
});
const policy = (restartPolicy: 'Always' | 'OnFailure' | 'Never') => kubeletPod({ restartPolicy });

function plan(
  p: KubeletPod | undefined,
  sandboxes: ObservedSandbox[],
  containers: ObservedContainer[],
  extra: {
    now?: number;
    backoff?: Map<string, BackOffEntry>;
    probeFailures?: Map<string, 'liveness' | 'startup'>;
  } = {},
) {
  const o = observed(p ?? pod, sandboxes, containers);
  return planPod({
    desired: p,
    observed: o,
    now: extra.now ?? T0 + 60_000,
    backoff: extra.backoff ?? new Map(),
    ...(extra.probeFailures ? { probeFailures: extra.probeFailures } : {}),
  });
}

const start = (name: string, restartCount = 0, init = false): KubeletAction => ({
  kind: 'start-container',
  name,
  init,
  restartCount,
});
const stopSandbox = (sandboxId = 'sb0'): KubeletAction => ({ kind: 'stop-sandbox', sandboxId });

describe('planPod: sandbox and start order', () => {
  const cases: {
    name: string;
    pod: KubeletPod;
    sandboxes: (p: KubeletPod) => ObservedSandbox[];
    containers: (p: KubeletPod) => ObservedContainer[];
    actions: KubeletAction[];
  }[] = [
    {
      name: 'a new pod gets its first sandbox (attempt 0) and its containers',
      pod,
      sandboxes: () => [],
      containers: () => [],
      actions: [{ kind: 'create-sandbox', attempt: 0 }, start('app')],
    },
    {
      name: 'init containers first: only the first one with the new sandbox',
      pod: withInit,
      sandboxes: () => [],
      containers: () => [],
      actions: [{ kind: 'create-sandbox', attempt: 0 }, start('init-a', 0, true)],
    },
    {
      name: 'after init-a succeeded, init-b',
      pod: withInit,
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [exited(p, 'init-a', 0, T0 + 5000)],
      actions: [start('init-b', 0, true)],
    },
    {
      name: 'nothing while an init container runs',
      pod: withInit,
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [exited(p, 'init-a', 0, T0 + 5000), ctr(p, 'init-b')],
      actions: [],
    },
    {
      name: 'the last init container done: the app containers',
      pod: withInit,
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [exited(p, 'init-a', 0, T0 + 5000), exited(p, 'init-b', 0, T0 + 6000)],
      actions: [start('app')],
    },
    {
      name: 'a failed init container is retried (Always)',
      pod: withInit,
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [exited(p, 'init-a', 1, T0 + 5000)],
      actions: [start('init-a', 1, true)],
    },
    {
      name: 'a failed init container under Never fails the pod: the sandbox stops',
      pod: kubeletPod({ restartPolicy: 'Never', initContainers: [busybox('init-a')] }),
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [exited(p, 'init-a', 1, T0 + 5000)],
      actions: [stopSandbox()],
    },
    {
      name: 'a running container with the same spec hash is left alone',
      pod,
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [ctr(p, 'app')],
      actions: [],
    },
    {
      name: 'a changed spec hash: kill with the pod grace, start again with the next restart count',
      pod,
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [ctr(p, 'app', { hash: 'deadbeef', restartCount: 2 })],
      actions: [
        {
          kind: 'stop-container',
          containerId: 'app-2',
          name: 'app',
          gracePeriodSeconds: 30,
          reason: 'Container app definition changed',
        },
        start('app', 3),
      ],
    },
    {
      name: 'a sandbox that is not ready: kill the pod, new sandbox with the next attempt, all containers',
      pod,
      sandboxes: (p) => [sandbox(p, { state: 'SANDBOX_NOTREADY', attempt: 2 })],
      containers: (p) => [exited(p, 'app', 137, T0 + 5000)],
      // The dead sandbox is stopped too: it may still hold its network (killPodWithSyncResult).
      actions: [stopSandbox(), { kind: 'create-sandbox', attempt: 3 }, start('app', 1)],
    },
    {
      name: 'a sandbox without an IP on the pod network is replaced',
      pod,
      sandboxes: (p) => [sandbox(p, { ips: [] })],
      containers: (p) => [ctr(p, 'app')],
      actions: [
        {
          kind: 'stop-container',
          containerId: 'app-0',
          name: 'app',
          gracePeriodSeconds: 30,
          reason: 'pod sandbox changed',
        },
        stopSandbox(),
        { kind: 'create-sandbox', attempt: 1 },
        start('app', 1),
      ],
    },
    {
      name: 'a host-network pod needs no IP, but a sandbox of the other network mode is replaced',
      pod: kubeletPod({ hostNetwork: true }),
      sandboxes: (p) => [sandbox(p, { hostNetwork: false, ips: ['10.244.1.5'] })],
      containers: () => [],
      actions: [stopSandbox(), { kind: 'create-sandbox', attempt: 1 }, start('app')],
    },
    {
      name: 'two ready sandboxes: both stopped, one new',
      pod,
      sandboxes: (p) => [sandbox(p, { id: 'sb0' }), sandbox(p, { id: 'sb1', createdAt: T0 + 1, attempt: 1 })],
      containers: () => [],
      actions: [stopSandbox('sb1'), stopSandbox('sb0'), { kind: 'create-sandbox', attempt: 2 }, start('app')],
    },
    {
      name: 'Never: a dead sandbox whose containers ran is not recreated',
      pod: policy('Never'),
      sandboxes: (p) => [sandbox(p, { state: 'SANDBOX_NOTREADY' })],
      containers: (p) => [exited(p, 'app', 1, T0 + 5000)],
      actions: [],
    },
    {
      name: 'OnFailure: a new sandbox starts only the containers that did not succeed',
      pod: kubeletPod({ restartPolicy: 'OnFailure', containers: [busybox('ok'), busybox('bad')] }),
      sandboxes: (p) => [sandbox(p, { state: 'SANDBOX_NOTREADY' })],
      containers: (p) => [exited(p, 'ok', 0, T0 + 5000), exited(p, 'bad', 2, T0 + 5000)],
      actions: [stopSandbox(), { kind: 'create-sandbox', attempt: 1 }, start('bad', 1)],
    },
    {
      name: 'OnFailure: all succeeded, no new sandbox',
      pod: policy('OnFailure'),
      sandboxes: (p) => [sandbox(p, { state: 'SANDBOX_NOTREADY' })],
      containers: (p) => [exited(p, 'app', 0, T0 + 5000)],
      actions: [],
    },
    {
      name: 'a container in an unknown state is killed, then started again',
      pod,
      sandboxes: (p) => [sandbox(p)],
      containers: (p) => [ctr(p, 'app', { state: 'CONTAINER_UNKNOWN' })],
      actions: [
        {
          kind: 'stop-container',
          containerId: 'app-0',
          name: 'app',
          gracePeriodSeconds: 30,
          reason: 'container in unknown state',
        },
        start('app', 1),
      ],
    },
  ];
  it.each(cases)('$name', ({ pod: p, sandboxes, containers, actions }) => {
    expect(plan(p, sandboxes(p), containers(p)).actions).toEqual(actions);
  });
});

describe('planPod: restartPolicy for an exited container', () => {
  const cases = [
    { policy: 'Always', exitCode: 0, actions: [start('app', 1)] },
    { policy: 'Always', exitCode: 1, actions: [start('app', 1)] },
    { policy: 'OnFailure', exitCode: 1, actions: [start('app', 1)] },
    // Nothing runs and nothing will: the sandbox is stopped (its IP released).
    { policy: 'OnFailure', exitCode: 0, actions: [stopSandbox()] },
    { policy: 'Never', exitCode: 0, actions: [stopSandbox()] },
    { policy: 'Never', exitCode: 1, actions: [stopSandbox()] },
  ] as const;
  it.each(cases)('$policy, exit $exitCode', ({ policy: rp, exitCode, actions }) => {
    const p = policy(rp);
    expect(plan(p, [sandbox(p)], [exited(p, 'app', exitCode, T0 + 5000)]).actions).toEqual(actions);
  });
});

describe('planPod: probe failures', () => {
  const cases = [
    { policy: 'Always', failure: 'liveness', restarts: true },
    { policy: 'OnFailure', failure: 'startup', restarts: true },
    // Never: the container is killed and not started again (restart = shouldRestartOnFailure).
    { policy: 'Never', failure: 'liveness', restarts: false },
  ] as const;
  it.each(cases)('$failure failure under $policy', ({ policy: rp, failure, restarts }) => {
    const p = policy(rp);
    const r = plan(p, [sandbox(p)], [ctr(p, 'app')], { probeFailures: new Map([['app-0', failure]]) });
    expect(r.actions).toEqual([
      {
        kind: 'stop-container',
        containerId: 'app-0',
        name: 'app',
        gracePeriodSeconds: 30,
        reason: `Container app failed ${failure} probe`,
      },
      // Never: nothing runs and nothing will, so the pod is killed too (its sandbox stopped).
      ...(restarts ? [start('app', 1)] : [stopSandbox()]),
    ]);
  });
});

describe('planPod: a probe with its own grace', () => {
  it("a liveness failure kills with the probe's terminationGracePeriodSeconds", () => {
    // lib/api's Probe has no terminationGracePeriodSeconds; the wire object carries it.
    const liveness: Probe & { terminationGracePeriodSeconds: number } = {
      tcpSocket: { port: 80 },
      terminationGracePeriodSeconds: 5,
    };
    const p = kubeletPod({
      terminationGracePeriodSeconds: 60,
      containers: [
        busybox('app', {
          livenessProbe: liveness,
        }),
      ],
    });
    const r = plan(p, [sandbox(p)], [ctr(p, 'app')], { probeFailures: new Map([['app-0', 'liveness']]) });
    expect(r.actions[0]).toMatchObject({ kind: 'stop-container', gracePeriodSeconds: 5 });
  });
});

describe('planPod: CrashLoopBackOff', () => {
  it('restarts at once after the first crash, then after 10 s, 20 s, … capped at 5 min', () => {
    const backoff = new Map<string, BackOffEntry>();
    const key = backOffKey(pod, pod.containers[0]!);
    let t = T0;
    const delays: number[] = [];
    for (let restart = 0; restart < 8; restart++) {
      // The container crashes 1 s after it started.
      const crash = exited(pod, 'app', 1, t + 1000, { restartCount: restart, createdAt: t });
      const atCrash = plan(pod, [sandbox(pod)], [crash], { now: t + 1000, backoff });
      let startedAt = t + 1000;
      if (atCrash.actions.length === 0) {
        expect(atCrash.waiting.get('app')?.reason).toBe('CrashLoopBackOff');
        const wait = atCrash.requeueAfterMs!;
        delays.push(wait);
        expect(atCrash.waiting.get('app')?.message).toBe(
          `back-off ${goDuration(wait)} restarting failed container=app pod=web_ns(uid-1)`,
        );
        // One millisecond early it still waits; at the end of the back-off it starts.
        expect(plan(pod, [sandbox(pod)], [crash], { now: t + 1000 + wait - 1, backoff }).actions).toEqual([]);
        startedAt = t + 1000 + wait;
      } else delays.push(0);
      const started = plan(pod, [sandbox(pod)], [crash], { now: startedAt, backoff });
      expect(started.actions).toEqual([start('app', restart + 1)]);
      for (const [k, v] of started.backoff) backoff.set(k, v);
      expect(backoff.has(key)).toBe(true);
      t = startedAt;
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('resets to 10 s when the container ran for more than 10 minutes', () => {
    const key = backOffKey(pod, pod.containers[0]!);
    const startedAt = T0;
    const backoff = new Map([[key, { delayMs: BACKOFF_MAX_MS, lastUpdateMs: startedAt }]]);
    const shortRun = exited(pod, 'app', 1, startedAt + 9 * 60_000, { restartCount: 3 });
    const r1 = plan(pod, [sandbox(pod)], [shortRun], { now: startedAt + 9 * 60_000, backoff });
    expect(r1.waiting.get('app')?.message).toMatch(/^back-off 5m0s /);
    const longRun = exited(pod, 'app', 1, startedAt + 11 * 60_000, { restartCount: 3 });
    const r2 = plan(pod, [sandbox(pod)], [longRun], { now: startedAt + 11 * 60_000, backoff });
    expect(r2.actions).toEqual([start('app', 4)]);
    expect(r2.backoff.get(key)).toEqual({ delayMs: 10_000, lastUpdateMs: startedAt + 11 * 60_000 });
  });

  it('a changed spec hash has its own back-off', () => {
    const crash = exited(pod, 'app', 1, T0 + 1000, { hash: 'old' });
    const key = backOffKey(pod, pod.containers[0]!);
    const backoff = new Map([[`${key}-other`, { delayMs: 80_000, lastUpdateMs: T0 }]]);
    expect(plan(pod, [sandbox(pod)], [crash], { now: T0 + 2000, backoff }).actions).toEqual([
      start('app', 1),
    ]);
  });
});

describe('planPod: termination and garbage', () => {
  const deleted = kubeletPod(
    { terminationGracePeriodSeconds: 30 },
    { deletionTimestamp: '2026-12-05T12:01:00Z', deletionGracePeriodSeconds: 15 },
  );

  it('a deleted pod: SIGTERM with the deletion grace, then the sandbox', () => {
    expect(plan(deleted, [sandbox(deleted)], [ctr(deleted, 'app')]).actions).toEqual([
      {
        kind: 'stop-container',
        containerId: 'app-0',
        name: 'app',
        gracePeriodSeconds: 15,
        reason: 'pod is being deleted',
      },
      stopSandbox(),
    ]);
  });

  it('a deleted pod with nothing running: remove all, then confirm the deletion', () => {
    const s = sandbox(deleted, { state: 'SANDBOX_NOTREADY' });
    expect(plan(deleted, [s], [exited(deleted, 'app', 143, T0 + 5000)]).actions).toEqual([
      { kind: 'remove-container', containerId: 'app-0', name: 'app' },
      stopSandbox(),
      { kind: 'remove-sandbox', sandboxId: 'sb0' },
      { kind: 'confirm-deletion' },
    ]);
  });

  it('a grace below 2 s is raised to 2 s (minimumGracePeriodInSeconds)', () => {
    const quick = kubeletPod(
      {},
      { deletionTimestamp: '2026-12-05T12:01:00Z', deletionGracePeriodSeconds: 1 },
    );
    expect(plan(quick, [sandbox(quick)], [ctr(quick, 'app')]).actions[0]).toMatchObject({
      gracePeriodSeconds: 2,
    });
  });

  it('a pod no longer bound here: killed with the orphan grace, then removed', () => {
    const o = observed(pod, [sandbox(pod)], [ctr(pod, 'app')]);
    expect(planPod({ desired: undefined, observed: o, now: T0, backoff: new Map() }).actions).toEqual([
      {
        kind: 'stop-container',
        containerId: 'app-0',
        name: 'app',
        gracePeriodSeconds: 1,
        reason: 'pod is no longer bound to this node',
      },
      stopSandbox(),
    ]);
    const dead = observed(pod, [sandbox(pod, { state: 'SANDBOX_NOTREADY' })], [exited(pod, 'app', 137, T0)]);
    expect(planPod({ desired: undefined, observed: dead, now: T0, backoff: new Map() }).actions).toEqual([
      { kind: 'remove-container', containerId: 'app-0', name: 'app' },
      stopSandbox(),
      { kind: 'remove-sandbox', sandboxId: 'sb0' },
    ]);
  });

  it('a terminal pod is stopped and never restarted; its last containers stay for logs', () => {
    const done = kubeletPod({}, {}, { phase: 'Succeeded' });
    expect(plan(done, [sandbox(done)], [exited(done, 'app', 0, T0 + 5000)]).actions).toEqual([stopSandbox()]);
  });

  it('keeps the newest dead instance of each container and removes older ones and unused dead sandboxes', () => {
    const old = sandbox(pod, { id: 'sb-old', state: 'SANDBOX_NOTREADY', createdAt: T0 - 10_000 });
    const older = sandbox(pod, { id: 'sb-older', state: 'SANDBOX_NOTREADY', createdAt: T0 - 20_000 });
    const containers = [
      ctr(pod, 'app', { restartCount: 3 }),
      exited(pod, 'app', 1, T0, { restartCount: 2 }),
      exited(pod, 'app', 1, T0, { restartCount: 1, sandboxId: 'sb-old' }),
      exited(pod, 'app', 1, T0, { restartCount: 0, sandboxId: 'sb-older' }),
    ];
    expect(plan(pod, [sandbox(pod), old, older], containers).actions).toEqual([
      { kind: 'remove-container', containerId: 'app-1', name: 'app' },
      { kind: 'remove-container', containerId: 'app-0', name: 'app' },
      stopSandbox('sb-old'),
      { kind: 'remove-sandbox', sandboxId: 'sb-old' },
      stopSandbox('sb-older'),
      { kind: 'remove-sandbox', sandboxId: 'sb-older' },
    ]);
  });
});

describe('a restarted kubelet adopts what runs', () => {
  it('finds the pod by its CRI labels and plans nothing for running containers, with no back-off state', () => {
    const p = toKubeletPod(
      apiPod({ initContainers: [busybox('init')], containers: [busybox('app'), busybox('side')] }),
    );
    const listed = groupByPod(
      [sandbox(p)],
      [
        exited(p, 'init', 0, T0 + 1500),
        ctr(p, 'app', { restartCount: 2 }),
        ctr(p, 'side'),
        exited(p, 'app', 1, T0, { restartCount: 1 }),
      ],
    );
    const o = listed.get(p.uid)!;
    expect(planPod({ desired: p, observed: o, now: T0 + 3_600_000, backoff: new Map() }).actions).toEqual([]);
  });
});
