/**
 * Everyday kubectl commands beyond the basics of kubectl.test.ts, run with the real kubectl 1.32
 * against one real server: server-side dry run (`diff`, `--dry-run=server`), `auth can-i`,
 * `auth whoami`, label/annotate/patch, `-o yaml` of every served kind, CRD printer columns.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, kubectl, startTestServer, type TestServer } from './test-helpers.js';

let t: TestServer;
let env: { kubeconfig: string; home: string };
const k = (...args: string[]) => kubectl(env, args);

const DEPLOY = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
`;

function file(name: string, text: string): string {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
}

async function stored(path: string): Promise<Record<string, unknown>> {
  return (await call(t.server, 'GET', path)).json;
}

beforeAll(async () => {
  t = await startTestServer();
  const home = join(t.dir, 'home');
  mkdirSync(home, { recursive: true });
  env = { kubeconfig: t.server.kubeconfigPath, home };
  const r = await k('apply', '-f', file('web.yaml', DEPLOY(2, 'nginx:1.27')));
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await t?.stop();
});

describe('server-side dry run (dryRun=All) persists nothing and answers what would be stored', () => {
  it('kubectl diff shows the change and leaves the object as it was', async () => {
    const before = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    const d = await k('diff', '-f', file('web4.yaml', DEPLOY(4, 'nginx:1.28')));
    // kubectl diff exits 1 when there are differences.
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/^-\s+replicas: 2$/m);
    expect(d.stdout).toMatch(/^\+\s+replicas: 4$/m);
    expect(d.stdout).toMatch(/^\+\s+- image: nginx:1\.28$/m);
    const after = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    expect(after).toEqual(before);
  });

  it('apply, create, patch, label, scale, delete with --dry-run=server change nothing', async () => {
    const before = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    const apply = await k('apply', '--dry-run=server', '-f', join(t.dir, 'web4.yaml'));
    expect(apply.stdout.trim()).toBe('deployment.apps/web configured (server dry run)');
    const patched = await k(
      'patch',
      'deploy',
      'web',
      '-p',
      '{"spec":{"replicas":7}}',
      '--dry-run=server',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    expect(patched.stdout).toBe('7');
    expect((await k('label', 'deploy', 'web', 'tier=fe', '--dry-run=server')).code).toBe(0);
    expect((await k('scale', 'deploy', 'web', '--replicas=9', '--dry-run=server')).stdout).toContain(
      'scaled (server dry run)',
    );
    const del = await k('delete', 'deploy', 'web', '--dry-run=server');
    expect(del.stdout.trim()).toBe('deployment.apps "web" deleted (server dry run)');
    expect(await stored('/apis/apps/v1/namespaces/default/deployments/web')).toEqual(before);

    const cm = await k('create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server', '-o', 'json');
    const obj = JSON.parse(cm.stdout) as { data: unknown; metadata: { uid?: string } };
    expect(obj.data).toEqual({ a: 'b' });
    expect(obj.metadata.uid).toBeTruthy();
    expect((await call(t.server, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
  });

  it('a dry-run Service shows the addresses it would get, without reserving them', async () => {
    const r = await k('create', 'service', 'nodeport', 'np', '--tcp=80:80', '--dry-run=server', '-o', 'json');
    const svc = JSON.parse(r.stdout) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
    expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec.ports[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    expect((await call(t.server, 'GET', '/api/v1/namespaces/default/services/np')).status).toBe(404);
  });

  it('an existing name is still 409 in a dry run, and dryRun values other than All are 422', async () => {
    const current = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    const dup = await call(t.server, 'POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All', {
      body: { ...current, metadata: { name: 'web' } },
    });
    expect(dup.status).toBe(409);
    const bad = await call(t.server, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/web?dryRun=Yes');
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain('dryRun: Unsupported value');
    expect((await call(t.server, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).status).toBe(
      200,
    );
  });
});

describe('auth can-i and auth whoami (self reviews, never stored)', () => {
  it('answers for the admin, for a component user, and for an impersonated user', async () => {
    expect((await k('auth', 'can-i', 'create', 'pods')).stdout.trim()).toBe('yes');
    expect((await k('auth', 'can-i', '*', '*')).stdout.trim()).toBe('yes');
    const scheduler = { kubeconfig: join(t.dir, 'data', 'scheduler.kubeconfig'), home: env.home };
    const asScheduler = (...args: string[]) => kubectl(scheduler, args);
    const bind = await asScheduler('auth', 'can-i', 'create', 'pods', '--subresource=binding');
    expect(bind.stdout.trim()).toBe('yes');
    const del = await asScheduler('auth', 'can-i', 'delete', 'deployments');
    expect(del.stdout.trim()).toBe('no');
    // kubectl auth can-i exits 1 for "no".
    expect(del.code).toBe(1);
    const list = await asScheduler('auth', 'can-i', '--list');
    expect(list.stdout).toMatch(/^pods\.\*\/binding\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(list.stdout).toMatch(/^\s+\[\/version\]\s+\[\]\s+\[get\]$/m);
    const who = await asScheduler('auth', 'whoami');
    expect(who.stdout).toMatch(/Username\s+system:kube-scheduler/);
    expect((await k('auth', 'can-i', 'create', 'pods', '--as=someone')).stdout.trim()).toBe('no');
    const impersonated = await k('auth', 'whoami', '--as=someone', '--as-group=devs', '-o', 'json');
    expect(JSON.parse(impersonated.stdout)).toMatchObject({
      kind: 'SelfSubjectReview',
      status: { userInfo: { username: 'someone', groups: ['devs', 'system:authenticated'] } },
    });
    const denied = await asScheduler('get', 'pods', '--as=admin');
    expect(denied.stderr).toContain('cannot impersonate resource "users"');
  });

  it('non-resource paths: discovery and health for everyone, the rest for masters', async () => {
    expect((await k('auth', 'can-i', 'get', '/healthz', '--as=someone')).stdout.trim()).toBe('yes');
    expect((await k('auth', 'can-i', 'get', '/metrics', '--as=someone')).stdout.trim()).toBe('no');
    const review = await call(t.server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: {} },
    });
    expect(review.status).toBe(400);
    const get = await call(t.server, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(get.status).toBe(405);
  });
});
