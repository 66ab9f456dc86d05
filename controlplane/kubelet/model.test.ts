/** The pod view's conversion, the spec hash and the CRI labels a restarted kubelet finds pods by. */
import { describe, expect, it } from 'vitest';
import { toKubeletPod, truncateHostname } from './model.js';
import {
  containerAnnotations,
  containerLabels,
  groupByPod,
  restartCountOf,
  sandboxLabels,
} from './observed.js';
import { apiPod, busybox, ctr, kubeletPod, sandbox } from './testing/fixtures.js';

describe('toKubeletPod', () => {
  it('applies upstream defaults', () => {
    const p = kubeletPod({ containers: [busybox('app', { readinessProbe: { httpGet: { port: 80 } } })] });
    expect(p).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      enableServiceLinks: true,
      hostNetwork: false,
      hostname: 'web',
    });
    expect(p.containers[0]).toMatchObject({
      imagePullPolicy: 'Always',
      readinessProbe: {
        initialDelaySeconds: 0,
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      },
    });
    expect(
      kubeletPod({ containers: [busybox('a', { image: 'registry:5000/busybox:1.36' })] }).containers[0]
        ?.imagePullPolicy,
    ).toBe('IfNotPresent');
  });

  it('collects hostPort mappings for the sandbox', () => {
    const p = kubeletPod({
      containers: [
        busybox('app', {
          ports: [
            { containerPort: 80, hostPort: 8080 },
            { containerPort: 53, protocol: 'UDP' },
          ],
        }),
      ],
    });
    expect(p.portMappings).toEqual([{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIP: '' }]);
  });

  it('the spec hash covers name and image (the mutable fields), as upstream since 1.31', () => {
    const hash = (c: Parameters<typeof busybox>[1] & { image?: string }) =>
      kubeletPod({ containers: [{ name: 'app', image: 'busybox', command: ['sh'], ...c }] }).containers[0]!
        .hash;
    expect(hash({})).toMatch(/^[0-9a-f]{8}$/);
    // Another (defaulted or newly added) field does not restart a running container…
    expect(hash({ stdin: false, workingDir: '/' })).toBe(hash({}));
    // …a new image does.
    expect(hash({ image: 'busybox:1.36' })).not.toBe(hash({}));
  });

  it('hostname: spec.hostname, else the name cut to 63 characters without a trailing dash', () => {
    expect(kubeletPod({ hostname: 'h1' }).hostname).toBe('h1');
    expect(truncateHostname(`${'a'.repeat(62)}-bbb`)).toBe('a'.repeat(62));
  });
});

describe('CRI labels', () => {
  const p = toKubeletPod(apiPod({}, { labels: { app: 'web' } }));
  it('sandbox and container labels carry upstream keys; annotations the hash and restart count', () => {
    expect(sandboxLabels(p)).toEqual({
      app: 'web',
      'io.kubernetes.pod.name': 'web',
      'io.kubernetes.pod.namespace': 'ns',
      'io.kubernetes.pod.uid': 'uid-1',
    });
    expect(containerLabels(p, p.containers[0]!)).toMatchObject({ 'io.kubernetes.container.name': 'app' });
    expect(containerAnnotations(p, p.containers[0]!, 4)).toEqual({
      'io.kubernetes.container.hash': p.containers[0]!.hash,
      'io.kubernetes.container.restartCount': '4',
      'io.kubernetes.pod.terminationGracePeriod': '30',
    });
  });

  it('groupByPod finds each pod by its uid label, newest first, and skips what is not ours', () => {
    const other = { ...sandbox(p, { id: 'foreign' }), labels: {} };
    const grouped = groupByPod(
      [sandbox(p, { id: 'old', createdAt: 1 }), sandbox(p, { id: 'new', createdAt: 2 }), other],
      [ctr(p, 'app', { restartCount: 0 }), ctr(p, 'app', { restartCount: 1 })],
    );
    expect([...grouped.keys()]).toEqual(['uid-1']);
    const g = grouped.get('uid-1')!;
    expect(g.sandboxes.map((s) => s.id)).toEqual(['new', 'old']);
    expect(g.containers.map(restartCountOf)).toEqual([1, 0]);
    expect({ name: g.name, namespace: g.namespace }).toEqual({ name: 'web', namespace: 'ns' });
  });
});
