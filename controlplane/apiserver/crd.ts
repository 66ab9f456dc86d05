/**
 * CustomResourceDefinitions: each served version of a CRD becomes a resource type served by the
 * generic REST code, stored under /registry/<group>/<plural>/ (kube-apiserver's layout for
 * custom resources). Objects are pruned and validated against the version's openAPIV3Schema
 * (the common keywords of structural schemas: type, properties, required, items, enum,
 * minimum/maximum, minLength/maxLength, pattern, minItems/maxItems, additionalProperties,
 * nullable, x-kubernetes-preserve-unknown-fields, x-kubernetes-int-or-string).
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { type FieldError, invalidValue, notSupported, required } from '../../lib/api/validation/index.js';
import type { Store, WatchHandle } from '../store/index.js';
import { versioningOf } from './crd-conversion.js';
import { printerColumnsOf } from './printer-columns.js';
import type { ResourceInfo, ResourceRegistry, Subresource } from './resources.js';
import type { ScalePaths } from './scale.js';

/** The resource types one CRD serves, with the schema of each version. */
export function crdResources(crd: JsonObject): { info: ResourceInfo; schema: JsonObject | undefined }[] {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  const group = String(spec.group ?? '');
  const plural = String(names.plural ?? '');
  const kind = String(names.kind ?? '');
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  const versioning = versioningOf(crd);
  return versions
    .filter((v) => v.served !== false)
    .map((v) => {
      const subs = isJsonObject(v.subresources) ? v.subresources : {};
      const subresources: Subresource[] = [];
      if (subs.status !== undefined) subresources.push('status');
      if (subs.scale !== undefined) subresources.push('scale');
      const schema =
        isJsonObject(v.schema) && isJsonObject(v.schema.openAPIV3Schema)
          ? v.schema.openAPIV3Schema
          : undefined;
      return {
        info: {
          group,
          version: String(v.name ?? ''),
          kind,
          plural,
          singular: String(names.singular ?? kind.toLowerCase()),
          namespaced: spec.scope !== 'Cluster',
          shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
          categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
          subresources,
          storagePrefix: `${group}/${plural}`,
          custom: true,
          versioning,
          printerColumns: printerColumnsOf(v, '', []),
          selectableFields: selectableFieldsOf(v, '', []),
          ...scalePathsOf(subs.scale),
          ...(schema ? { openapiSchema: schema } : {}),
        },
        schema,
      };
    });
}

/** `subresources.scale` of a version: where the Scale's numbers live (JSON paths, leading dot). */
function scalePathsOf(scale: Json | undefined): { scalePaths?: ScalePaths } {
  if (!isJsonObject(scale)) return {};
  const path = (v: Json | undefined, fallback: string): string =>
    typeof v === 'string' && v.startsWith('.') ? v.slice(1) : fallback;
  const labelSelector = typeof scale.labelSelectorPath === 'string' ? path(scale.labelSelectorPath, '') : '';
  return {
    scalePaths: {
      specReplicas: path(scale.specReplicasPath, 'spec.replicas'),
      statusReplicas: path(scale.statusReplicasPath, 'status.replicas'),
      ...(labelSelector ? { labelSelector } : {}),
    },
  };
}

/**
 * A version's `selectableFields` as field selector names; each jsonPath must be a plain field
 * path (`.spec.color`), at most 8 of them (apiextensions validation).
 */
function selectableFieldsOf(version: JsonObject, path: string, errs: FieldError[]): string[] {
  const list = Array.isArray(version.selectableFields) ? version.selectableFields : [];
  if (list.length > 8)
    errs.push(invalidValue(`${path}.selectableFields`, list.length, 'must have at most 8 items'));
  const out: string[] = [];
  for (const [i, f] of list.entries()) {
    const jsonPath = isJsonObject(f) && typeof f.jsonPath === 'string' ? f.jsonPath : '';
    if (!/^(\.[A-Za-z_][A-Za-z0-9_-]*)+$/.test(jsonPath)) {
      errs.push(
        invalidValue(
          `${path}.selectableFields[${i}].jsonPath`,
          jsonPath,
          'must be a simple field path, like .spec.color',
        ),
      );
      continue;
    }
    out.push(jsonPath.slice(1));
  }
  return out;
}

/** Validation of the CRD object itself (apiextensions validation, the essentials). */
export function validateCrd(crd: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  if (!spec.group) errs.push(required('spec.group'));
  if (!names.plural) errs.push(required('spec.names.plural'));
  if (!names.kind) errs.push(required('spec.names.kind'));
  const name = isJsonObject(crd.metadata) ? crd.metadata.name : undefined;
  if (spec.group && names.plural && name !== `${String(names.plural)}.${String(spec.group)}`) {
    errs.push(invalidValue('metadata.name', name, `must be spec.names.plural+"."+spec.group`));
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push(notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  if (versions.length === 0) errs.push(required('spec.versions'));
  if (versions.length > 0 && versions.filter((v) => v.storage === true).length !== 1) {
    errs.push(
      invalidValue(
        'spec.versions',
        versions.length,
        'must have exactly one version marked as storage version',
      ),
    );
  }
  for (const [i, v] of versions.entries()) {
    printerColumnsOf(v, `spec.versions[${i}]`, errs);
    selectableFieldsOf(v, `spec.versions[${i}]`, errs);
  }
  const conversion = isJsonObject(spec.conversion) ? spec.conversion : {};
  if (
    conversion.strategy !== undefined &&
    conversion.strategy !== 'None' &&
    conversion.strategy !== 'Webhook'
  ) {
    errs.push(notSupported('spec.conversion.strategy', conversion.strategy, ['None', 'Webhook']));
  }
  if (conversion.strategy === 'Webhook' && !isJsonObject(conversion.webhook)) {
    errs.push(required('spec.conversion.webhook', 'required when strategy is set to Webhook'));
  }
  const status = isJsonObject(crd.status) ? crd.status : {};
  const stored = Array.isArray(status.storedVersions) ? status.storedVersions : [];
  for (const [i, name] of stored.entries()) {
    if (!versions.some((v) => v.name === name))
      errs.push(invalidValue(`status.storedVersions[${i}]`, name, 'must appear in spec.versions'));
  }
  return errs;
}

function typeOk(type: Json | undefined, v: Json, schema: JsonObject): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) return typeof v === 'string' || Number.isInteger(v);
  switch (type) {
    case 'object':
      return isJsonObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/** Prunes unknown fields of `value` in place and returns the schema violations. */
export function checkSchema(value: Json, schema: JsonObject, path: string, errs: FieldError[]): void {
  if (value === null) {
    if (schema.nullable !== true && schema.type !== undefined)
      errs.push(invalidValue(path, null, `must be ${String(schema.type)}`));
    return;
  }
  if (!typeOk(schema.type, value, schema)) {
    errs.push(
      invalidValue(
        path,
        value,
        `in body must be of type ${String(schema.type)}: "${Array.isArray(value) ? 'array' : typeof value}"`,
      ),
    );
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errs.push(notSupported(path, value, schema.enum.map(String)));
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) {
      errs.push(invalidValue(path, value, `should be greater than or equal to ${schema.minimum}`));
    }
    if (typeof schema.maximum === 'number' && value > schema.maximum) {
      errs.push(invalidValue(path, value, `should be less than or equal to ${schema.maximum}`));
    }
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      errs.push(invalidValue(path, value, `should be at least ${schema.minLength} chars long`));
    }
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
      errs.push(invalidValue(path, value, `may not be more than ${schema.maxLength} chars long`));
    }
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      errs.push(invalidValue(path, value, `should match '${schema.pattern}'`));
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      errs.push(invalidValue(path, value.length, `should have at least ${schema.minItems} items`));
    }
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      errs.push(invalidValue(path, value.length, `should have at most ${schema.maxItems} items`));
    }
    if (isJsonObject(schema.items)) {
      const items = schema.items;
      value.forEach((v, i) => {
        checkSchema(v, items, `${path}[${i}]`, errs);
      });
    }
  }
  if (isJsonObject(value)) checkObject(value, schema, path, errs);
}

/**
 * Structural-schema defaulting: an absent field (or a null one that may not be null) whose
 * schema has a `default` gets it, before validation, at every level whose parent exists.
 */
function applySchemaDefaults(value: JsonObject, props: JsonObject, skip: readonly string[] = []): void {
  for (const [k, sub] of Object.entries(props)) {
    if (skip.includes(k) || !isJsonObject(sub) || sub.default === undefined) continue;
    if (value[k] === undefined || (value[k] === null && sub.nullable !== true)) {
      value[k] = structuredClone(sub.default);
    }
  }
}

function checkObject(value: JsonObject, schema: JsonObject, path: string, errs: FieldError[]): void {
  const props = isJsonObject(schema.properties) ? schema.properties : undefined;
  if (props) applySchemaDefaults(value, props);
  const additional = schema.additionalProperties;
  for (const r of Array.isArray(schema.required) ? schema.required : []) {
    if (typeof r === 'string' && value[r] === undefined) errs.push(required(path ? `${path}.${r}` : r));
  }
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    const sub = props?.[k];
    if (isJsonObject(sub)) checkSchema(v, sub, at, errs);
    else if (isJsonObject(additional)) checkSchema(v, additional, at, errs);
    else if (
      schema['x-kubernetes-preserve-unknown-fields'] !== true &&
      additional !== true &&
      (props || additional === false)
    ) {
      // Structural schemas prune unknown fields rather than rejecting them (apiextensions pruning).
      delete value[k];
    }
  }
}

/** Keeps the registry's custom types in step with the stored CRDs (also those written by other API servers). */
export class CrdController {
  readonly #schemas = new Map<string, JsonObject | undefined>();
  readonly #byCrd = new Map<string, ResourceInfo[]>();
  #watch: WatchHandle | undefined;

  constructor(
    private readonly store: Store,
    private readonly registry: ResourceRegistry,
  ) {}

  /** Loads every CRD, then follows changes. */
  async start(): Promise<void> {
    const prefix = '/registry/customresourcedefinitions/';
    const list = await this.store.list(prefix);
    for (const kv of list.items) this.#apply(kv.key, JSON.parse(kv.value) as JsonObject);
    this.#watch = this.store.watch(prefix, list.revision, {
      onEvent: (e) => {
        if (e.type === 'delete') this.#remove(e.kv.key);
        else this.#apply(e.kv.key, JSON.parse(e.kv.value) as JsonObject);
      },
      onError: () => {
        // History compacted under us: reload from scratch.
        void this.start();
      },
    });
  }

  stop(): void {
    this.#watch?.stop();
  }

  #apply(key: string, crd: JsonObject): void {
    this.#remove(key, false);
    const entries = crdResources(crd);
    for (const { info, schema } of entries) {
      this.registry.add(info);
      this.#schemas.set(`${info.group}/${info.version}/${info.plural}`, schema);
    }
    this.#byCrd.set(
      key,
      entries.map((e) => e.info),
    );
  }

  #remove(key: string, purge = true): void {
    for (const info of this.#byCrd.get(key) ?? []) {
      this.registry.remove(info.group, info.version, info.plural);
      this.#schemas.delete(`${info.group}/${info.version}/${info.plural}`);
      // A deleted CRD takes its objects with it (apiextensions' instance cleanup).
      if (purge) void this.#purge(info);
    }
    this.#byCrd.delete(key);
  }

  async #purge(info: ResourceInfo): Promise<void> {
    try {
      const list = await this.store.list(`/registry/${info.storagePrefix}/`);
      for (const kv of list.items) await this.store.delete(kv.key).catch(() => undefined);
    } catch {
      // store closed
    }
  }

  /** Prunes and validates a custom object against its version's schema. */
  validate(info: ResourceInfo, obj: JsonObject): FieldError[] {
    const schema = this.#schemas.get(`${info.group}/${info.version}/${info.plural}`);
    if (!schema) return [];
    const errs: FieldError[] = [];
    const props = isJsonObject(schema.properties) ? schema.properties : {};
    applySchemaDefaults(obj, props, ['apiVersion', 'kind', 'metadata']);
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
      const sub = props[k];
      if (isJsonObject(sub)) checkSchema(v, sub, k, errs);
      else if (schema['x-kubernetes-preserve-unknown-fields'] !== true) delete obj[k];
    }
    for (const r of Array.isArray(schema.required) ? schema.required : []) {
      if (typeof r === 'string' && obj[r] === undefined) errs.push(required(r));
    }
    return errs;
  }
}
