/**
 * Real projects' RBAC, applied unchanged with kubectl: the ServiceAccounts, Roles, ClusterRoles
 * and bindings of ingress-nginx (controller-v1.15.1, baremetal deploy.yaml) and MetalLB
 * (v0.15.3, metallb-native.yaml), from testdata/. Each service account's token then makes
 * requests: every grant in the manifest (in the scope its binding gives) is allowed, and what
 * the manifest does not grant — other verbs, other resources, other namespaces, other names —
 * is 403. Types this server does not serve (MetalLB's CRDs, admission webhooks) still go
 * through authorization first: 404 when allowed, 403 when not, as kube-apiserver answers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PolicyRule } from '../../../lib/api/rbac-v1.js';
import { kubectl, startTestServer, type TestServer } from '../../../test/harness/cluster/apiserver.js';

let t: TestServer;
let ca: Buffer;
let env: { kubeconfig: string; home: string };
const k = (...args: string[]) => kubectl(env, args);
const testdata = (name: string) => join(import.meta.dirname, 'testdata', name);

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

function docs(file: string): Doc[] {
  return readFileSync(testdata(file), 'utf8')
    .split(/^---\s*$/m)
    .map((d) => parse(d) as Doc | null)
    .filter((d): d is Doc => d !== null && typeof d === 'object');
}

/** One request: what, where, and whether the manifest grants it. */
interface Probe {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
}

const HTTP_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** Cluster-scoped types the manifests name: probed without a namespace. */
const CLUSTER_SCOPED = new Set([
  'nodes',
  'namespaces',
  'customresourcedefinitions',
  'validatingwebhookconfigurations',
  'podsecuritypolicies',
  'ingressclasses',
]);

/** The URL of a probe (core group under /api/v1, others at their usual version). */
function urlOf(p: Probe): string {
  const [resource, sub] = p.resource.split('/') as [string, string | undefined];
  const version: Record<string, string> = { policy: 'v1beta1', 'metallb.io': 'v1beta1' };
  const base = p.group === '' ? '/api/v1' : `/apis/${p.group}/${version[p.group] ?? 'v1'}`;
  const one = ['get', 'update', 'patch', 'delete'].includes(p.verb) || sub !== undefined;
  const query: string[] = [];
  if (p.verb === 'watch') query.push('watch=true', 'timeoutSeconds=1');
  if ((p.verb === 'list' || p.verb === 'watch') && p.name)
    query.push(`fieldSelector=metadata.name%3D${p.name}`);
  const q = query.length > 0 ? `?${query.join('&')}` : '';
  if (p.group === '' && resource === 'namespaces') {
    // A Namespace is addressed by its name, and a request for it is in that namespace.
    const name = p.name || (one ? p.namespace || 'probe-missing' : '');
    return `${base}/namespaces${name && one ? `/${name}` : ''}${sub ? `/${sub}` : ''}${q}`;
  }
  const ns = p.namespace && !CLUSTER_SCOPED.has(resource) ? `/namespaces/${p.namespace}` : '';
  const name = one ? p.name || 'probe-missing' : '';
  return `${base}${ns}/${resource}${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}${q}`;
}

const METHOD: Record<string, string> = {
  get: 'GET',
  list: 'GET',
  watch: 'GET',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETE',
};

/**
 * Sends the probe with `token`; resolves to the status and, for an error, its message. Answers
 * are not read past the headers (an allowed watch would stream until its timeout).
 */
function send(token: string, p: Probe): Promise<{ status: number; message: string }> {
  const method = METHOD[p.verb] ?? 'GET';
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    headers['Content-Length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const req = request(new URL(urlOf(p), t.server.url), { method, headers, ca }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 400) {
        res.destroy();
        resolve({ status, message: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let message = '';
        try {
          message = String(
            (JSON.parse(Buffer.concat(chunks).toString()) as { message?: unknown }).message ?? '',
          );
        } catch {
          message = Buffer.concat(chunks).toString();
        }
        resolve({ status, message });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every (group, resource, verb, name) a rule grants, for the verbs a request can carry. */
function atoms(rule: PolicyRule, namespace: string): Probe[] {
  const verbs = rule.verbs.includes('*')
    ? ['get', 'list', 'create']
    : rule.verbs.filter((v) => HTTP_VERBS.includes(v));
  const names = rule.resourceNames && rule.resourceNames.length > 0 ? rule.resourceNames : [''];
  const out: Probe[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of verbs)
        for (const name of names) {
          // A create never carries a name, so a named rule cannot grant one.
          if (name !== '' && (verb === 'create' || verb === 'deletecollection')) continue;
          out.push({ verb, group, resource, namespace, name });
        }
  return out;
}

/** The grants of `sa` by the manifest's bindings: each rule with the namespaces it applies in. */
function grantsOf(all: Doc[], sa: { namespace: string; name: string }, probeNamespace: string): Probe[] {
  const out: Probe[] = [];
  for (const b of all.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')) {
    const bound = (b.subjects ?? []).some(
      (s) =>
        s.kind === 'ServiceAccount' &&
        s.name === sa.name &&
        (s.namespace ?? b.metadata.namespace) === sa.namespace,
    );
    if (!bound || !b.roleRef) continue;
    const role = all.find(
      (d) =>
        d.kind === b.roleRef?.kind &&
        d.metadata.name === b.roleRef.name &&
        (d.kind === 'ClusterRole' || d.metadata.namespace === b.metadata.namespace),
    );
    // A ClusterRoleBinding grants everywhere (probed in another namespace); a RoleBinding only in its own.
    const ns = b.kind === 'ClusterRoleBinding' ? probeNamespace : (b.metadata.namespace ?? '');
    for (const rule of role?.rules ?? []) out.push(...atoms(rule, ns));
  }
  return out;
}

beforeAll(async () => {
  t = await startTestServer();
  ca = readFileSync(t.server.caCertPath);
  env = { kubeconfig: t.server.kubeconfigPath, home: join(t.dir, 'home') };
});

afterAll(async () => {
  await t?.stop();
});

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

/** Sends every probe; returns the ones whose outcome differs from `allowed`. */
async function mismatches(token: string, probes: Probe[], allowed: boolean): Promise<string[]> {
  const wrong: string[] = [];
  for (const p of probes) {
    const r = await send(token, p);
    if ((r.status !== 403) !== allowed) wrong.push(`${p.verb} ${urlOf(p)} → ${r.status} ${r.message}`);
  }
  return wrong;
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
    const file = join(t.dir, 'rest.yaml');
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
