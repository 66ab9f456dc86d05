/**
 * The RBAC bootstrap install across restarts: it creates what is missing, restores removed
 * grants at the next start, and leaves objects annotated autoupdate=false alone.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../../lib/api/rbac-v1.js';
import { call, startTestServer } from '../../../test/harness/cluster/apiserver.js';
import { type ApiServer, startApiServer } from '../server.js';
import { uncovered } from './escalation.js';
import { minimalPolicy } from './testing/minimal-policy.js';
import { RBAC } from './testing/rbac-server.js';

describe('bootstrap policy install', () => {
  it('creates what is missing, restores removed grants at the next start, leaves autoupdate=false alone', async () => {
    const first = await startTestServer({ bootstrapPolicy: minimalPolicy });
    const dataDir = join(first.dir, 'data');
    let again: ApiServer | undefined;
    try {
      const one = first.server;
      expect(one.bootstrapReport.created).toContain('clusterroles/system:discovery');
      const basic = `${RBAC}/clusterroles/system:basic-user`;
      const disc = `${RBAC}/clusterroles/system:discovery`;
      const b = (await call(one, 'GET', basic)).json;
      expect((await call(one, 'PUT', basic, { body: { ...b, rules: [] } })).status).toBe(200);
      const d = (await call(one, 'GET', disc)).json;
      const meta = d.metadata as { annotations: Record<string, string> };
      const annotations = { ...meta.annotations, 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
      const pinned = { ...d, rules: [], metadata: { ...meta, annotations } };
      expect((await call(one, 'PUT', disc, { body: pinned })).status).toBe(200);
      await one.close();
      again = await startApiServer({ dataDir, host: '127.0.0.1', port: 0, bootstrapPolicy: minimalPolicy });
      expect(again.bootstrapReport.created).toEqual([]);
      expect(again.bootstrapReport.updated).toEqual(['clusterroles/system:basic-user']);
      expect(again.bootstrapReport.skipped).toEqual(['clusterroles/system:discovery']);
      // Missing grants come back as atoms (one group, resource, verb each), as reconciliation adds them.
      const restored = (await call(again, 'GET', basic)).json.rules as PolicyRule[];
      const wanted = minimalPolicy().clusterRoles.find((r) => r.metadata.name === 'system:basic-user')?.rules;
      expect(restored).toHaveLength(3);
      expect(uncovered(restored, wanted ?? [])).toEqual([]);
      expect((await call(again, 'GET', disc)).json.rules ?? []).toEqual([]);
    } finally {
      await again?.close();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});
