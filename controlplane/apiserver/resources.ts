/**
 * The resource types the server knows: where each lives in the URL space and in the store, and
 * what discovery says about it. Built-in types are data in one table; CRDs add entries at run
 * time through a Registry.
 */

import type { JsonObject } from '../../lib/api/json.js';
import type { CrdVersioning } from './crd-conversion.js';
import { compareKubeVersions } from './kube-version.js';
import type { PrinterColumn } from './printer-columns.js';
import type { ScalePaths } from './scale.js';

/** Subresources served for a type. */
export type Subresource =
  | 'status'
  | 'scale'
  | 'binding'
  | 'eviction'
  | 'log'
  | 'exec'
  | 'attach'
  | 'portforward'
  | 'token'
  | 'finalize';

/** Everything the server needs to know about one resource type. */
export interface ResourceInfo {
  /** API group, '' for core. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Plural, lower-case resource name used in URLs (`deployments`). */
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly Subresource[];
  /** Store key prefix segment: `/registry/<storagePrefix>/…` (kube-apiserver's layout). */
  readonly storagePrefix: string;
  /** True for custom resources (served generically, validated by the CRD schema). */
  readonly custom: boolean;
  /** A custom resource's openAPIV3Schema, published in /openapi/v3 (`kubectl explain`). */
  readonly openapiSchema?: JsonObject;
  /** A custom resource's CRD `subresources.scale` paths. */
  readonly scalePaths?: ScalePaths;
  /** A custom resource's CRD `selectableFields`, as field selector names (`spec.color`). */
  readonly selectableFields?: readonly string[];
  /** A custom resource's `additionalPrinterColumns` (the Table `kubectl get` prints). */
  readonly printerColumns?: readonly PrinterColumn[];
  /** A custom resource's CRD versions: stored in one, served in each (crd-conversion.ts). */
  readonly versioning?: CrdVersioning;
  /** Answered from the request and never stored (the self reviews): `create` is the only verb. */
  readonly virtual?: boolean;
}

/** `apiVersion` of a type: `v1` for core, `group/version` otherwise. */
export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/**
 * Whether objects of a type carry `metadata.generation`: only types whose registry strategy sets
 * it (workloads, EndpointSlices, Ingresses and IngressClasses, CRDs, custom resources); core kinds
 * such as ConfigMap, Service and Pod (before 1.33) have none.
 */
export function tracksGeneration(info: Pick<ResourceInfo, 'group' | 'custom'>): boolean {
  return info.custom || GENERATION_GROUPS.includes(info.group);
}

const GENERATION_GROUPS = [
  'apps',
  'batch',
  'discovery.k8s.io',
  'networking.k8s.io',
  'apiextensions.k8s.io',
  'policy',
  'admissionregistration.k8s.io',
];

// `qualifiedResource` lives in group-resource.ts (status.ts needs it without this table).
export { qualifiedResource } from './group-resource.js';

interface Spec {
  readonly kind: string;
  readonly plural?: string;
  readonly namespaced?: boolean;
  readonly short?: readonly string[];
  readonly all?: boolean;
  readonly sub?: readonly Subresource[];
  readonly prefix?: string;
  readonly virtual?: boolean;
}

function define(group: string, version: string, specs: readonly Spec[]): ResourceInfo[] {
  return specs.map((s) => {
    const plural = s.plural ?? `${s.kind.toLowerCase()}s`;
    return {
      group,
      version,
      kind: s.kind,
      plural,
      singular: s.kind.toLowerCase(),
      namespaced: s.namespaced ?? true,
      shortNames: s.short ?? [],
      categories: s.all ? ['all'] : [],
      subresources: s.sub ?? [],
      // kube-apiserver's SpecialDefaultResourcePrefixes (default_storage_factory_builder.go).
      storagePrefix: s.prefix ?? plural,
      custom: false,
      ...(s.virtual ? { virtual: true } : {}),
    };
  });
}

/** Built-in resource types, in discovery order. */
export const BUILTIN_RESOURCES: readonly ResourceInfo[] = [
  ...define('', 'v1', [
    { kind: 'Namespace', namespaced: false, short: ['ns'], sub: ['status', 'finalize'] },
    { kind: 'Node', namespaced: false, short: ['no'], sub: ['status'], prefix: 'minions' },
    {
      kind: 'Pod',
      short: ['po'],
      all: true,
      sub: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward'],
    },
    { kind: 'Service', short: ['svc'], all: true, sub: ['status'], prefix: 'services/specs' },
    { kind: 'Endpoints', plural: 'endpoints', short: ['ep'], prefix: 'services/endpoints' },
    { kind: 'Secret' },
    { kind: 'ConfigMap', short: ['cm'] },
    { kind: 'Event', short: ['ev'] },
    { kind: 'ServiceAccount', short: ['sa'], sub: ['token'] },
  ]),
  ...define('apps', 'v1', [
    { kind: 'Deployment', short: ['deploy'], all: true, sub: ['status', 'scale'] },
    { kind: 'ReplicaSet', short: ['rs'], all: true, sub: ['status', 'scale'] },
    { kind: 'DaemonSet', short: ['ds'], all: true, sub: ['status'] },
  ]),
  ...define('batch', 'v1', [
    { kind: 'Job', all: true, sub: ['status'] },
    { kind: 'CronJob', short: ['cj'], all: true, sub: ['status'] },
  ]),
  ...define('discovery.k8s.io', 'v1', [{ kind: 'EndpointSlice' }]),
  ...define('networking.k8s.io', 'v1', [
    { kind: 'Ingress', plural: 'ingresses', short: ['ing'], sub: ['status'], prefix: 'ingress' },
    { kind: 'IngressClass', plural: 'ingressclasses', namespaced: false },
  ]),
  ...define('coordination.k8s.io', 'v1', [{ kind: 'Lease' }]),
  // Webhooks are not called: a write a Fail webhook matches is refused (webhook-gate.ts).
  ...define('admissionregistration.k8s.io', 'v1', [
    { kind: 'ValidatingWebhookConfiguration', namespaced: false },
    { kind: 'MutatingWebhookConfiguration', namespaced: false },
  ]),
  ...define('apiextensions.k8s.io', 'v1', [
    { kind: 'CustomResourceDefinition', namespaced: false, short: ['crd', 'crds'], sub: ['status'] },
  ]),
  ...define('scheduling.k8s.io', 'v1', [
    { kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, short: ['pc'] },
  ]),
  ...define('policy', 'v1', [
    { kind: 'PodDisruptionBudget', short: ['pdb'], sub: ['status'], prefix: 'poddisruptionbudgets' },
  ]),
  // kube-aggregator keeps APIServices under their group's name.
  ...define('apiregistration.k8s.io', 'v1', [
    { kind: 'APIService', namespaced: false, sub: ['status'], prefix: 'apiregistration.k8s.io/apiservices' },
  ]),
  ...define('authentication.k8s.io', 'v1', [
    { kind: 'SelfSubjectReview', namespaced: false, virtual: true },
    { kind: 'TokenReview', namespaced: false, virtual: true },
  ]),
  ...define('authorization.k8s.io', 'v1', [
    { kind: 'SelfSubjectAccessReview', namespaced: false, virtual: true },
    { kind: 'SelfSubjectRulesReview', namespaced: false, virtual: true },
    { kind: 'SubjectAccessReview', namespaced: false, virtual: true },
    { kind: 'LocalSubjectAccessReview', virtual: true },
  ]),
  ...define('rbac.authorization.k8s.io', 'v1', [
    { kind: 'Role' },
    { kind: 'ClusterRole', namespaced: false },
    { kind: 'RoleBinding' },
    { kind: 'ClusterRoleBinding', namespaced: false },
  ]),
];

/** The resource types currently served; CRDs come and go. */
export class ResourceRegistry {
  readonly #byPath = new Map<string, ResourceInfo>();
  readonly #order: ResourceInfo[] = [];

  constructor(initial: readonly ResourceInfo[] = BUILTIN_RESOURCES) {
    for (const r of initial) this.add(r);
  }

  /** Adds or replaces a type. */
  add(info: ResourceInfo): void {
    const k = `${info.group}/${info.version}/${info.plural}`;
    const i = this.#order.findIndex((r) => `${r.group}/${r.version}/${r.plural}` === k);
    if (i === -1) this.#order.push(info);
    else this.#order[i] = info;
    this.#byPath.set(k, info);
  }

  /** Removes a type (a deleted CRD). */
  remove(group: string, version: string, plural: string): void {
    const k = `${group}/${version}/${plural}`;
    this.#byPath.delete(k);
    const i = this.#order.findIndex((r) => `${r.group}/${r.version}/${r.plural}` === k);
    if (i !== -1) this.#order.splice(i, 1);
  }

  /** The type served at `/api(s)/group/version/plural`, if any. */
  lookup(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.#byPath.get(`${group}/${version}/${plural}`);
  }

  /** The type of a kind in a group-version, if any. */
  byKind(group: string, version: string, kind: string): ResourceInfo | undefined {
    return this.#order.find((r) => r.group === group && r.version === version && r.kind === kind);
  }

  /** Every served type, in discovery order. */
  all(): readonly ResourceInfo[] {
    return this.#order;
  }

  /** Group-versions in discovery order: `[{group, versions}]`, core first, versions by priority. */
  groups(): { readonly group: string; readonly versions: readonly string[] }[] {
    const out: { group: string; versions: string[] }[] = [];
    for (const r of this.#order) {
      let g = out.find((x) => x.group === r.group);
      if (!g) {
        g = { group: r.group, versions: [] };
        out.push(g);
      }
      if (!g.versions.includes(r.version)) g.versions.push(r.version);
    }
    // A group's versions in priority order: the first is the preferred one (a CRD's v1 before v1alpha1).
    for (const g of out) g.versions.sort(compareKubeVersions);
    return out;
  }
}
