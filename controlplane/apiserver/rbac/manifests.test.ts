/**
 * Real projects' RBAC, applied unchanged with kubectl: the ServiceAccounts, Roles, ClusterRoles
 * and bindings of ingress-nginx (controller-v1.15.1, baremetal deploy.yaml) and MetalLB
 * (v0.15.3, metallb-native.yaml), from testdata/. Each service account's token then makes
 * requests: every grant in the manifest (in the scope its binding gives) is allowed, and what
 * the manifest does not grant — other verbs, other resources, other namespaces, other names —
 * is 403. Types this server does not serve (MetalLB's CRDs, admission webhooks) still go
 * through authorization first: 404 when allowed, 403 when not, as kube-apiserver answers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testing/harness.js';
import { docs, grantsOf, type Probe, prober, testdata } from './testing/manifest-probes.js';

const h = useTestServer();
const { k } = h;
const { send, mismatches } = prober(() => h.t.server);

async function applyManifest(namespace: string, file: string): Promise<void> {
  expect((await k('create', 'namespace', namespace)).code).toBe(0);
  const applied = await k('apply', '-f', testdata(file));
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
}

async function tokenOf(namespace: string, name: string): Promise<string> {
  const r = await k('-n', namespace, 'create', 'token', name);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe('ingress-nginx controller-v1.15.1 RBAC, applied unchanged', () => {
  const ns = 'ingress-nginx';
  const all = docs('ingress-nginx-rbac.yaml');

  it('applies, and kubectl shows what it created', async () => {
    await applyManifest(ns, 'ingress-nginx-rbac.yaml');
    const got = await k(
      'get',
      'clusterrole,clusterrolebinding',
      '-l',
      'app.kubernetes.io/name=ingress-nginx',
      '-o',
      'name',
    );
    expect(got.stdout.trim().split('\n').sort()).toEqual([
      'clusterrole.rbac.authorization.k8s.io/ingress-nginx',
      'clusterrole.rbac.authorization.k8s.io/ingress-nginx-admission',
      'clusterrolebinding.rbac.authorization.k8s.io/ingress-nginx',
      'clusterrolebinding.rbac.authorization.k8s.io/ingress-nginx-admission',
    ]);
    const inNs = (await k('-n', ns, 'get', 'role,rolebinding,serviceaccount', '-o', 'name')).stdout;
    expect(
      inNs
        .trim()
        .split('\n')
        .filter((n) => n !== 'serviceaccount/default')
        .sort(),
    ).toEqual([
      'role.rbac.authorization.k8s.io/ingress-nginx',
      'role.rbac.authorization.k8s.io/ingress-nginx-admission',
      'rolebinding.rbac.authorization.k8s.io/ingress-nginx',
      'rolebinding.rbac.authorization.k8s.io/ingress-nginx-admission',
      'serviceaccount/ingress-nginx',
      'serviceaccount/ingress-nginx-admission',
    ]);
  });

  it('the controller account can do every grant of its bindings', async () => {
    await k('create', 'namespace', 'apps');
    const token = await tokenOf(ns, 'ingress-nginx');
    const granted = grantsOf(all, { namespace: ns, name: 'ingress-nginx' }, 'apps');
    expect(granted.length).toBeGreaterThan(40);
    expect(await mismatches(token, granted, true)).toEqual([]);
  });

  it('and nothing else', async () => {
    const token = await tokenOf(ns, 'ingress-nginx');
    const p = (verb: string, group: string, resource: string, namespace: string, name = ''): Probe => ({
      verb,
      group,
      resource,
      namespace,
      name,
    });
    const denied = [
      // Secrets: list/watch everywhere (ClusterRole), get only in its namespace (Role).
      p('get', '', 'secrets', 'apps', 'tls'),
      p('create', '', 'secrets', ns),
      p('delete', '', 'secrets', ns, 'x'),
      // Services are read-only; ingresses' status is update-only; ingresses are read-only.
      p('update', '', 'services', 'apps', 'web'),
      p('patch', 'networking.k8s.io', 'ingresses/status', 'apps', 'web'),
      p('update', 'networking.k8s.io', 'ingresses', 'apps', 'web'),
      // The leader lease: get/update only by name, create anywhere in its namespace; no delete.
      p('update', 'coordination.k8s.io', 'leases', ns, 'someone-elses-lease'),
      p('delete', 'coordination.k8s.io', 'leases', ns, 'ingress-nginx-leader'),
      p('create', 'coordination.k8s.io', 'leases', 'apps'),
      p('get', 'coordination.k8s.io', 'leases', 'apps', 'x'),
      // Nothing about workloads, RBAC, or other namespaces' pods by name.
      p('list', 'apps', 'deployments', 'apps'),
      p('get', '', 'pods', 'apps', 'web-1'),
      p('list', 'rbac.authorization.k8s.io', 'roles', ns),
      p('get', '', 'namespaces', '', 'apps'),
      p('create', '', 'serviceaccounts/token', ns, 'ingress-nginx'),
    ];
    expect(await mismatches(token, denied, false)).toEqual([]);
    const r = await send(token, denied[0] as Probe);
    expect(r.message).toBe(
      'secrets "tls" is forbidden: User "system:serviceaccount:ingress-nginx:ingress-nginx" cannot get resource "secrets" in API group "" in the namespace "apps"',
    );
  });

  it('the admission-webhook account: its secrets and webhook configurations only', async () => {
    const token = await tokenOf(ns, 'ingress-nginx-admission');
    const granted = grantsOf(all, { namespace: ns, name: 'ingress-nginx-admission' }, 'apps');
    expect(await mismatches(token, granted, true)).toEqual([]);
    const p = (verb: string, group: string, resource: string, namespace: string, name = ''): Probe => ({
      verb,
      group,
      resource,
      namespace,
      name,
    });
    expect(
      await mismatches(
        token,
        [
          p('list', '', 'secrets', ns),
          p('get', '', 'secrets', 'apps', 'x'),
          p('create', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations', ''),
          p('list', '', 'pods', ns),
        ],
        false,
      ),
    ).toEqual([]);
  });
});

describe('MetalLB v0.15.3 RBAC, applied unchanged', () => {
  const ns = 'metallb-system';
  const all = docs('metallb-rbac.yaml');
  const p = (verb: string, group: string, resource: string, namespace: string, name = ''): Probe => ({
    verb,
    group,
    resource,
    namespace,
    name,
  });

  it('applies; the controller account can do every grant of its bindings and nothing else', async () => {
    await applyManifest(ns, 'metallb-rbac.yaml');
    const token = await tokenOf(ns, 'controller');
    const granted = grantsOf(all, { namespace: ns, name: 'controller' }, 'apps');
    expect(granted.length).toBeGreaterThan(40);
    expect(await mismatches(token, granted, true)).toEqual([]);
    expect(
      await mismatches(
        token,
        [
          // Secrets only in metallb-system; the memberlist secret by name is list-only (a named
          // list is a list with fieldSelector metadata.name=memberlist).
          p('get', '', 'secrets', 'apps', 'x'),
          p('list', '', 'secrets', 'apps'),
          // Webhook configurations: named ones read/write, others list/watch only; a create is
          // nameless, so the named rule does not allow it.
          p('update', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations', '', 'other-webhook'),
          p('create', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations', ''),
          p('delete', 'apiextensions.k8s.io', 'customresourcedefinitions', '', 'foos.example.com'),
          // Services: status update only, no writes to the Service itself; nodes list only.
          p('update', '', 'services', 'apps', 'lb'),
          p('get', '', 'nodes', '', 'node-1'),
          p('get', 'apps', 'deployments', ns, 'speaker'),
          p('list', 'metallb.io', 'bgppeers', 'apps'),
          p('update', 'metallb.io', 'ipaddresspools', ns, 'pool'),
        ],
        false,
      ),
    ).toEqual([]);
  });

  it('the speaker account: its grants (including `*` on its status kinds), nothing else', async () => {
    const token = await tokenOf(ns, 'speaker');
    const granted = grantsOf(all, { namespace: ns, name: 'speaker' }, 'apps');
    expect(await mismatches(token, granted, true)).toEqual([]);
    expect(
      await mismatches(
        token,
        [
          p('create', '', 'secrets', ns),
          p('list', '', 'pods', 'apps'),
          p('update', '', 'services/status', 'apps', 'lb'),
          p('delete', 'metallb.io', 'ipaddresspools', ns, 'pool'),
          p('get', '', 'secrets', 'apps', 'x'),
        ],
        false,
      ),
    ).toEqual([]);
    // `*` on servicel2statuses: any verb, in any namespace (ClusterRoleBinding).
    expect(
      await mismatches(token, [p('deletecollection', 'metallb.io', 'servicel2statuses', 'apps')], true),
    ).toEqual([]);
  });

  it('auth can-i --as each account agrees with its token', async () => {
    const as = (name: string) => `--as=system:serviceaccount:${ns}:${name}`;
    const can = async (...args: string[]) => (await k('auth', 'can-i', ...args)).stdout.trim();
    expect(await can('update', 'services', '--subresource=status', '-n', 'apps', as('controller'))).toBe(
      'yes',
    );
    expect(await can('update', 'services', '-n', 'apps', as('controller'))).toBe('no');
    expect(await can('list', 'pods', '-n', ns, as('speaker'))).toBe('yes');
    expect(await can('list', 'pods', '-n', 'apps', as('speaker'))).toBe('no');
  });
});

describe('the other kinds of those install manifests', () => {
  it('a Job and a ValidatingWebhookConfiguration are stored (not acted on), so the whole files apply', async () => {
    const file = join(h.t.dir, 'rest.yaml');
    writeFileSync(
      file,
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: demo-webhook}
webhooks:
- name: validate.demo.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig:
    service: {namespace: demo, name: demo-admission, path: /validate}
  rules:
  - apiGroups: [networking.k8s.io]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [ingresses]
---
apiVersion: batch/v1
kind: Job
metadata: {name: certgen, namespace: default}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - {name: create, image: example.com/certgen:v1, args: [create]}
`,
    );
    const applied = await k('apply', '-f', file);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim().split('\n')).toEqual([
      'validatingwebhookconfiguration.admissionregistration.k8s.io/demo-webhook created',
      'job.batch/certgen created',
    ]);
    const hooks = await k('get', 'validatingwebhookconfigurations', 'demo-webhook');
    expect(hooks.stdout).toMatch(/^NAME\s+WEBHOOKS\s+AGE$/m);
    expect(hooks.stdout).toMatch(/^demo-webhook\s+1\s+\S+$/m);
    expect((await k('get', 'jobs', '-o', 'name')).stdout.trim()).toBe('job.batch/certgen');
  });
});
