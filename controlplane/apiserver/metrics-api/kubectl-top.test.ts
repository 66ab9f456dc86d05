/**
 * metrics.k8s.io with the real kubectl 1.32: two test kubelets (`testing/test-kubelet.ts`) on
 * loopback registered as Nodes, one serving a stats/v1alpha1 Summary fixture and one whose stats
 * fail; `kubectl top nodes`, `top pods -A`, `top pod P --containers`, `-l`; the documents
 * behind them (discovery, NodeMetrics, PodMetrics, JSON for a protobuf Accept), the NotFounds,
 * and RBAC on the group.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, kubectl } from '../../../test/harness/cluster/apiserver.js';
import { pkiFiles } from '../pki.js';
import { useTestServer } from '../testing/harness.js';
import { startTestKubelet, type TestKubelet } from '../testing/test-kubelet.js';

const kubelets: TestKubelet[] = [];
const TIME = '2026-12-05T10:00:00Z';
const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** A container's (or the node's) cpu and memory in a Summary. */
const usage = (nanoCores: number, workingSetBytes: number) => ({
  cpu: { time: TIME, usageNanoCores: nanoCores, usageCoreNanoSeconds: nanoCores * 100 },
  memory: { time: TIME, workingSetBytes, usageBytes: workingSetBytes + MiB },
});

const h = useTestServer({
  setup: async (s) => {
    const pki = pkiFiles(join(s.t.dir, 'data'));
    for (const name of ['top-a', 'top-b']) {
      const kubelet = await startTestKubelet({ cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert });
      kubelets.push(kubelet);
      const status = {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      };
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { pool: name } } };
      expect((await s.api('POST', '/api/v1/nodes', node)).status).toBe(201);
      const patched = await s.api(
        'PATCH',
        `/api/v1/nodes/${name}/status`,
        { status },
        'application/merge-patch+json',
      );
      expect(patched.status).toBe(200);
    }
    const uids = new Map<string, string>();
    const pod = async (ns: string, name: string, containers: string[], nodeName?: string) => {
      const body = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: { app: name } },
        spec: {
          ...(nodeName ? { nodeName } : {}),
          containers: containers.map((c) => ({ name: c, image: 'busybox' })),
        },
      };
      const created = await s.api('POST', `/api/v1/namespaces/${ns}/pods`, body);
      expect(created.status).toBe(201);
      uids.set(`${ns}/${name}`, String((created.json.metadata as { uid: string }).uid));
    };
    await pod('default', 'web', ['httpd', 'sidecar'], 'top-a');
    await pod('default', 'api', ['server'], 'top-a');
    await pod('kube-system', 'dns', ['coredns'], 'top-a');
    await pod('default', 'pending', ['c']);
    await pod('default', 'elsewhere', ['c'], 'top-b');
    const podStats = (ns: string, name: string, containers: [string, number, number][]) => ({
      podRef: { namespace: ns, name, uid: uids.get(`${ns}/${name}`) },
      startTime: TIME,
      containers: containers.map(([c, cpu, mem]) => ({ name: c, startTime: TIME, ...usage(cpu, mem) })),
    });
    kubelets[0]?.setSummary({
      node: { nodeName: 'top-a', startTime: TIME, ...usage(250_000_000, GiB) },
      pods: [
        podStats('default', 'web', [
          ['httpd', 5_000_000, 20 * MiB],
          ['sidecar', 1_500_000, 5 * MiB + 512 * 1024],
        ]),
        podStats('default', 'api', [['server', 120_000_000, 64 * MiB]]),
        podStats('kube-system', 'dns', [['coredns', 3_000_000, 15 * MiB]]),
        // A pod the kubelet still reports but the API no longer has: left out.
        {
          ...podStats('default', 'gone', [['c', 1, 1]]),
          podRef: { namespace: 'default', name: 'gone', uid: 'x' },
        },
      ],
    });
  },
});

afterAll(async () => {
  await Promise.all(kubelets.map((k) => k.close()));
});

/** kubectl's table as rows of cells (columns are padded with spaces). */
const table = (out: string): string[][] =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));

describe('kubectl top', () => {
  it('top nodes: usage from the kubelet, percentages of allocatable, <unknown> for a node without stats', async () => {
    const r = await h.k('top', 'nodes');
    expect(r.stderr).toBe('');
    expect(table(r.stdout)).toEqual([
      ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
      ['top-a', '250m', '12%', '1024Mi', '25%'],
      ['top-b', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
    ]);
    const one = await h.k('top', 'node', '-l', 'pool=top-a', '--no-headers');
    expect(table(one.stdout)).toEqual([['top-a', '250m', '12%', '1024Mi', '25%']]);
  });

  it('top pods -A: every measured pod, summed over its containers', async () => {
    const r = await h.k('top', 'pods', '-A');
    expect(r.stderr).toBe('');
    expect(table(r.stdout)).toEqual([
      ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['default', 'api', '120m', '64Mi'],
      ['default', 'web', '7m', '25Mi'],
      ['kube-system', 'dns', '3m', '15Mi'],
    ]);
  });

  it('top pod P --containers, and -l', async () => {
    const r = await h.k('top', 'pod', 'web', '--containers');
    expect(r.stderr).toBe('');
    expect(table(r.stdout)).toEqual([
      ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['web', 'httpd', '5m', '20Mi'],
      ['web', 'sidecar', '2m', '5Mi'],
    ]);
    const labelled = await h.k('top', 'pods', '-l', 'app=api', '--no-headers');
    expect(table(labelled.stdout)).toEqual([['api', '120m', '64Mi']]);
  });

  it('kubectl get nodemetrics|podmetrics prints the Table: usage summed per pod, and the window', async () => {
    const nodes = await h.k('get', 'nodemetrics');
    expect(nodes.stderr).toBe('');
    expect(table(nodes.stdout)).toEqual([
      ['NAME', 'CPU', 'MEMORY', 'WINDOW'],
      ['top-a', '250m', '1Gi', expect.stringMatching(/^\d+(\.\d+)?s$/)],
    ]);
    const pods = await h.k('get', 'podmetrics', 'web', '--no-headers');
    expect(table(pods.stdout)).toEqual([['web', '6500u', '26112Ki', expect.stringMatching(/s$/)]]);
  });

  it('reports a pod without metrics and a pod that does not exist', async () => {
    const pending = await h.k('top', 'pod', 'pending');
    expect(pending.code).toBe(1);
    expect(pending.stderr).toContain('podmetrics.metrics.k8s.io "default/pending" not found');
    const missing = await h.k('top', 'pod', 'nope');
    expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    // The API's own answer for a missing pod is the Pod's NotFound, as metrics-server's.
    const direct = await h.api('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope');
    expect([direct.status, direct.json.message]).toEqual([404, 'pods "nope" not found']);
  });
});

describe('the metrics.k8s.io documents', () => {
  it('lists the group in /apis (legacy and aggregated) and its resources', async () => {
    const apis = await h.api('GET', '/apis');
    expect(apis.json.groups).toContainEqual({
      name: 'metrics.k8s.io',
      versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }],
      preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
    });
    const aggregated = await call(h.t.server, 'GET', '/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    });
    const group = (aggregated.json.items as { metadata: { name: string } }[]).find(
      (g) => g.metadata.name === 'metrics.k8s.io',
    );
    expect(group).toMatchObject({
      versions: [
        { version: 'v1beta1', resources: [{ resource: 'nodes' }, { resource: 'pods', scope: 'Namespaced' }] },
      ],
    });
    const list = await h.stored('/apis/metrics.k8s.io/v1beta1');
    expect(list.resources).toEqual([
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ]);
    expect((await h.stored('/apis/metrics.k8s.io')).preferredVersion).toEqual({
      groupVersion: 'metrics.k8s.io/v1beta1',
      version: 'v1beta1',
    });
  });

  it('serves NodeMetrics and PodMetrics as JSON, even to a protobuf Accept', async () => {
    const node = await call(h.t.server, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/top-a', {
      accept: 'application/vnd.kubernetes.protobuf, */*',
    });
    expect(node.status).toBe(200);
    expect(node.headers['content-type']).toBe('application/json');
    expect(node.json).toMatchObject({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'top-a', labels: { pool: 'top-a' } },
      timestamp: TIME,
      usage: { cpu: '250m', memory: '1Gi' },
    });
    expect(node.json.window).toMatch(/^\d+(\.\d+)?s$/);
    const pod = await h.stored('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web');
    expect(pod).toMatchObject({
      kind: 'PodMetrics',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      timestamp: TIME,
      containers: [
        { name: 'httpd', usage: { cpu: '5m', memory: '20Mi' } },
        { name: 'sidecar', usage: { cpu: '1500u', memory: '5632Ki' } },
      ],
    });
    const bySelector = await h.stored(
      '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dkube-system',
    );
    expect((bySelector.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual([
      'dns',
    ]);
    const nodeGone = await h.api('GET', '/apis/metrics.k8s.io/v1beta1/nodes/top-b');
    expect(nodeGone.status).toBe(404);
    expect(nodeGone.json.message).toBe('nodemetrics.metrics.k8s.io "top-b" not found');
    expect((await h.api('DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/top-a')).status).toBe(405);
    expect((await h.api('GET', '/apis/metrics.k8s.io/v1beta1/widgets')).status).toBe(404);
  });

  it('authorizes through RBAC on the metrics.k8s.io group', async () => {
    const env = await h.userWithRole('watcher', 'default', [
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
    const allowed = await kubectl(env, ['top', 'pods', '--no-headers']);
    expect(allowed.stderr).toBe('');
    expect(table(allowed.stdout).map((row) => row[0])).toEqual(['api', 'web']);
    const denied = await kubectl(env, ['top', 'pods', '-n', 'kube-system']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('pods.metrics.k8s.io is forbidden');
    const nodes = await kubectl(env, ['top', 'nodes']);
    expect(nodes.stderr).toContain('nodes.metrics.k8s.io is forbidden');
  });
});
