/** node-status.ts: the registered Node, resources, conditions and their times, change detection. */
import { describe, expect, it } from 'vitest';
import type { Condition } from '../../lib/api/index.js';
import {
  goArch,
  KUBELET_VERSION,
  type NodeFacts,
  nodeConditions,
  nodeResources,
  nodeStatus,
  nodeStatusChanged,
  nodeToRegister,
  parseMeminfo,
  parseOsRelease,
} from './node-status.js';

const FACTS: NodeFacts = {
  nodeName: 'node-1',
  nodeIP: '10.0.0.11',
  hostname: 'host-a',
  cpus: 2,
  memoryBytes: 4096 * 1024 * 1024,
  ephemeralStorageBytes: 10 * 1024 * 1024 * 1024,
  maxPods: 110,
  kernelVersion: '6.1.0-26-amd64',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'x64',
  containerRuntimeVersion: 'containerd://1.6.20',
  kubeletPort: 10250,
};
const T0 = Date.parse('2026-12-05T10:00:00Z');
const T1 = T0 + 10_000;

describe('node resources', () => {
  it.each([
    {
      name: 'no reservation: allocatable is capacity',
      facts: FACTS,
      capacity: { cpu: '2', memory: '4194304Ki', pods: '110', 'ephemeral-storage': '10485760Ki' },
      allocatable: { cpu: '2', memory: '4194304Ki', pods: '110', 'ephemeral-storage': '10485760Ki' },
    },
    {
      name: 'reserved cpu and memory are subtracted',
      facts: { ...FACTS, reserved: { cpuMillis: 100, memoryBytes: 256 * 1024 * 1024 } },
      capacity: { cpu: '2', memory: '4194304Ki', pods: '110', 'ephemeral-storage': '10485760Ki' },
      allocatable: { cpu: '1900m', memory: '3932160Ki', pods: '110', 'ephemeral-storage': '10485760Ki' },
    },
    {
      name: 'unknown storage is left out',
      facts: { ...FACTS, ephemeralStorageBytes: undefined, cpus: 1, maxPods: 20 },
      capacity: { cpu: '1', memory: '4194304Ki', pods: '20' },
      allocatable: { cpu: '1', memory: '4194304Ki', pods: '20' },
    },
  ])('$name', ({ facts, capacity, allocatable }) => {
    const { ephemeralStorageBytes, ...rest } = facts;
    const f: NodeFacts = ephemeralStorageBytes === undefined ? rest : facts;
    expect(nodeResources(f)).toEqual({ capacity, allocatable });
  });
});

describe('node conditions', () => {
  const at = (t: number) => new Date(t).toISOString().replace('.000', '');
  const ready = (status: Condition['status'], since: number): Condition => ({
    type: 'Ready',
    status,
    lastHeartbeatTime: at(since),
    lastTransitionTime: at(since),
  });
  it.each([
    {
      name: 'first report: every transition is now',
      ready: true,
      previous: undefined,
      want: { status: 'True', reason: 'KubeletReady', transition: T1 },
    },
    {
      name: 'unchanged Ready keeps its transition time, heartbeat moves',
      ready: true,
      previous: [ready('True', T0)],
      want: { status: 'True', reason: 'KubeletReady', transition: T0 },
    },
    {
      name: 'runtime down: Ready False with KubeletNotReady and the message, transition now',
      ready: false,
      previous: [ready('True', T0)],
      want: {
        status: 'False',
        reason: 'KubeletNotReady',
        transition: T1,
        message: 'container runtime is down',
      },
    },
    {
      name: "node lifecycle's Unknown, then the kubelet reports: a transition",
      ready: true,
      previous: [ready('Unknown', T0)],
      want: { status: 'True', reason: 'KubeletReady', transition: T1 },
    },
  ])('$name', ({ ready: isReady, previous, want }) => {
    const runtime = isReady ? { ready: true } : { ready: false, message: 'container runtime is down' };
    const conds = nodeConditions(runtime, previous as Condition[] | undefined, T1);
    expect(conds.map((c) => [c.type, c.status])).toEqual([
      ['MemoryPressure', 'False'],
      ['DiskPressure', 'False'],
      ['PIDPressure', 'False'],
      ['Ready', want.status],
    ]);
    const r = conds[3];
    expect(r).toMatchObject({
      reason: want.reason,
      lastHeartbeatTime: at(T1),
      lastTransitionTime: at(want.transition),
    });
    if (want.message) expect(r?.message).toBe(want.message);
    expect(conds.slice(0, 3).map((c) => c.reason)).toEqual([
      'KubeletHasSufficientMemory',
      'KubeletHasNoDiskPressure',
      'KubeletHasSufficientPID',
    ]);
  });
});

describe('node status and registration', () => {
  it('reports addresses, endpoint and nodeInfo', () => {
    const s = nodeStatus(FACTS, { ready: true }, undefined, T0);
    expect(s.addresses).toEqual([
      { type: 'InternalIP', address: '10.0.0.11' },
      { type: 'Hostname', address: 'host-a' },
    ]);
    expect(s.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(s.nodeInfo).toMatchObject({
      kubeletVersion: KUBELET_VERSION,
      containerRuntimeVersion: 'containerd://1.6.20',
      operatingSystem: 'linux',
      architecture: 'amd64',
      kernelVersion: '6.1.0-26-amd64',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('registers with the well-known labels and no spec', () => {
    const n = nodeToRegister(FACTS, { ready: true }, T0);
    expect(n.metadata.labels).toEqual({
      'kubernetes.io/hostname': 'node-1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': 'amd64',
    });
    expect(n.spec).toBeUndefined();
  });

  it.each([
    { name: 'only heartbeats moved', change: (t: number) => t, changed: false },
    { name: 'a later report with the same facts', change: (t: number) => t + 60_000, changed: false },
  ])('change detection: $name', ({ change, changed }) => {
    const held = nodeStatus(FACTS, { ready: true }, undefined, T0);
    // The server's copy: keys in another order, extra fields the kubelet does not own.
    const server = { ...JSON.parse(JSON.stringify(held)), volumesInUse: ['x'] };
    const next = nodeStatus(FACTS, { ready: true }, held.conditions, change(T1));
    expect(nodeStatusChanged(server, next)).toBe(changed);
  });

  it.each([
    { name: 'runtime not ready', next: () => nodeStatus(FACTS, { ready: false }, undefined, T1) },
    { name: 'capacity', next: () => nodeStatus({ ...FACTS, cpus: 4 }, { ready: true }, undefined, T0) },
    {
      name: 'runtime version',
      next: () =>
        nodeStatus({ ...FACTS, containerRuntimeVersion: 'containerd://2.0' }, { ready: true }, undefined, T0),
    },
  ])('change detection: $name changes', ({ next }) => {
    const held = nodeStatus(FACTS, { ready: true }, undefined, T0);
    expect(nodeStatusChanged(held, next())).toBe(true);
  });
  it('change detection: a Node with no status yet', () => {
    expect(nodeStatusChanged(undefined, nodeStatus(FACTS, { ready: true }, undefined, T0))).toBe(true);
  });
});

describe('host parsers', () => {
  it.each([
    ['x64', 'amd64'],
    ['arm64', 'arm64'],
    ['ia32', '386'],
    ['riscv64', 'riscv64'],
  ])('goArch(%s) = %s', (a, want) => expect(goArch(a)).toBe(want));
  it.each([
    ['MemTotal:        4028520 kB\nMemFree: 1 kB\n', 4028520 * 1024],
    ['MemFree: 1 kB\n', undefined],
  ])('parseMeminfo', (text, want) => expect(parseMeminfo(text)).toBe(want));
  it.each([
    ['NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n', 'Debian GNU/Linux 12 (bookworm)'],
    ["PRETTY_NAME='Alpine'\n", 'Alpine'],
    ['PRETTY_NAME=Plain\n', 'Plain'],
    ['', 'Linux'],
  ])('parseOsRelease', (text, want) => expect(parseOsRelease(text)).toBe(want));
});
