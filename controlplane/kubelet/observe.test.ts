/** The CRI → observation conversions and the cgroup settings, pure (no containerd). */
import { describe, expect, it } from 'vitest';
import type { ContainerStatus, PodSandboxStatus } from '../../lib/cri/index.js';
import { linuxResources, podLogDirectory, sandboxConfig } from './apply.js';
import { nanosToMs, toObservedContainer, toObservedSandbox } from './observe.js';
import { kubeletPod } from './testing/fixtures.js';

const NS = '1796400000123456789'; // 2026-12-04T… in nanoseconds, past 2^53

describe('CRI → observed', () => {
  it('converts nanosecond strings to epoch milliseconds without losing digits', () => {
    expect(nanosToMs(NS)).toBe(1796400000123);
    expect(nanosToMs('0')).toBe(0);
    expect(nanosToMs('')).toBe(0);
  });

  it('converts a PodSandboxStatus: attempt, IPs, network mode', () => {
    const status: PodSandboxStatus = {
      id: 'sb1',
      metadata: { name: 'web', uid: 'u', namespace: 'ns', attempt: 2 },
      state: 'SANDBOX_READY',
      createdAt: NS,
      network: { ip: '10.0.0.5', additionalIps: [{ ip: 'fd00::5' }] },
      linux: { namespaces: { options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD', targetId: '' } } },
      labels: { a: 'b' },
      annotations: { c: 'd' },
      runtimeHandler: '',
    };
    expect(toObservedSandbox(status)).toEqual({
      id: 'sb1',
      state: 'SANDBOX_READY',
      createdAt: 1796400000123,
      attempt: 2,
      labels: { a: 'b' },
      annotations: { c: 'd' },
      ips: ['10.0.0.5', 'fd00::5'],
      hostNetwork: false,
    });
    const host = toObservedSandbox({
      ...status,
      network: { ip: '', additionalIps: [] },
      linux: { namespaces: { options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD', targetId: '' } } },
    });
    expect([host.ips, host.hostNetwork]).toEqual([[], true]);
    expect(toObservedSandbox({ ...status, metadata: null, network: null, linux: null })).toMatchObject({
      attempt: 0,
      ips: [],
      hostNetwork: false,
    });
  });

  it('converts a ContainerStatus with its sandbox: times, exit code, reason', () => {
    const status: ContainerStatus = {
      id: 'c1',
      metadata: { name: 'app', attempt: 3 },
      state: 'CONTAINER_EXITED',
      createdAt: NS,
      startedAt: '1796400001000000000',
      finishedAt: '1796400002500000000',
      exitCode: 137,
      image: { image: 'busybox', annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
      imageRef: 'sha256:abc',
      reason: 'OOMKilled',
      message: '',
      labels: { l: '1' },
      annotations: { 'io.kubernetes.container.restartCount': '3' },
      mounts: [],
      logPath: '/x/app/3.log',
      resources: null,
    };
    expect(toObservedContainer({ podSandboxId: 'sb1' }, status)).toEqual({
      id: 'c1',
      sandboxId: 'sb1',
      name: 'app',
      attempt: 3,
      state: 'CONTAINER_EXITED',
      createdAt: 1796400000123,
      startedAt: 1796400001000,
      finishedAt: 1796400002500,
      exitCode: 137,
      reason: 'OOMKilled',
      message: '',
      image: 'busybox',
      imageRef: 'sha256:abc',
      labels: { l: '1' },
      annotations: { 'io.kubernetes.container.restartCount': '3' },
    });
  });
});

describe('CRI requests from the pod', () => {
  it('turns requests and limits into cgroup settings', () => {
    const r = (limits: Record<string, string>, requests: Record<string, string>) =>
      linuxResources({ name: 'app', resources: { limits, requests } });
    expect(r({}, {})).toEqual({ cpuShares: 2 });
    expect(r({ cpu: '500m', memory: '64Mi' }, { cpu: '250m' })).toEqual({
      cpuShares: 256,
      cpuPeriod: 100_000,
      cpuQuota: 50_000,
      memoryLimitInBytes: 64 * 2 ** 20,
    });
    // No request: the limit is the request (as the API defaults it); tiny limits get the minimum quota.
    expect(r({ cpu: '1m' }, {})).toEqual({ cpuShares: 2, cpuPeriod: 100_000, cpuQuota: 1000 });
    expect(r({ cpu: '2' }, {})).toMatchObject({ cpuShares: 2048, cpuQuota: 200_000 });
    expect(() => r({ memory: '1x' }, {})).toThrow(
      /app\.resources\.limits\.memory: must be a quantity .*"1x"/,
    );
  });

  it('builds the sandbox config: log directory, DNS, ports, labels, network mode', () => {
    const pod = kubeletPod({
      containers: [{ name: 'app', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }] }],
    });
    const dns = {
      servers: ['10.96.0.10'],
      domain: 'cluster.local',
      host: { servers: [], searches: [], options: [] },
    };
    const config = sandboxConfig(pod, 1, { podLogsDir: '/var/log/pods', dns });
    expect(podLogDirectory('/var/log/pods', pod)).toBe('/var/log/pods/ns_web_uid-1');
    expect(config).toMatchObject({
      metadata: { name: 'web', namespace: 'ns', uid: 'uid-1', attempt: 1 },
      hostname: 'web',
      logDirectory: '/var/log/pods/ns_web_uid-1',
      dnsConfig: {
        servers: ['10.96.0.10'],
        searches: ['ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
        options: ['ndots:5'],
      },
      portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }],
      labels: { 'io.kubernetes.pod.uid': 'uid-1', 'io.kubernetes.pod.name': 'web' },
      annotations: { 'switchyard.io/sandbox-hash': pod.sandboxHash },
      linux: { securityContext: { namespaceOptions: { network: 'POD' } } },
    });
    const host = sandboxConfig(kubeletPod({ hostNetwork: true }), 0, { podLogsDir: '/l', dns });
    expect(host.linux?.securityContext?.namespaceOptions?.network).toBe('NODE');
    // The node's UTS namespace: no hostname of the pod's own (runc would refuse it).
    expect(host.hostname).toBeUndefined();
  });
});
