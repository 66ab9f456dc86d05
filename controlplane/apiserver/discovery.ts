/**
 * Discovery documents for clients: /version, the legacy /api and /apis lists with per-group
 * APIResourceLists, aggregated discovery v2 (what kubectl 1.32 asks for first; client-go
 * discovery_client.go chooses the form by the response Content-Type), and /openapi/v3: per
 * group-version, the kinds' schemas (built-in ones from builtin-schemas.ts, custom ones from
 * their CRD) and PATCH operations declaring `fieldValidation`, so `kubectl apply` trusts the
 * server to validate (cli-runtime query_param_verifier_v3.go). `/openapi/v2` is built from these
 * documents (openapi-v2.ts).
 */
import { createHash } from 'node:crypto';
import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { builtinSchemas } from './builtin-schemas.js';
import { apiVersionOf, type ResourceInfo, type ResourceRegistry } from './resources.js';

/** Content-Type of aggregated discovery v2 (apidiscovery.k8s.io/v2). */
export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** /version: minor 32, because kubectl's dispatcher picks its binary by it (notes §1.0). */
export function versionInfo(): JsonObject {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.4-switchyard',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function verbsOf(info: ResourceInfo): string[] {
  return info.virtual ? ['create'] : [...ALL_VERBS];
}

function subVerbs(sub: string): string[] {
  if (sub === 'binding' || sub === 'eviction' || sub === 'token') return ['create'];
  if (sub === 'log') return ['get'];
  if (sub === 'finalize') return ['update'];
  if (sub === 'exec' || sub === 'attach' || sub === 'portforward') return ['create', 'get'];
  return ['get', 'patch', 'update'];
}

function subKind(info: ResourceInfo, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  if (sub === 'binding') return { group: '', version: 'v1', kind: 'Binding' };
  if (sub === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction' };
  if (sub === 'token') return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
  if (sub === 'log') return { group: '', version: 'v1', kind: 'Pod' };
  if (sub === 'exec') return { group: '', version: 'v1', kind: 'PodExecOptions' };
  if (sub === 'attach') return { group: '', version: 'v1', kind: 'PodAttachOptions' };
  if (sub === 'portforward') return { group: '', version: 'v1', kind: 'PodPortForwardOptions' };
  return { group: info.group, version: info.version, kind: info.kind };
}

/** Legacy `/api`. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Legacy `/apis`. */
export function apiGroupList(registry: ResourceRegistry): JsonObject {
  const groups = registry
    .groups()
    .filter((g) => g.group !== '')
    .map((g) => {
      const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
      return { name: g.group, versions, preferredVersion: versions[0] ?? null };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** Legacy `/api/v1` or `/apis/G/V`: an APIResourceList, subresources as `plural/sub`. */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const infos = registry.all().filter((r) => r.group === group && r.version === version);
  if (infos.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const r of infos) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: verbsOf(r),
      ...(r.shortNames.length ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories.length ? { categories: [...r.categories] } : {}),
    });
    for (const s of r.subresources) {
      const k = subKind(r, s);
      resources.push({
        name: `${r.plural}/${s}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(k.group !== r.group ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: subVerbs(s),
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}

/** Aggregated discovery for `/api` (core only) or `/apis` (every named group). */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean): JsonObject {
  const items = registry
    .groups()
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: { name: g.group },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: registry
          .all()
          .filter((r) => r.group === g.group && r.version === v)
          .map((r) => ({
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: verbsOf(r),
            ...(r.shortNames.length ? { shortNames: [...r.shortNames] } : {}),
            ...(r.categories.length ? { categories: [...r.categories] } : {}),
            ...(r.subresources.length
              ? {
                  subresources: r.subresources.map((s) => ({
                    subresource: s,
                    responseKind: subKind(r, s),
                    verbs: subVerbs(s),
                  })),
                }
              : {}),
          })),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The OpenAPI v3 document of one group-version: one PATCH operation per kind. */
export function openapiGroupVersion(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const infos = registry.all().filter((r) => r.group === group && r.version === version && !r.virtual);
  if (infos.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const r of infos) {
    const base = `/${gvPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[base] = {
      patch: {
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: { schemas: { ...builtinSchemas(builtinKinds(infos)), ...customSchemas(infos) } },
  };
}

/** The built-in kinds a group-version document describes: its kinds and their subresources' kinds. */
function builtinKinds(infos: readonly ResourceInfo[]): { group: string; version: string; kind: string }[] {
  return infos
    .filter((r) => !r.custom)
    .flatMap((r) => [
      { group: r.group, version: r.version, kind: r.kind },
      ...r.subresources.map((s) => subKind(r, s)),
    ]);
}

/**
 * Custom resources' schemas as apiextensions-apiserver publishes them (builder.go): named by the
 * reversed group, tagged with their GVK, with apiVersion, kind and metadata added.
 */
function customSchemas(infos: readonly ResourceInfo[]): JsonObject {
  const out: JsonObject = {};
  for (const r of infos) {
    if (!r.custom || r.openapiSchema === undefined) continue;
    const name = `${r.group.split('.').reverse().join('.')}.${r.version}.${r.kind}`;
    const properties = isJsonObject(r.openapiSchema.properties) ? r.openapiSchema.properties : {};
    out[name] = {
      ...r.openapiSchema,
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'The group/version of the schema this object follows.' },
        kind: { type: 'string', description: 'The kind of object this is, in CamelCase.' },
        metadata: {
          type: 'object',
          description: 'Standard object metadata: name, namespace, labels, annotations.',
        },
        ...properties,
      },
      'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: r.kind }],
    };
  }
  return out;
}

/** The /openapi/v3 index; each entry's hash changes whenever its document does. */
export function openapiIndex(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const doc = openapiGroupVersion(registry, g.group, v);
      if (doc === undefined) continue;
      const hash = createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16).toUpperCase();
      paths[gvPath(g.group, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(g.group, v)}?hash=${hash}` };
    }
  }
  return { paths };
}
