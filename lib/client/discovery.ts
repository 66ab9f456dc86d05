/**
 * Discovery over the legacy endpoints (`/api`, `/api/v1`, `/apis`, `/apis/G/V`), cut to what a
 * controller that acts on "every resource type" needs: client-go's
 * ServerPreferredNamespacedResources. A group-version that cannot be read is reported beside
 * the rest (client-go's ErrGroupDiscoveryFailed) instead of failing the whole call.
 */
import { messageOf } from '../errors/index.js';
import { ApiError } from './errors.js';
import type { KubeClient } from './rest.js';

/** One entry of an APIResourceList (meta/v1 APIResource, the fields used here). */
export interface ApiResource {
  readonly name: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
}

/** meta/v1 APIResourceList. `groupVersion` is as the server wrote it (`v1`, `apps/v1`). */
export interface ApiResourceList {
  readonly groupVersion: string;
  readonly resources: readonly ApiResource[];
}

/** A group-version whose resource list could not be read, and why. */
export interface FailedGroupVersion {
  readonly groupVersion: string;
  readonly message: string;
}

/** What discovery found: the lists it read and the group-versions it could not. */
export interface DiscoveryResult {
  readonly lists: readonly ApiResourceList[];
  readonly failed: readonly FailedGroupVersion[];
}

interface WireGroup {
  readonly name: string;
  readonly versions: readonly { readonly groupVersion: string; readonly version: string }[];
  readonly preferredVersion?: { readonly groupVersion: string; readonly version: string } | null;
}

/**
 * Namespaced resources (no subresources), each in its group's preferred version, or in the
 * first version that serves it when the preferred one does not (ServerPreferredResources).
 * Throws only when the group lists themselves cannot be read.
 */
export async function serverPreferredNamespacedResources(client: KubeClient): Promise<DiscoveryResult> {
  const get = <R>(path: string): Promise<R> => client.requestJson<R>({ method: 'GET', path });
  const core = await get<{ versions?: readonly string[] }>('/api');
  const named = await get<{ groups?: readonly WireGroup[] }>('/apis');
  const groups: WireGroup[] = [
    {
      name: '',
      versions: (core.versions ?? []).map((v) => ({ groupVersion: v, version: v })),
      preferredVersion: core.versions?.[0]
        ? { groupVersion: core.versions[0], version: core.versions[0] }
        : null,
    },
    ...(named.groups ?? []),
  ];
  const failed: FailedGroupVersion[] = [];
  const fetched = new Map<string, ApiResourceList>();
  await Promise.all(
    groups.flatMap((g) =>
      g.versions.map(async ({ groupVersion }) => {
        const path = g.name === '' ? `/api/${groupVersion}` : `/apis/${groupVersion}`;
        try {
          const list = await get<{ resources?: readonly ApiResource[] }>(path);
          fetched.set(groupVersion, { groupVersion, resources: list.resources ?? [] });
        } catch (err: unknown) {
          failed.push({
            groupVersion,
            message: (err instanceof ApiError ? err.status.message : undefined) ?? messageOf(err),
          });
        }
      }),
    ),
  );
  const lists: ApiResourceList[] = [];
  for (const g of groups) {
    const chosen = new Map<string, { groupVersion: string; resource: ApiResource }>();
    const preferred = g.preferredVersion?.groupVersion;
    const order = [...g.versions].sort(
      (a, b) => Number(b.groupVersion === preferred) - Number(a.groupVersion === preferred),
    );
    for (const { groupVersion } of order) {
      for (const r of fetched.get(groupVersion)?.resources ?? []) {
        if (r.name.includes('/') || !r.namespaced || chosen.has(r.name)) continue;
        chosen.set(r.name, { groupVersion, resource: r });
      }
    }
    for (const { groupVersion } of g.versions) {
      const resources = [...chosen.values()]
        .filter((c) => c.groupVersion === groupVersion)
        .map((c) => c.resource);
      if (fetched.has(groupVersion)) lists.push({ groupVersion, resources });
    }
  }
  failed.sort((a, b) => (a.groupVersion < b.groupVersion ? -1 : a.groupVersion > b.groupVersion ? 1 : 0));
  return { lists, failed };
}
