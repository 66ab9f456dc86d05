/**
 * The Summary from CRI stats fixtures (table-driven): pods from ready sandboxes, containers with
 * their cpu/memory/writable layer, a pod's own stats or the sum of its containers, the node from
 * a host sample; and the rates between rounds (RateBook).
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStats, PodSandbox, PodSandboxStats } from '../../../lib/cri/index.js';
import type { HostSample } from './host.js';
import { nanoCores, RateBook } from './rates.js';
import {
  buildSummary,
  cpuSamples,
  NODE_RATE_KEY,
  type RunningContainer,
  type StatsRound,
} from './summary.js';

const T = Date.parse('2026-12-05T10:00:00Z');
const ns = (ms: number): string => String(BigInt(ms) * 1_000_000n);
const u = (n: number) => ({ value: String(n) });

const host: HostSample = {
  timeMs: T,
  cpu: { usageCoreNanoSeconds: 5e12, bootTimeMs: Date.parse('2026-12-01T00:00:00Z') },
  memory: {
    totalBytes: 8 * 2 ** 30,
    availableBytes: 6 * 2 ** 30,
    freeBytes: 5 * 2 ** 30,
    anonBytes: 2 ** 30,
  },
  pageFaults: 100,
  majorPageFaults: 2,
  fs: { capacityBytes: 1000, availableBytes: 400, usedBytes: 600, inodes: 50, inodesFree: 20 },
};

const sandbox = (id: string, name: string, state: PodSandbox['state'] = 'SANDBOX_READY'): PodSandbox => ({
  id,
  metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 },
  state,
  createdAt: ns(T - 60_000),
  labels: {},
  annotations: {},
  runtimeHandler: '',
});

const running = (id: string, sandboxId: string, name: string): RunningContainer => ({
  id,
  podSandboxId: sandboxId,
  name,
  startedAtMs: T - 50_000,
});

const stats = (id: string, coreNs: number, workingSet: number, runtimeRate = 0): ContainerStats => ({
  attributes: { id, metadata: null, labels: {}, annotations: {} },
  cpu: { timestamp: ns(T), usageCoreNanoSeconds: u(coreNs), usageNanoCores: u(runtimeRate) },
  memory: {
    timestamp: ns(T),
    workingSetBytes: u(workingSet),
    availableBytes: null,
    usageBytes: u(workingSet + 100),
    rssBytes: u(workingSet - 100),
    pageFaults: u(10),
    majorPageFaults: u(0),
  },
  writableLayer: { timestamp: ns(T), fsId: null, usedBytes: u(8192), inodesUsed: u(3) },
});

const round = (over: Partial<StatsRound> = {}): StatsRound => ({
  nodeName: 'n1',
  host,
  sandboxes: [],
  containers: [],
  containerStats: [],
  sandboxStats: [],
  rates: new Map(),
  ...over,
});

describe('buildSummary: the node', () => {
  it('has boot time, busy CPU and its rate, memory with working set = total − available, fs', () => {
    const { node } = buildSummary(round({ rates: new Map([[NODE_RATE_KEY, 1_250_000_000]]) }));
    expect(node).toEqual({
      nodeName: 'n1',
      startTime: '2026-12-01T00:00:00Z',
      cpu: { time: '2026-12-05T10:00:00Z', usageNanoCores: 1_250_000_000, usageCoreNanoSeconds: 5e12 },
      memory: {
        time: '2026-12-05T10:00:00Z',
        availableBytes: 6 * 2 ** 30,
        usageBytes: 3 * 2 ** 30,
        workingSetBytes: 2 * 2 ** 30,
        rssBytes: 2 ** 30,
        pageFaults: 100,
        majorPageFaults: 2,
      },
      fs: {
        time: '2026-12-05T10:00:00Z',
        capacityBytes: 1000,
        availableBytes: 400,
        usedBytes: 600,
        inodes: 50,
        inodesFree: 20,
        inodesUsed: 30,
      },
    });
  });
});

describe('buildSummary: pods', () => {
  const sandboxStats = (id: string, coreNs: number, workingSet: number): PodSandboxStats => ({
    attributes: { id, metadata: null, labels: {}, annotations: {} },
    linux: {
      cpu: { timestamp: ns(T), usageCoreNanoSeconds: u(coreNs), usageNanoCores: u(0) },
      memory: {
        timestamp: ns(T),
        workingSetBytes: u(workingSet),
        availableBytes: null,
        usageBytes: null,
        rssBytes: null,
        pageFaults: null,
        majorPageFaults: null,
      },
      network: null,
      process: null,
      containers: [],
    },
  });

  it.each([
    {
      name: 'no sandbox stats: the pod is the sum of its containers, our rates first, the runtime rate as fallback',
      over: {
        sandboxStats: [],
        rates: new Map([['c-a', 100_000_000]]),
      },
      pod: {
        cpu: {
          time: '2026-12-05T10:00:00Z',
          usageNanoCores: 100_000_000 + 7,
          usageCoreNanoSeconds: 3_000_000_000,
        },
        memory: {
          time: '2026-12-05T10:00:00Z',
          usageBytes: 3200,
          workingSetBytes: 3000,
          rssBytes: 2800,
          pageFaults: 20,
          majorPageFaults: 0,
        },
      },
      rates: [100_000_000, 7],
    },
    {
      name: 'sandbox stats: the pod is its own cgroup, rated by pod:<sandbox id>',
      over: {
        sandboxStats: [sandboxStats('s-web', 9_000_000_000, 5000)],
        rates: new Map([
          ['pod:s-web', 42],
          ['c-a', 1],
          ['c-b', 2],
        ]),
      },
      pod: {
        cpu: { time: '2026-12-05T10:00:00Z', usageNanoCores: 42, usageCoreNanoSeconds: 9_000_000_000 },
        memory: { time: '2026-12-05T10:00:00Z', workingSetBytes: 5000 },
      },
      rates: [1, 2],
    },
  ])('$name', ({ over, pod, rates }) => {
    const summary = buildSummary(
      round({
        sandboxes: [sandbox('s-web', 'web'), sandbox('s-old', 'old', 'SANDBOX_NOTREADY')],
        containers: [running('c-b', 's-web', 'b'), running('c-a', 's-web', 'a')],
        containerStats: [stats('c-a', 1_000_000_000, 1000), stats('c-b', 2_000_000_000, 2000, 7)],
        ...over,
      }),
    );
    expect(summary.pods).toHaveLength(1);
    const [web] = summary.pods;
    expect(web).toMatchObject({
      podRef: { name: 'web', namespace: 'default', uid: 'uid-web' },
      startTime: '2026-12-05T09:59:00Z',
      ...pod,
    });
    expect(web?.containers.map((c) => c.name)).toEqual(['a', 'b']);
    expect(web?.containers.map((c) => c.cpu?.usageNanoCores)).toEqual(rates);
    expect(web?.containers[0]).toEqual({
      name: 'a',
      startTime: '2026-12-05T09:59:10Z',
      cpu: { time: '2026-12-05T10:00:00Z', usageNanoCores: rates[0], usageCoreNanoSeconds: 1_000_000_000 },
      memory: {
        time: '2026-12-05T10:00:00Z',
        usageBytes: 1100,
        workingSetBytes: 1000,
        rssBytes: 900,
        pageFaults: 10,
        majorPageFaults: 0,
      },
      rootfs: { time: '2026-12-05T10:00:00Z', usedBytes: 8192, inodesUsed: 3 },
    });
  });

  it('lists a pod whose containers have no stats yet, without cpu and memory', () => {
    const [pod] = buildSummary(
      round({ sandboxes: [sandbox('s1', 'new')], containers: [running('c1', 's1', 'main')] }),
    ).pods;
    expect(pod).toEqual({
      podRef: { name: 'new', namespace: 'default', uid: 'uid-new' },
      startTime: '2026-12-05T09:59:00Z',
      containers: [{ name: 'main', startTime: '2026-12-05T09:59:10Z' }],
    });
  });
});

describe('rates', () => {
  const s = (key: string, ms: number, core: number) => ({
    key,
    timeNs: BigInt(ms) * 1_000_000n,
    usageCoreNanoSeconds: core,
  });

  it.each([
    { name: 'half a core over 2 s', prev: s('k', 0, 0), cur: s('k', 2000, 1e9), want: 500_000_000 },
    { name: 'no time passed', prev: s('k', 1000, 0), cur: s('k', 1000, 1e9), want: undefined },
    { name: 'a counter that went back', prev: s('k', 0, 5e9), cur: s('k', 1000, 1e9), want: undefined },
  ])('nanoCores: $name', ({ prev, cur, want }) => {
    expect(nanoCores(prev, cur)).toBe(want);
  });

  it('the book rates keys seen twice and forgets keys that went away', () => {
    const book = new RateBook();
    expect(book.primed).toBe(false);
    expect(book.record([s('a', 0, 0), s('b', 0, 0)])).toEqual(new Map());
    expect(book.record([s('a', 1000, 2e9)])).toEqual(new Map([['a', 2e9]]));
    // b was forgotten, so it starts over.
    expect(book.record([s('a', 2000, 2e9), s('b', 2000, 1e9)])).toEqual(new Map([['a', 0]]));
  });

  it('cpuSamples takes the node, each container and each sandbox with a counter', () => {
    const samples = cpuSamples(host, [stats('c1', 5, 1)], []);
    expect(samples.map((x) => [x.key, x.usageCoreNanoSeconds])).toEqual([
      [NODE_RATE_KEY, 5e12],
      ['c1', 5],
    ]);
    expect(samples[1]?.timeNs).toBe(BigInt(T) * 1_000_000n);
  });
});
