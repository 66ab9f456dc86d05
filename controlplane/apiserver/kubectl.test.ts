/**
 * The real kubectl (1.32 through /usr/bin/kubectl's dispatcher, which picks 1.32 because
 * /version reports minor 32) against a real server on loopback.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, kubectl } from '../../test/harness/cluster/apiserver.js';
import { addToken, kubeconfig } from './pki.js';
import { useTestServer } from './testing/harness.js';

const h = useTestServer();
const { k, file } = h;

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
        env:
        - {name: MODE, value: "a"}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: web.switchyard.test
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
`;

describe('kubectl against the API server', () => {
  it('reports server version 1.32 through the admin kubeconfig as written', async () => {
    const r = await k('version');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Server Version: v1.32');
  });

  it('apply -f creates a Deployment, Service and Ingress; get shows kubectl columns', async () => {
    const app = file('app.yaml', APP);
    const r = await k('apply', '-f', app);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'deployment.apps/web created',
      'service/web created',
      'ingress.networking.k8s.io/web created',
    ]);
    const svc = await k('get', 'svc,endpointslices');
    expect(svc.code).toBe(0);
    expect(svc.stdout).toMatch(/service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/);
    expect(svc.stdout).toMatch(/service\/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/);
    expect(svc.stdout).toMatch(/endpointslice\.discovery\.k8s\.io\/kubernetes\s+IPv4\s+\d+\s+127\.0\.0\.1/);
    const ing = await k('get', 'ingress', 'web');
    expect(ing.stdout).toMatch(/web\s+<none>\s+web\.switchyard\.test\s+80/);
  });

  it('get pods -o wide shows the wide columns, and get pods -w shows a later change', async () => {
    expect((await k('run', 'p1', '--image=busybox', '--labels=app=p1')).code).toBe(0);
    const wide = await k('get', 'pods', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
    );
    expect(wide.stdout).toMatch(/p1\s+0\/1\s+Pending\s+0/);

    const home = h.env.home;
    const watcher = spawn(
      'kubectl',
      ['--cache-dir', join(home, 'cache'), 'get', 'pods', '-w', '--output-watch-events'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: h.env.kubeconfig },
      },
    );
    let out = '';
    watcher.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    try {
      await waitFor(() => out.includes('p1'));
      const patched = await call(h.t.server, 'PATCH', '/api/v1/namespaces/default/pods/p1/status', {
        body: { status: { phase: 'Running', podIP: '10.244.1.5' } },
        contentType: 'application/merge-patch+json',
      });
      expect(patched.status).toBe(200);
      await waitFor(() => /MODIFIED\s+p1\s+0\/1\s+Running/.test(out));
    } finally {
      watcher.kill('SIGTERM');
    }
  });

  it('a second apply with an edit is a strategic merge patch that keeps list entries by key', async () => {
    const edited = APP.replace('nginx:1.27', 'nginx:1.28').replace('replicas: 2', 'replicas: 1');
    const r = await k('apply', '-f', file('app2.yaml', edited));
    expect(r.stdout).toContain('deployment.apps/web configured');
    expect(r.stdout).toContain('service/web unchanged');
    const got = await call(h.t.server, 'GET', '/apis/apps/v1/namespaces/default/deployments/web');
    const spec = got.json.spec as {
      replicas: number;
      template: { spec: { containers: { image: string; env: unknown }[] } };
    };
    expect(spec.replicas).toBe(1);
    expect(spec.template.spec.containers).toHaveLength(1);
    expect(spec.template.spec.containers[0]?.image).toBe('nginx:1.28');
    expect(spec.template.spec.containers[0]?.env).toEqual([{ name: 'MODE', value: 'a' }]);
    expect((got.json.metadata as { generation: number }).generation).toBe(2);
  });

  it('scale --replicas=5 goes through the scale subresource', async () => {
    const r = await k('scale', 'deployment', 'web', '--replicas=5');
    expect(r.stdout.trim()).toBe('deployment.apps/web scaled');
    const wide = await k('get', 'deploy', 'web', '-o', 'wide');
    expect(wide.stdout).toMatch(/web\s+0\/5\s+0\s+0\s+\S+\s+nginx\s+nginx:1\.28\s+app=web/);
  });

  it('describe and wait work (wait needs watch headers flushed at once)', async () => {
    const d = await k('describe', 'deployment', 'web');
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/Replicas:\s+5 desired/);
    expect(d.stdout).toMatch(/Image:\s+nginx:1\.28/);
    const started = Date.now();
    const w = await k('wait', '--for=jsonpath={.status.phase}=Running', 'pod/p1', '--timeout=20s');
    expect(w.stdout.trim()).toBe('pod/p1 condition met');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects an invalid manifest with field-level messages, and unknown fields (Strict)', async () => {
    const bad = await k(
      'apply',
      '-f',
      file(
        'bad.yaml',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: Bad_Name\nspec:\n  ports:\n  - port: 70000\n',
      ),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The Service "Bad_Name" is invalid');
    expect(bad.stderr).toContain('metadata.name: Invalid value: "Bad_Name"');
    expect(bad.stderr).toContain(
      'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    );
    const unknown = await k(
      'apply',
      '-f',
      file(
        'unknown.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\ndata: {a: b}\nbogus: 1\n',
      ),
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('strict decoding error: unknown field "bogus"');
  });

  it('apply --server-side creates and then updates', async () => {
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  v: "${v}"\n`;
    const first = await k('apply', '--server-side', '-f', file('ssa.yaml', cm('1')));
    expect(first.stdout.trim()).toBe('configmap/ssa serverside-applied');
    const second = await k('apply', '--server-side', '-f', file('ssa.yaml', cm('2')));
    expect(second.code).toBe(0);
    const got = await k('get', 'configmap', 'ssa', '-o', 'jsonpath={.data.v}');
    expect(got.stdout).toBe('2');
  });

  it('typed creates that kubectl 1.32 sends as protobuf work', async () => {
    expect((await k('create', 'namespace', 'pb')).stdout.trim()).toBe('namespace/pb created');
    const d = await k(
      'create',
      'deployment',
      'web2',
      '-n',
      'pb',
      '--image=nginx:1.27',
      '--replicas=2',
      '--port=8080',
    );
    expect(d.stderr).toBe('');
    expect(d.stdout.trim()).toBe('deployment.apps/web2 created');
    expect((await k('create', 'configmap', 'c1', '-n', 'pb', '--from-literal=a=b')).code).toBe(0);
    expect((await k('create', 'secret', 'generic', 's1', '-n', 'pb', '--from-literal=x=y')).code).toBe(0);
    expect((await k('create', 'service', 'clusterip', 'svc2', '-n', 'pb', '--tcp=80:8080')).code).toBe(0);
    const dep = await call(h.t.server, 'GET', '/apis/apps/v1/namespaces/pb/deployments/web2');
    expect(dep.json.spec).toMatchObject({
      replicas: 2,
      selector: { matchLabels: { app: 'web2' } },
      template: {
        metadata: { labels: { app: 'web2' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080, protocol: 'TCP' }] },
          ],
        },
      },
    });
    const cm = await call(h.t.server, 'GET', '/api/v1/namespaces/pb/configmaps/c1');
    expect(cm.json.data).toEqual({ a: 'b' });
    const secret = await call(h.t.server, 'GET', '/api/v1/namespaces/pb/secrets/s1');
    expect(secret.json.data).toEqual({ x: Buffer.from('y').toString('base64') });
    const svc = await call(h.t.server, 'GET', '/api/v1/namespaces/pb/services/svc2');
    expect((svc.json.spec as { ports: unknown[] }).ports).toEqual([
      { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
    ]);
  });

  it('get all, api-resources, --sort-by (Table with includeObject=Object) and -A -o json', async () => {
    const all = await k('get', 'all');
    expect(all.stdout).toContain('deployment.apps/web');
    expect(all.stdout).toContain('service/kubernetes');
    const res = await k('api-resources', '--api-group=apps', '-o', 'name');
    expect(res.stdout.trim().split('\n')).toEqual([
      'daemonsets.apps',
      'deployments.apps',
      'replicasets.apps',
    ]);
    await k('run', 'zz', '--image=busybox');
    const sorted = await k('get', 'pods', '--sort-by=.metadata.name', '-o', 'name');
    expect(sorted.code).toBe(0);
    const names = sorted.stdout.trim().split('\n');
    expect(names).toEqual([...names].sort());
    const table = await k('get', 'pods', '--sort-by=.metadata.name');
    expect(table.stdout.trim().split('\n').at(-1)).toMatch(/^zz\s+0\/1\s+Pending/);
    const json = await k('get', 'pods', '-A', '-o', 'json');
    expect((JSON.parse(json.stdout) as { kind: string; items: unknown[] }).kind).toBe('List');
  });

  it('a node kubeconfig from addToken works at once with kubectl, limited to what a node may do', async () => {
    const token = addToken({
      dir: join(h.t.dir, 'data'),
      user: 'system:node:node-7',
      groups: ['system:nodes'],
    });
    const nodeConfig = join(h.t.dir, 'node-7.kubeconfig');
    writeFileSync(
      nodeConfig,
      kubeconfig({ server: h.t.server.url, caCert: h.t.server.caCertPath, user: 'node-7', token }),
    );
    const asNode = (...args: string[]) => kubectl({ kubeconfig: nodeConfig, home: h.env.home }, args);
    // A node lists only the pods bound to it (the Node authorizer wants the field selector).
    const ownPods = ['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-7'];
    const end = Date.now() + 8000;
    let pods = await asNode(...ownPods);
    while (pods.code !== 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      pods = await asNode(...ownPods);
    }
    expect(pods.code).toBe(0);
    const denied = await asNode('delete', 'configmap', 'ssa');
    expect(denied.stderr).toContain('Error from server (Forbidden)');
  });

  it('delete -f removes everything it created', async () => {
    const r = await k('delete', '-f', join(h.t.dir, 'app.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps "web" deleted');
    const left = await k('get', 'deploy,svc,ing', '-o', 'name');
    expect(left.stdout.trim()).toBe('service/kubernetes');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
