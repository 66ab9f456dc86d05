/**
 * The RBAC cache over a real (SQLite) store: it lists what exists, follows creates, updates and
 * deletes of the four kinds, indexes RoleBindings by namespace, ignores other keys except for
 * their revision, and `syncTo` resolves once a revision is seen (or at its timeout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type Store } from '../../store/index.js';
import { PolicyCache } from './policy-cache.js';

let dir: string;
let store: Store;
let cache: PolicyCache;

const json = (o: unknown) => JSON.stringify(o);
const G = 'rbac.authorization.k8s.io';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-rbac-cache-'));
  store = openSqliteStore({ path: join(dir, 'state.db') });
  await store.create('/registry/clusterroles/reader', json({ metadata: { name: 'reader' }, rules: [] }));
  cache = new PolicyCache(store);
  await cache.start();
});

afterEach(async () => {
  cache.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const names = <T extends { metadata: { name?: string } }>(it: Iterable<T>) =>
  [...it].map((o) => o.metadata.name);

describe('PolicyCache', () => {
  it('lists at start and follows every change of the four kinds', async () => {
    expect(cache.clusterRole('reader')).toMatchObject({ metadata: { name: 'reader' } });
    const rb = await store.create(
      '/registry/rolebindings/team/rb',
      json({
        metadata: { name: 'rb', namespace: 'team' },
        roleRef: { apiGroup: G, kind: 'Role', name: 'r' },
      }),
    );
    await store.create(
      '/registry/roles/team/r',
      json({ metadata: { name: 'r', namespace: 'team' }, rules: [] }),
    );
    const crb = await store.create(
      '/registry/clusterrolebindings/c',
      json({ metadata: { name: 'c' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'reader' } }),
    );
    await cache.syncTo(crb.modRevision);
    expect(names(cache.roleBindings('team'))).toEqual(['rb']);
    expect(names(cache.roleBindings('other'))).toEqual([]);
    expect(cache.role('team', 'r')).toBeDefined();
    expect(names(cache.clusterRoleBindings())).toEqual(['c']);
    const gone = await store.delete('/registry/rolebindings/team/rb', rb.modRevision);
    await cache.syncTo(gone.modRevision);
    expect(names(cache.roleBindings('team'))).toEqual([]);
    // `rolebindings/` and `roles/` never mix up, nor `clusterroles/` and `clusterrolebindings/`.
    expect(cache.clusterRole('c')).toBeUndefined();
  });

  it('advances its revision on any key, and syncTo waits for it or times out', async () => {
    const other = await store.create('/registry/configmaps/default/x', json({ metadata: { name: 'x' } }));
    await cache.syncTo(other.modRevision);
    expect(cache.revision).toBe(other.modRevision);
    const start = Date.now();
    await cache.syncTo(other.modRevision + 100, 50);
    expect(Date.now() - start).toBeGreaterThanOrEqual(40);
  });
});
