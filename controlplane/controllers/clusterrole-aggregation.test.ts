/**
 * The ClusterRole aggregation controller: the pure union, then the controller in a real
 * controller manager running as the manager's user with service-account credentials (so its
 * own bootstrap role, system:controller:clusterrole-aggregation-controller, is what it uses),
 * against a real API server: admin/edit/view fill from the bootstrap `aggregate-to-*` roles,
 * follow new and changed labelled roles, and lose hand edits.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateAll, aggregatedRules } from '../../lib/api/rbac-aggregation.js';
import type { ClusterRole, PolicyRule } from '../../lib/api/rbac-v1.js';
import { clusterRolesResource, KubeClient, parseKubeconfig } from '../../lib/client/index.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { uncovered } from '../apiserver/rbac/escalation.js';
import { ControllerManager } from './manager.js';

const role = (name: string, labels: Record<string, string>, rules: PolicyRule[]): ClusterRole => ({
  metadata: { name, labels },
  rules,
});
const get = (r: string): PolicyRule => ({ verbs: ['get'], apiGroups: [''], resources: [r] });

describe('aggregatedRules (pure)', () => {
  it('unions matching roles per selector in name order, each rule once, never the target itself', () => {
    const target: ClusterRole = {
      metadata: { name: 'agg', labels: { a: 'x' } },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'x' } }, { matchLabels: { b: 'y' } }] },
      rules: [get('stale')],
    };
    const all = [
      target,
      role('zeta', { a: 'x' }, [get('pods'), get('services')]),
      role('alpha', { a: 'x' }, [get('services')]),
      role('beta', { b: 'y' }, [get('pods'), get('secrets')]),
      role('other', { c: 'z' }, [get('nodes')]),
    ];
    expect(aggregatedRules(target, all)).toEqual([get('services'), get('pods'), get('secrets')]);
    expect(aggregatedRules(role('plain', {}, []), all)).toBeUndefined();
  });

  it('aggregateAll follows chains (view feeds edit) to a fixed point', () => {
    const agg = (name: string, label: string, labels: Record<string, string> = {}): ClusterRole => ({
      metadata: { name, labels },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [label]: 'true' } }] },
    });
    const out = aggregateAll([
      agg('edit', 'to-edit'),
      agg('view', 'to-view', { 'to-edit': 'true' }),
      role('view-src', { 'to-view': 'true' }, [get('pods')]),
      role('edit-src', { 'to-edit': 'true' }, [get('secrets')]),
    ]);
    expect(out.get('view')).toEqual([get('pods')]);
    expect(out.get('edit')).toEqual([get('secrets'), get('pods')]);
  });
});

describe('clusterrole-aggregation controller', () => {
  let env: TestEnv;
  let root: KubeClient;
  const ac = new AbortController();
  let run: Promise<void>;

  beforeAll(async () => {
    env = await startTestEnv();
    const path = join(dirname(env.server.server.kubeconfigPath), 'controller-manager.kubeconfig');
    root = new KubeClient({ config: parseKubeconfig(readFileSync(path, 'utf8'), { path }) });
    const manager = new ControllerManager({
      client: root,
      leaderElection: false,
      controllers: ['clusterroleaggregation'],
      useServiceAccountCredentials: true,
    });
    run = manager.run(ac.signal);
  });
  afterAll(async () => {
    ac.abort();
    await run.catch(() => undefined);
    root.close();
    await env.stop();
  });

  const roles = () => env.client.resource(clusterRolesResource);

  it('fills admin, edit and view from the bootstrap aggregate-to roles (admin ⊇ edit ⊇ view)', async () => {
    // Converged when view holds its source's rules and each wider role covers the narrower one.
    const { view, edit, admin } = await eventually('admin ⊇ edit ⊇ view', async () => {
      const [v, e, a] = await Promise.all([roles().get('view'), roles().get('edit'), roles().get('admin')]);
      const ok =
        (v.rules ?? []).length > 0 &&
        uncovered(e.rules ?? [], v.rules ?? []).length === 0 &&
        uncovered(a.rules ?? [], e.rules ?? []).length === 0 &&
        (e.rules ?? []).length > (v.rules ?? []).length &&
        (a.rules ?? []).length > (e.rules ?? []).length;
      return ok ? { view: v, edit: e, admin: a } : undefined;
    });
    const source = await roles().get('system:aggregate-to-view');
    expect(view.rules).toEqual(source.rules);
    // view reads (no secrets), edit also writes, admin also manages roles and bindings.
    const secrets: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['secrets'] };
    const write: PolicyRule = { verbs: ['create'], apiGroups: [''], resources: ['pods'] };
    const rbac: PolicyRule = {
      verbs: ['create'],
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['rolebindings'],
    };
    expect(uncovered(view.rules ?? [], [secrets])).toHaveLength(1);
    expect(uncovered(view.rules ?? [], [write])).toHaveLength(1);
    expect(uncovered(edit.rules ?? [], [secrets, write])).toEqual([]);
    expect(uncovered(edit.rules ?? [], [rbac])).toHaveLength(1);
    expect(uncovered(admin.rules ?? [], [rbac])).toEqual([]);
  });

  it('follows a new labelled role, its changes and its deletion; reverts hand edits', async () => {
    const extra = 'crontabs-view';
    const crontabs: PolicyRule = {
      verbs: ['get', 'list', 'watch'],
      apiGroups: ['stable.example.com'],
      resources: ['crontabs'],
    };
    await roles().create(role(extra, { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [crontabs]));
    const has = (r: ClusterRole, rule: PolicyRule) => uncovered(r.rules ?? [], [rule]).length === 0;
    await eventually('view gets crontabs', async () => has(await roles().get('view'), crontabs));
    // view itself is labelled aggregate-to-edit (as upstream), so its new rule reaches edit too.
    await eventually('edit gets crontabs through view', async () => has(await roles().get('edit'), crontabs));
    const more: PolicyRule = {
      verbs: ['get'],
      apiGroups: ['stable.example.com'],
      resources: ['crontabs/status'],
    };
    const current = await roles().get(extra);
    await roles().update({ ...current, rules: [crontabs, more] });
    await eventually('view gets the changed rules', async () => has(await roles().get('view'), more));
    // A hand edit of an aggregated role is overwritten.
    const view = await roles().get('view');
    await roles().update({ ...view, rules: [get('pods')] });
    await eventually('hand edit reverted', async () => has(await roles().get('view'), more));
    await roles().delete(extra);
    await eventually('view drops the deleted role', async () => !has(await roles().get('view'), more));
  });
});
