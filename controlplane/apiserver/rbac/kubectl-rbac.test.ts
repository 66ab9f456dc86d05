/**
 * The real kubectl 1.32 against a real server: `kubectl create role|clusterrole|rolebinding|
 * clusterrolebinding` (protobuf bodies), `kubectl create token`, requests made with that
 * service account's token (allowed and denied, with kube-apiserver's 403 wording),
 * `kubectl auth can-i [--as …] [--list]`, `kubectl auth reconcile -f`, the printer columns of
 * `kubectl get` for the four kinds, and escalation refusals as kubectl prints them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../../test/harness/cluster/apiserver.js';
import { useTestServer } from '../testing/harness.js';

const h = useTestServer();
const { k, tokenKubeconfig } = h;

describe('kubectl: a service account with a Role and RoleBinding', () => {
  it('creates them, mints a token, and the token can do exactly what the binding says', async () => {
    expect((await k('create', 'namespace', 'shop')).code).toBe(0);
    expect((await k('-n', 'shop', 'create', 'serviceaccount', 'clerk')).stdout.trim()).toBe(
      'serviceaccount/clerk created',
    );
    const role = await k(
      '-n',
      'shop',
      'create',
      'role',
      'pod-reader',
      '--verb=get,list,watch',
      '--resource=pods,pods/log',
    );
    expect(role.stderr).toBe('');
    expect(role.stdout.trim()).toBe('role.rbac.authorization.k8s.io/pod-reader created');
    const rb = await k(
      '-n',
      'shop',
      'create',
      'rolebinding',
      'clerk-reads',
      '--role=pod-reader',
      '--serviceaccount=shop:clerk',
    );
    expect(rb.stdout.trim()).toBe('rolebinding.rbac.authorization.k8s.io/clerk-reads created');
    const stored = JSON.parse((await k('-n', 'shop', 'get', 'role', 'pod-reader', '-o', 'json')).stdout) as {
      rules: unknown[];
    };
    expect(stored.rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = JSON.parse(
      (await k('-n', 'shop', 'get', 'rolebinding', 'clerk-reads', '-o', 'json')).stdout,
    ) as {
      roleRef: unknown;
      subjects: unknown[];
    };
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'pod-reader',
    });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'clerk', namespace: 'shop' }]);

    const token = (await k('-n', 'shop', 'create', 'token', 'clerk')).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const clerk = tokenKubeconfig('clerk', token);
    const c = (...args: string[]) => kubectl(clerk, args);
    expect(await c('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}')).toMatchObject({
      code: 0,
      stdout: 'system:serviceaccount:shop:clerk',
    });
    const list = await c('-n', 'shop', 'get', 'pods');
    expect(list.code).toBe(0);
    expect(list.stderr.trim()).toBe('No resources found in shop namespace.');
    const secrets = await c('-n', 'shop', 'get', 'secrets');
    expect(secrets.code).toBe(1);
    expect(secrets.stderr.trim()).toBe(
      'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:shop:clerk" cannot list resource "secrets" in API group "" in the namespace "shop"',
    );
    const elsewhere = await c('-n', 'default', 'get', 'pods');
    expect(elsewhere.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:shop:clerk" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    const create = await c('-n', 'shop', 'create', 'configmap', 'x', '--from-literal=a=b');
    expect(create.stderr.trim()).toBe(
      'error: failed to create configmap: configmaps is forbidden: User "system:serviceaccount:shop:clerk" cannot create resource "configmaps" in API group "" in the namespace "shop"',
    );

    // auth can-i: from the clerk itself, and by the admin impersonating the clerk.
    const can = async (...args: string[]) => (await c('auth', 'can-i', ...args)).stdout.trim();
    expect(await can('list', 'pods', '-n', 'shop')).toBe('yes');
    expect(await can('get', 'pods', '--subresource=log', '-n', 'shop')).toBe('yes');
    expect(await can('delete', 'pods', '-n', 'shop')).toBe('no');
    expect(await can('list', 'pods', '-n', 'default')).toBe('no');
    const asClerk = ['--as=system:serviceaccount:shop:clerk', '-n', 'shop'];
    expect((await k('auth', 'can-i', 'watch', 'pods', ...asClerk)).stdout.trim()).toBe('yes');
    const no = await k('auth', 'can-i', 'get', 'secrets', ...asClerk);
    expect(no.stdout.trim()).toBe('no');
    expect(no.code).toBe(1);
    const listed = await c('auth', 'can-i', '--list', '-n', 'shop');
    expect(listed.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(listed.stdout).toMatch(/^pods\/log\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  });

  it('the clerk may not grant itself more, and may not impersonate', async () => {
    const token = (await k('-n', 'shop', 'create', 'token', 'clerk')).stdout.trim();
    const c = (...args: string[]) => kubectl(tokenKubeconfig('clerk2', token), args);
    // Warm kubectl's discovery cache first: with --as, discovery itself is refused.
    expect((await c('-n', 'shop', 'get', 'pods')).code).toBe(0);
    const denied = await c('-n', 'shop', 'get', 'pods', '--as=admin');
    expect(denied.stderr.trim()).toBe(
      'Error from server (Forbidden): users "admin" is forbidden: User "system:serviceaccount:shop:clerk" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    // Give the clerk the right to write roles and bindings in shop, but nothing else.
    expect(
      (
        await k(
          '-n',
          'shop',
          'create',
          'role',
          'rbac-writer',
          '--verb=create,get,list',
          '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io',
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await k(
          '-n',
          'shop',
          'create',
          'rolebinding',
          'clerk-writes-rbac',
          '--role=rbac-writer',
          '--serviceaccount=shop:clerk',
        )
      ).code,
    ).toBe(0);
    const escalate = await c(
      '-n',
      'shop',
      'create',
      'role',
      'secret-reader',
      '--verb=get',
      '--resource=secrets',
    );
    expect(escalate.code).toBe(1);
    expect(escalate.stderr.trim()).toBe(
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "system:serviceaccount:shop:clerk" (groups=["system:serviceaccounts" "system:serviceaccounts:shop" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    const ok = await c('-n', 'shop', 'create', 'role', 'pod-getter', '--verb=get', '--resource=pods');
    expect(ok.stdout.trim()).toBe('role.rbac.authorization.k8s.io/pod-getter created');
    const bindAdmin = await c(
      '-n',
      'shop',
      'create',
      'rolebinding',
      'clerk-admin',
      '--clusterrole=cluster-admin',
      '--serviceaccount=shop:clerk',
    );
    expect(bindAdmin.code).toBe(1);
    expect(bindAdmin.stderr).toContain(
      'rolebindings.rbac.authorization.k8s.io "clerk-admin" is forbidden: user "system:serviceaccount:shop:clerk"',
    );
  });
});

describe('kubectl: cluster roles, bindings, printing and reconcile', () => {
  it('create clusterrole|clusterrolebinding, get prints upstream columns', async () => {
    const urls = await k(
      'create',
      'clusterrole',
      'health-reader',
      '--verb=get',
      '--non-resource-url=/healthz/*',
    );
    expect(urls.stdout.trim()).toBe('clusterrole.rbac.authorization.k8s.io/health-reader created');
    const plain = await k(
      'create',
      'clusterrole',
      'ns-viewer',
      '--verb=get,list,watch',
      '--resource=namespaces',
      '--resource-name=shop',
    );
    expect(plain.stdout.trim()).toBe('clusterrole.rbac.authorization.k8s.io/ns-viewer created');
    const crb = await k(
      'create',
      'clusterrolebinding',
      'ops-view',
      '--clusterrole=ns-viewer',
      '--group=ops',
      '--user=ann',
      '--serviceaccount=shop:clerk',
    );
    expect(crb.stdout.trim()).toBe('clusterrolebinding.rbac.authorization.k8s.io/ops-view created');
    const wide = await k('get', 'clusterrolebinding', 'ops-view', '-o', 'wide');
    expect(wide.stdout).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/m);
    expect(wide.stdout).toMatch(/^ops-view\s+ClusterRole\/ns-viewer\s+\S+\s+ann\s+ops\s+shop\/clerk$/m);
    const roles = await k('get', 'clusterrole', 'ns-viewer');
    expect(roles.stdout).toMatch(/^NAME\s+CREATED AT$/m);
    expect(roles.stdout).toMatch(/^ns-viewer\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(
      (
        await k(
          'get',
          'clusterroles',
          'cluster-admin',
          'admin',
          'edit',
          'view',
          'system:discovery',
          '-o',
          'name',
        )
      ).stdout
        .trim()
        .split('\n'),
    ).toEqual([
      'clusterrole.rbac.authorization.k8s.io/cluster-admin',
      'clusterrole.rbac.authorization.k8s.io/admin',
      'clusterrole.rbac.authorization.k8s.io/edit',
      'clusterrole.rbac.authorization.k8s.io/view',
      'clusterrole.rbac.authorization.k8s.io/system:discovery',
    ]);
    // The binding's user and group get namespace "shop" only (resourceNames), as can-i --as shows.
    const canI = async (...args: string[]) => (await k('auth', 'can-i', ...args)).stdout.trim();
    expect(await canI('get', 'namespaces/shop', '--as=ann')).toBe('yes');
    expect(await canI('get', 'namespaces/default', '--as=ann')).toBe('no');
    expect(await canI('list', 'namespaces', '--as=ann')).toBe('no');
    expect(await canI('get', 'namespaces/shop', '--as=someone', '--as-group=ops')).toBe('yes');
    expect(await canI('get', 'namespaces/shop', '--as=someone')).toBe('no');
    expect(await canI('get', '/healthz/etcd', '--as=someone')).toBe('no');
  });

  it('admin, edit and view grant at once on an API server alone (seeded from the bootstrap policy)', async () => {
    expect(
      (await k('-n', 'shop', 'create', 'rolebinding', 'viewer', '--clusterrole=view', '--user=vic')).code,
    ).toBe(0);
    expect(
      (await k('-n', 'shop', 'create', 'rolebinding', 'editor', '--clusterrole=edit', '--user=eve')).code,
    ).toBe(0);
    const can = async (...args: string[]) => (await k('auth', 'can-i', '-n', 'shop', ...args)).stdout.trim();
    expect(await can('list', 'pods', '--as=vic')).toBe('yes');
    expect(await can('get', 'secrets', '--as=vic')).toBe('no');
    expect(await can('create', 'deployments.apps', '--as=vic')).toBe('no');
    expect(await can('create', 'deployments.apps', '--as=eve')).toBe('yes');
    expect(await can('get', 'secrets', '--as=eve')).toBe('yes');
    expect(await can('create', 'rolebindings.rbac.authorization.k8s.io', '--as=eve')).toBe('no');
    expect(await can('list', 'pods', '-n', 'default', '--as=eve')).toBe('no');
  });

  it('auth reconcile -f creates, then unions, and replaces a binding whose roleRef changed', async () => {
    const file = join(h.t.dir, 'rbac.yaml');
    const doc = (verbs: string, role: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: shipping}
rules:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [${verbs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: deploy-watcher}
rules:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer, namespace: shipping}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${role}, name: ${role === 'Role' ? 'deployer' : 'deploy-watcher'}}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: dana}
`;
    writeFileSync(file, doc('get, list', 'Role'));
    const first = await k('auth', 'reconcile', '-f', file);
    expect(first.code).toBe(0);
    // kubectl reports what it changed on stderr.
    expect(first.stderr).toContain('reconciliation required create');
    expect(first.stdout.trim().split('\n')).toEqual([
      'role.rbac.authorization.k8s.io/deployer reconciled',
      'clusterrole.rbac.authorization.k8s.io/deploy-watcher reconciled',
      'rolebinding.rbac.authorization.k8s.io/deployer reconciled',
    ]);
    // The namespace did not exist: reconcile created it.
    expect((await k('get', 'namespace', 'shipping', '-o', 'name')).stdout.trim()).toBe('namespace/shipping');
    expect(
      (await k('auth', 'can-i', 'list', 'deployments', '-n', 'shipping', '--as=dana')).stdout.trim(),
    ).toBe('yes');
    writeFileSync(file, doc('update', 'ClusterRole'));
    const second = await k('auth', 'reconcile', '-f', file);
    expect(second.stderr).not.toContain('rror');
    expect(second.code).toBe(0);
    const verbs = JSON.parse((await k('-n', 'shipping', 'get', 'role', 'deployer', '-o', 'json')).stdout) as {
      rules: { verbs: string[] }[];
    };
    // Add-only without --remove-extra-permissions: get and list stay, update joins.
    expect(verbs.rules.flatMap((r) => r.verbs).sort()).toEqual(['get', 'list', 'update']);
    const rb = JSON.parse(
      (await k('-n', 'shipping', 'get', 'rolebinding', 'deployer', '-o', 'json')).stdout,
    ) as {
      roleRef: { kind: string; name: string };
    };
    expect(rb.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'deploy-watcher' });
    expect(
      (await k('auth', 'can-i', 'list', 'deployments', '-n', 'shipping', '--as=dana')).stdout.trim(),
    ).toBe('no');
    expect(
      (await k('auth', 'can-i', 'watch', 'deployments', '-n', 'shipping', '--as=dana')).stdout.trim(),
    ).toBe('yes');
  });
});
