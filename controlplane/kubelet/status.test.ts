/**
 * podStatus against upstream's rules: getPhase (kubelet_pods.go; kubelet_pods_test.go's
 * TestPodPhaseWith* cases in mind), convertToAPIContainerStatuses (waiting reasons, lastState,
 * restart counts), the kubelet-owned conditions (pkg/kubelet/status/generate.go) and the pod IPs.
 */
import { describe, expect, it } from 'vitest';
import type { Condition, ContainerStatus, Pod } from '../../lib/api/index.js';
import type { KubeletPod } from './model.js';
import type { ObservedContainer, ObservedSandbox } from './observed.js';
import type { WaitingReason } from './plan.js';
import { type ContainerProbeView, podStatus } from './status.js';
import { busybox, ctr, exited, kubeletPod, observed, sandbox, T0 } from './testing/fixtures.js';

const NOW = T0 + 60_000;
const HOST = ['172.30.0.11'];

function status(
  p: KubeletPod,
  sandboxes: ObservedSandbox[],
  containers: ObservedContainer[],
  extra: {
    probes?: Map<string, ContainerProbeView>;
    waiting?: Map<string, WaitingReason>;
    hostIPs?: string[];
  } = {},
) {
  return podStatus({
    pod: p,
    observed: observed(p, sandboxes, containers),
    now: NOW,
    hostIPs: extra.hostIPs ?? HOST,
    ...(extra.probes ? { probes: extra.probes } : {}),
    ...(extra.waiting ? { waiting: extra.waiting } : {}),
  });
}

const cond = (
  s: NonNullable<Pod['status']>,
  type: string,
): Omit<Condition, 'lastTransitionTime' | 'lastProbeTime'> | undefined => {
  const c = s.conditions?.find((x) => x.type === type);
  if (!c) return undefined;
  const { lastTransitionTime: _t, lastProbeTime: _p, ...rest } = c;
  return rest;
};
const app = (s: NonNullable<Pod['status']>, name = 'app'): ContainerStatus =>
  s.containerStatuses!.find((c) => c.name === name)!;

describe('podStatus: a new pod', () => {
  it('is Pending with containers waiting in ContainerCreating, and says why it is not ready', () => {
    const p = kubeletPod();
    const s = status(p, [], []);
    expect(s.phase).toBe('Pending');
    expect(s.podIP).toBeUndefined();
    expect(s.hostIP).toBe('172.30.0.11');
    expect(s.startTime).toBe('2026-12-05T12:01:00Z');
    expect(app(s)).toEqual({
      name: 'app',
      ready: false,
      restartCount: 0,
      image: 'busybox',
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
    });
    expect(s.conditions?.map((c) => c.type)).toEqual([
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
    ]);
    expect(cond(s, 'PodReadyToStartContainers')).toEqual({
      type: 'PodReadyToStartContainers',
      status: 'False',
    });
    expect(cond(s, 'Initialized')).toEqual({ type: 'Initialized', status: 'True' });
    expect(cond(s, 'Ready')).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    expect(cond(s, 'PodScheduled')).toEqual({ type: 'PodScheduled', status: 'True' });
  });

  it('with init containers: app containers wait in PodInitializing; Initialized lists the incomplete ones', () => {
    const p = kubeletPod({ initContainers: [busybox('init-a'), busybox('init-b')] });
    const s = status(p, [sandbox(p)], [exited(p, 'init-a', 0, T0 + 3000)]);
    expect(s.phase).toBe('Pending');
    expect(app(s).state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(s.initContainerStatuses?.map((c) => [c.name, c.ready])).toEqual([
      ['init-a', true],
      ['init-b', false],
    ]);
    expect(cond(s, 'Initialized')).toEqual({
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init-b]',
    });
    expect(cond(s, 'PodReadyToStartContainers')?.status).toBe('True');
  });
});

describe('podStatus: running', () => {
  const p = kubeletPod();
  it('Running and Ready, with the sandbox IP, the node IP and the container state', () => {
    const s = status(p, [sandbox(p)], [ctr(p, 'app')]);
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.1.5');
    expect(s.podIPs).toEqual([{ ip: '10.244.1.5' }]);
    expect(s.hostIPs).toEqual([{ ip: '172.30.0.11' }]);
    expect(app(s)).toEqual({
      name: 'app',
      ready: true,
      started: true,
      restartCount: 0,
      image: 'busybox',
      imageID: 'sha256:abc',
      containerID: 'containerd://app-0',
      state: { running: { startedAt: '2026-12-05T12:00:02Z' } },
    });
    expect(cond(s, 'Ready')).toEqual({ type: 'Ready', status: 'True' });
    expect(cond(s, 'ContainersReady')).toEqual({ type: 'ContainersReady', status: 'True' });
  });

  it('not ready while the readiness probe has not succeeded; not started before the startup probe', () => {
    const s = status(p, [sandbox(p)], [ctr(p, 'app')], {
      probes: new Map([['app-0', { ready: false, started: false }]]),
    });
    expect(s.phase).toBe('Running');
    expect([app(s).ready, app(s).started]).toEqual([false, false]);
    expect(cond(s, 'ContainersReady')).toEqual({
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
  });

  it('pod IPs: the node family first, one of each family (sortPodIPs)', () => {
    const s = status(p, [sandbox(p, { ips: ['fd00::5', '10.244.1.5', '10.244.1.6'] })], [ctr(p, 'app')]);
    expect(s.podIPs).toEqual([{ ip: '10.244.1.5' }, { ip: 'fd00::5' }]);
    const v6 = status(p, [sandbox(p, { ips: ['10.244.1.5', 'fd00::5'] })], [ctr(p, 'app')], {
      hostIPs: ['fd00::11', '172.30.0.11'],
    });
    expect(v6.podIP).toBe('fd00::5');
  });

  it('a host-network pod has the node IPs', () => {
    const h = kubeletPod({ hostNetwork: true });
    expect(status(h, [sandbox(h)], [ctr(h, 'app')]).podIPs).toEqual([{ ip: '172.30.0.11' }]);
  });

  it('a stopped sandbox reports no pod IP', () => {
    expect(
      status(p, [sandbox(p, { state: 'SANDBOX_NOTREADY' })], [exited(p, 'app', 0, T0 + 5000)]).podIP,
    ).toBeUndefined();
  });

  it('keeps lastTransitionTime of unchanged conditions and the conditions it does not own', () => {
    const prior = kubeletPod(
      {},
      {},
      {
        startTime: '2026-12-05T11:00:00Z',
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: '2026-12-05T11:00:05Z' },
          { type: 'ContainersReady', status: 'False', lastTransitionTime: '2026-12-05T11:00:05Z' },
          { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' },
        ],
      },
    );
    const s = status(prior, [sandbox(prior)], [ctr(prior, 'app')]);
    expect(s.startTime).toBe('2026-12-05T11:00:00Z');
    const t = (type: string) => s.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    expect(t('Ready')).toBe('2026-12-05T11:00:05Z');
    expect(t('ContainersReady')).toBe('2026-12-05T12:01:00Z');
    expect(s.conditions?.[0]).toMatchObject({ type: 'DisruptionTarget', reason: 'EvictionByEvictionAPI' });
  });
});

describe('podStatus: restarts and exits', () => {
  it('CrashLoopBackOff: waiting with the back-off message, the crash as lastState, phase Running', () => {
    const p = kubeletPod();
    const crash = exited(p, 'app', 1, T0 + 9000, { restartCount: 4 });
    const waiting = new Map([
      [
        'app',
        {
          reason: 'CrashLoopBackOff',
          message: 'back-off 1m20s restarting failed container=app pod=web_ns(uid-1)',
        },
      ],
    ]);
    const s = status(p, [sandbox(p)], [crash], { waiting });
    expect(s.phase).toBe('Running');
    expect(app(s).restartCount).toBe(4);
    expect(app(s).state).toEqual({ waiting: waiting.get('app') });
    expect(app(s).lastState).toEqual({
      terminated: {
        exitCode: 1,
        reason: 'Error',
        startedAt: '2026-12-05T12:00:02Z',
        finishedAt: '2026-12-05T12:00:09Z',
        containerID: 'containerd://app-4',
      },
    });
  });

  it('a restarted container shows its previous instance as lastState', () => {
    const p = kubeletPod();
    const s = status(
      p,
      [sandbox(p)],
      [ctr(p, 'app', { restartCount: 1 }), exited(p, 'app', 137, T0 + 1500, { reason: 'OOMKilled' })],
    );
    expect(app(s).restartCount).toBe(1);
    expect(app(s).state?.running).toBeDefined();
    expect(app(s).lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('an image that is not present: waiting with ErrImageNeverPull, Pending', () => {
    const p = kubeletPod();
    const waiting = new Map([
      [
        'app',
        {
          reason: 'ErrImageNeverPull',
          message: 'Container image "busybox" is not present with pull policy of Never',
        },
      ],
    ]);
    const s = status(p, [sandbox(p)], [], { waiting });
    expect(s.phase).toBe('Pending');
    expect(app(s).state).toEqual({ waiting: waiting.get('app') });
  });

  const cases: {
    name: string;
    spec: Parameters<typeof kubeletPod>[0];
    meta?: Parameters<typeof kubeletPod>[1];
    exits: [string, number, string?][];
    phase: string;
    ready?: Omit<Condition, 'lastTransitionTime'>;
  }[] = [
    {
      name: 'Never, exit 0 → Succeeded',
      spec: { restartPolicy: 'Never' },
      exits: [['app', 0]],
      phase: 'Succeeded',
      ready: { type: 'Ready', status: 'False', reason: 'PodCompleted' },
    },
    {
      name: 'Never, OOMKilled → Failed',
      spec: { restartPolicy: 'Never' },
      exits: [['app', 137, 'OOMKilled']],
      phase: 'Failed',
      ready: { type: 'Ready', status: 'False', reason: 'PodFailed' },
    },
    {
      name: 'OnFailure, all exit 0 → Succeeded',
      spec: { restartPolicy: 'OnFailure' },
      exits: [['app', 0]],
      phase: 'Succeeded',
    },
    {
      name: 'OnFailure, a failure (restarting) → Running',
      spec: { restartPolicy: 'OnFailure' },
      exits: [['app', 2]],
      phase: 'Running',
    },
    { name: 'Always, exited (restarting) → Running', spec: {}, exits: [['app', 0]], phase: 'Running' },
    {
      name: 'Never, one of two failed → Failed',
      spec: { restartPolicy: 'Never', containers: [busybox('a'), busybox('b')] },
      exits: [
        ['a', 0],
        ['b', 1],
      ],
      phase: 'Failed',
    },
    {
      name: 'Never, one exited, one not started yet → Pending',
      spec: { restartPolicy: 'Never', containers: [busybox('a'), busybox('b')] },
      exits: [['a', 0]],
      phase: 'Pending',
    },
    {
      name: 'Never, failed init container → Failed',
      spec: { restartPolicy: 'Never', initContainers: [busybox('init')] },
      exits: [['init', 1]],
      phase: 'Failed',
    },
    {
      name: 'Always, failed init container (retrying) → Pending',
      spec: { initContainers: [busybox('init')] },
      exits: [['init', 1]],
      phase: 'Pending',
    },
    // A deleted pod whose containers all stopped is terminal: Always no longer means "restarting".
    {
      name: 'deleted, Always, all exit 0 → Succeeded',
      spec: {},
      meta: { deletionTimestamp: '2026-12-05T12:01:00Z' },
      exits: [['app', 0]],
      phase: 'Succeeded',
    },
    {
      name: 'deleted, Always, SIGTERM exit 143 → Failed',
      spec: {},
      meta: { deletionTimestamp: '2026-12-05T12:01:00Z' },
      exits: [['app', 143]],
      phase: 'Failed',
    },
  ];
  it.each(cases)('$name', ({ spec, meta, exits, phase, ready }) => {
    const p = kubeletPod(spec, meta);
    const s = status(
      p,
      [sandbox(p, { state: 'SANDBOX_NOTREADY' })],
      exits.map(([n, code, reason]) => exited(p, n, code, T0 + 5000, reason ? { reason } : {})),
    );
    expect(s.phase).toBe(phase);
    if (ready) expect(cond(s, 'Ready')).toEqual(ready);
  });

  it('OOMKilled is reported as the terminated reason', () => {
    const p = kubeletPod({ restartPolicy: 'Never' });
    const s = status(p, [sandbox(p)], [exited(p, 'app', 137, T0 + 5000, { reason: 'OOMKilled' })]);
    expect(app(s).state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('a terminal phase in the API never changes', () => {
    const p = kubeletPod({}, {}, { phase: 'Failed' });
    expect(status(p, [sandbox(p)], [ctr(p, 'app')]).phase).toBe('Failed');
  });

  it('a Succeeded pod with init containers: Initialized True with PodCompleted', () => {
    const p = kubeletPod({ restartPolicy: 'Never', initContainers: [busybox('init')] });
    const s = status(
      p,
      [sandbox(p, { state: 'SANDBOX_NOTREADY' })],
      [exited(p, 'init', 0, T0 + 3000), exited(p, 'app', 0, T0 + 5000)],
    );
    expect(s.phase).toBe('Succeeded');
    expect(cond(s, 'Initialized')).toEqual({ type: 'Initialized', status: 'True', reason: 'PodCompleted' });
  });
});
