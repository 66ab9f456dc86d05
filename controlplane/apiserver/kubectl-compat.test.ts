/**
 * Everyday kubectl commands beyond the basics of kubectl.test.ts, run with the real kubectl 1.32
 * against one real server: server-side dry run (`diff`, `--dry-run=server`), `auth can-i`,
 * `auth whoami`, label/annotate/patch. `get` and typed creates are in kubectl-get.test.ts, system
 * objects, CRD subresources, health and tokens in kubectl-system.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, kubectl } from '../../test/harness/cluster/apiserver.js';
import { useTestServer } from './testing/harness.js';
import { applyWeb, DEPLOY } from './testing/web-deployment.js';

const h = useTestServer({ setup: applyWeb });
const { k, file, stored } = h;

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
    const apply = await k('apply', '--dry-run=server', '-f', join(h.t.dir, 'web4.yaml'));
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
    expect((await call(h.t.server, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
  });

  it('a dry-run Service shows the addresses it would get, without reserving them', async () => {
    const r = await k('create', 'service', 'nodeport', 'np', '--tcp=80:80', '--dry-run=server', '-o', 'json');
    const svc = JSON.parse(r.stdout) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
    expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec.ports[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    expect((await call(h.t.server, 'GET', '/api/v1/namespaces/default/services/np')).status).toBe(404);
  });

  it('an existing name is still 409 in a dry run, and dryRun values other than All are 422', async () => {
    const current = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    const dup = await call(h.t.server, 'POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All', {
      body: { ...current, metadata: { name: 'web' } },
    });
    expect(dup.status).toBe(409);
    const bad = await call(
      h.t.server,
      'DELETE',
      '/apis/apps/v1/namespaces/default/deployments/web?dryRun=Yes',
    );
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain('dryRun: Unsupported value');
    expect((await call(h.t.server, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).status).toBe(
      200,
    );
    // Subresources too: a dry-run binding leaves the pod unscheduled.
    expect((await k('run', 'unbound', '--image=busybox')).code).toBe(0);
    const bind = await call(
      h.t.server,
      'POST',
      '/api/v1/namespaces/default/pods/unbound/binding?dryRun=All',
      {
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: 'unbound' },
          target: { kind: 'Node', name: 'n1' },
        },
      },
    );
    expect(bind.status).toBe(201);
    expect((await stored('/api/v1/namespaces/default/pods/unbound')).spec).not.toHaveProperty('nodeName');
  });
});

describe('auth can-i and auth whoami (self reviews, never stored)', () => {
  it('answers for the admin, for a component user, and for an impersonated user', async () => {
    expect((await k('auth', 'can-i', 'create', 'pods')).stdout.trim()).toBe('yes');
    expect((await k('auth', 'can-i', '*', '*')).stdout.trim()).toBe('yes');
    const scheduler = { kubeconfig: join(h.t.dir, 'data', 'scheduler.kubeconfig'), home: h.env.home };
    const asScheduler = (...args: string[]) => kubectl(scheduler, args);
    const bind = await asScheduler('auth', 'can-i', 'create', 'pods', '--subresource=binding');
    expect(bind.stdout.trim()).toBe('yes');
    const del = await asScheduler('auth', 'can-i', 'delete', 'deployments');
    expect(del.stdout.trim()).toBe('no');
    // kubectl auth can-i exits 1 for "no".
    expect(del.code).toBe(1);
    const list = await asScheduler('auth', 'can-i', '--list');
    expect(list.stdout).toMatch(/^pods\/binding\s+\[\]\s+\[\]\s+\[create\]$/m);
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
    const review = await call(h.t.server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: {} },
    });
    // ValidateSelfSubjectAccessReview: 422 Invalid, as kube-apiserver answers.
    expect(review.status).toBe(422);
    const get = await call(h.t.server, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(get.status).toBe(405);
  });
});

describe('label, annotate, patch and set image', () => {
  it('change the object the way each patch type says', async () => {
    expect((await k('label', 'deploy', 'web', 'tier=fe')).stdout.trim()).toBe('deployment.apps/web labeled');
    expect((await k('annotate', 'deploy', 'web', 'note=hi')).stdout.trim()).toBe(
      'deployment.apps/web annotated',
    );
    const merge = await k('patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":3}}');
    expect(merge.stdout.trim()).toBe('deployment.apps/web patched');
    const json = await k(
      'patch',
      'deploy',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"add","path":"/spec/template/spec/containers/0/env","value":[{"name":"A","value":"1"}]}]',
    );
    expect(json.code).toBe(0);
    const strategic = await k(
      'patch',
      'deploy',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}',
    );
    expect(strategic.code).toBe(0);
    expect((await k('set', 'image', 'deploy/web', 'nginx=nginx:1.29')).stdout.trim()).toBe(
      'deployment.apps/web image updated',
    );
    expect((await k('label', 'deploy', 'web', 'tier-')).stdout.trim()).toBe('deployment.apps/web unlabeled');
    const got = (await stored('/apis/apps/v1/namespaces/default/deployments/web')) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
    };
    expect(got.metadata.labels).toEqual({ app: 'web' });
    expect(got.metadata.annotations.note).toBe('hi');
    expect(got.spec.replicas).toBe(3);
    // Strategic merge adds by the merge key `name`; set image changes only the named container.
    expect(got.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual([
      'side=busybox',
      'nginx=nginx:1.29',
    ]);
    const bad = await k('label', 'deploy', 'web', 'Bad Key=x');
    expect(bad.code).not.toBe(0);
  });

  it('rollout restart stamps the pod template', async () => {
    expect((await k('rollout', 'restart', 'deploy/web')).stdout.trim()).toBe('deployment.apps/web restarted');
    const got = await k(
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}',
    );
    expect(got.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
