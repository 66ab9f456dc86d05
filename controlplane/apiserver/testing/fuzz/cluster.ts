/**
 * The server side of the fuzz test: the resources a server serves (from its discovery, as the
 * generators' target) and the objects the fuzz must leave untouched, in a namespace no admin
 * request names.
 */
import { call } from '../../../../test/harness/cluster/apiserver.js';
import type { FuzzResource } from './types.js';

/** The namespace no admin request may name (FuzzTarget.protectedNamespace). */
export const PROTECTED = 'fuzz-keep';

/** Every resource type the server serves, from its discovery documents. */
export async function discover(server: Parameters<typeof call>[0]): Promise<FuzzResource[]> {
  const out: FuzzResource[] = [];
  const groupVersions = ['v1'];
  const apis = await call(server, 'GET', '/apis');
  for (const g of apis.json.groups as { versions: { groupVersion: string }[] }[]) {
    for (const v of g.versions) groupVersions.push(v.groupVersion);
  }
  for (const gv of groupVersions) {
    const list = await call(server, 'GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
    const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
    const entries = list.json.resources as { name: string; kind: string; namespaced: boolean }[];
    for (const r of entries.filter((e) => !e.name.includes('/'))) {
      out.push({
        group,
        version,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        subresources: entries
          .filter((e) => e.name.startsWith(`${r.name}/`))
          .map((e) => e.name.split('/')[1] as string),
      });
    }
  }
  return out;
}

/** Objects the fuzz must not change: created before, read back byte for byte after. */
export const SEEDED: readonly { path: string; body: unknown }[] = [
  { path: '/api/v1/namespaces', body: { metadata: { name: PROTECTED } } },
  {
    path: `/api/v1/namespaces/${PROTECTED}/configmaps`,
    body: { metadata: { name: 'keep-cm', labels: { app: 'web' } }, data: { k: 'v' } },
  },
  {
    path: `/api/v1/namespaces/${PROTECTED}/secrets`,
    body: { metadata: { name: 'keep-secret' }, data: { k: 'dmFsdWU=' } },
  },
  {
    path: `/api/v1/namespaces/${PROTECTED}/services`,
    body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
  },
  { path: `/api/v1/namespaces/${PROTECTED}/serviceaccounts`, body: { metadata: { name: 'keep-sa' } } },
  {
    path: `/apis/apps/v1/namespaces/${PROTECTED}/deployments`,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    },
  },
  {
    path: `/apis/coordination.k8s.io/v1/namespaces/${PROTECTED}/leases`,
    body: { metadata: { name: 'keep-lease' }, spec: { holderIdentity: 'h' } },
  },
];
