/**
 * Resource descriptors: the group/version/plural/scope of a resource type, so REST calls are
 * typed by the object they carry and paths follow the API conventions
 * (`/api/v1/namespaces/{ns}/pods/{name}`, `/apis/{group}/{version}/...`).
 */
import type { KubeObject } from '../api/index.js';
import { invalid } from '../errors/index.js';

/** Where a resource type lives in the API. `T` is the object type it carries. */
export interface ResourceDescriptor<T extends KubeObject = KubeObject> {
  /** API group; `''` is the core group served under `/api`. */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural used in paths: `pods`, `endpointslices`. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Phantom field carrying `T`; never set. */
  readonly __object?: T;
}

/** Declares a typed resource. */
export function defineResource<T extends KubeObject>(
  descriptor: Omit<ResourceDescriptor<T>, '__object'>,
): ResourceDescriptor<T> {
  // A DNS-1035 label: what CRDs allow for spec.names.plural.
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(descriptor.plural)) {
    throw invalid('plural', `must be a lower-case resource name, got "${descriptor.plural}"`);
  }
  if (!descriptor.version) throw invalid('version', 'required');
  return Object.freeze({ ...descriptor });
}

/** `apiVersion` of objects of this resource: `v1` or `apps/v1`. */
export function apiVersionOf(r: ResourceDescriptor): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/**
 * The path of a collection (`name` undefined) or an object, optionally a subresource.
 * A namespaced resource with no namespace gives the all-namespaces collection.
 */
export function resourcePath(
  r: ResourceDescriptor,
  target: { namespace?: string | undefined; name?: string | undefined; subresource?: string | undefined },
): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && target.namespace ? `/namespaces/${segment('namespace', target.namespace)}` : '';
  let path = `${root}${ns}/${r.plural}`;
  if (target.name !== undefined) path += `/${segment('name', target.name)}`;
  if (target.subresource !== undefined) {
    if (target.name === undefined) throw invalid('subresource', 'needs an object name');
    path += `/${segment('subresource', target.subresource)}`;
  }
  return path;
}

function segment(field: string, value: string): string {
  // "." and ".." would be normalised away by proxies (RFC 3986 §5.2.4); names cannot be empty.
  if (value === '' || value === '.' || value === '..' || value.includes('/')) {
    throw invalid(field, `not a valid path segment: "${value}"`);
  }
  return encodeURIComponent(value);
}

/** Common resource descriptors used across Switchyard. */
export const coreResources = {
  namespaces: defineResource({
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
  }),
  nodes: defineResource({ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false }),
  pods: defineResource({ group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true }),
  services: defineResource({
    group: '',
    version: 'v1',
    plural: 'services',
    kind: 'Service',
    namespaced: true,
  }),
  configmaps: defineResource({
    group: '',
    version: 'v1',
    plural: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
  }),
  endpointslices: defineResource({
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
  }),
} as const;
