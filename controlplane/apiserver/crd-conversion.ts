/**
 * Versions of a custom resource, as apiextensions-apiserver converts them: every write is
 * converted to the CRD's storage version before it is stored, and every read (get, list, watch
 * events, the answer to a write) to the version in the request URL. Strategy `None` rewrites
 * only `apiVersion`, after which the target version's schema prunes the fields it does not
 * know. Strategy `Webhook` needs a call to the CRD's conversion webhook, which this server does
 * not make: a request that needs a conversion between two different versions fails with a 500
 * InternalError naming the CRD, and requests that need none (the stored version is the one
 * asked for) still work.
 */
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { ApiError } from './status.js';

/** What converting the objects of one CRD needs (shared by every served version's ResourceInfo). */
export interface CrdVersioning {
  /** The CRD's name (`widgets.example.com`), for error messages. */
  readonly crd: string;
  readonly group: string;
  readonly kind: string;
  /** The version marked `storage: true`: what every write is stored as. */
  readonly storageVersion: string;
  readonly strategy: 'None' | 'Webhook';
  /** Each version's openAPIV3Schema (undefined when it has none), served or not. */
  readonly schemas: ReadonlyMap<string, JsonObject | undefined>;
  /** The versions whose schema has a `default` somewhere: objects stored in them are defaulted on read. */
  readonly defaulting: ReadonlySet<string>;
}

/** The conversion settings of a CRD object (its spec as stored, defaults applied or not). */
export function versioningOf(crd: JsonObject): CrdVersioning {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  const conversion = isJsonObject(spec.conversion) ? spec.conversion : {};
  const schemas = new Map<string, JsonObject | undefined>();
  for (const v of versions) {
    const schema =
      isJsonObject(v.schema) && isJsonObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
    schemas.set(String(v.name ?? ''), schema);
  }
  const defaulting = new Set([...schemas].filter(([, schema]) => hasDefault(schema)).map(([name]) => name));
  const storage = versions.find((v) => v.storage === true) ?? versions[0];
  return {
    crd: String(isJsonObject(crd.metadata) ? (crd.metadata.name ?? '') : ''),
    group: String(spec.group ?? ''),
    kind: String(names.kind ?? ''),
    storageVersion: String(storage?.name ?? ''),
    strategy: conversion.strategy === 'Webhook' ? 'Webhook' : 'None',
    schemas,
    defaulting,
  };
}

/** 500 InternalError: converting needs the CRD's conversion webhook, which is not called here. */
export function conversionWebhookError(v: CrdVersioning, from: string, to: string): ApiError {
  const why =
    `conversion webhook for ${from}, Kind=${v.kind} failed: conversion webhooks are not called by this ` +
    `server (CustomResourceDefinition ${v.crd} has conversion strategy Webhook; converting to ${to} needs it)`;
  return new ApiError(500, 'InternalError', `Internal error occurred: ${why}`, {
    causes: [{ message: why }],
  });
}

/**
 * `o` in `version` of its CRD: the same object when it already is in that version, otherwise a
 * converted copy (strategy None: new apiVersion, pruned by the target schema). Throws the 500
 * of `conversionWebhookError` when the strategy is Webhook.
 */
export function convertTo(v: CrdVersioning, o: JsonObject, version: string): JsonObject {
  const to = `${v.group}/${version}`;
  const from = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  if (from === to) return o;
  if (v.strategy === 'Webhook') throw conversionWebhookError(v, from, to);
  const out = structuredClone(o);
  out.apiVersion = to;
  const schema = v.schemas.get(version);
  if (schema) pruneRoot(out, schema);
  return out;
}

/** A write about to be stored: `o` in the storage version (as is for types without versioning). */
export function toStorageVersion(info: { readonly versioning?: CrdVersioning }, o: JsonObject): JsonObject {
  return info.versioning ? convertTo(info.versioning, o, info.versioning.storageVersion) : o;
}

/**
 * A stored object about to be served: `o` defaulted by the schema of the version it is stored in
 * (kube-apiserver defaults what it reads from etcd), then in the version of `info` (the request
 * URL's). `o` itself is never changed.
 */
export function toServedVersion(
  info: { readonly version: string; readonly versioning?: CrdVersioning },
  o: JsonObject,
): JsonObject {
  const v = info.versioning;
  if (!v) return o;
  const stored = typeof o.apiVersion === 'string' ? o.apiVersion.slice(v.group.length + 1) : '';
  const schema = v.defaulting.has(stored) ? v.schemas.get(stored) : undefined;
  if (!schema) return convertTo(v, o, info.version);
  const defaulted = structuredClone(o);
  defaultObject(defaulted, schema, true);
  return convertTo(v, defaulted, info.version);
}

function hasDefault(schema: Json | undefined): boolean {
  if (!isJsonObject(schema)) return false;
  if (schema.default !== undefined) return true;
  const props = isJsonObject(schema.properties) ? Object.values(schema.properties) : [];
  return props.some(hasDefault) || hasDefault(schema.items) || hasDefault(schema.additionalProperties);
}

/**
 * Structural defaulting, the rules crd.ts applies on write: an absent field (or a null one that
 * may not be null) whose schema has a `default` gets it, at every level whose parent exists.
 */
function defaultObject(value: Json, schema: JsonObject, root = false): void {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isJsonObject(items)) for (const v of value) defaultObject(v, items);
    return;
  }
  if (!isJsonObject(value)) return;
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  for (const [k, sub] of Object.entries(props)) {
    if (!isJsonObject(sub) || (root && (k === 'apiVersion' || k === 'kind' || k === 'metadata'))) continue;
    if (sub.default !== undefined && (value[k] === undefined || (value[k] === null && sub.nullable !== true)))
      value[k] = structuredClone(sub.default);
    const child = value[k];
    if (child !== undefined) defaultObject(child, sub);
  }
  const additional = schema.additionalProperties;
  if (isJsonObject(additional))
    for (const [k, v] of Object.entries(value)) if (!(k in props)) defaultObject(v, additional);
}

/**
 * Structural pruning (the rules crd.ts applies on write): fields a schema does not declare are
 * dropped unless it keeps unknown fields (`x-kubernetes-preserve-unknown-fields`,
 * `additionalProperties`). At the root, apiVersion, kind and metadata always stay.
 */
function pruneRoot(o: JsonObject, schema: JsonObject): void {
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  const keep = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    const sub = props[k];
    if (isJsonObject(sub)) prune(v, sub);
    else if (!keep) delete o[k];
  }
}

function prune(value: Json, schema: JsonObject): void {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isJsonObject(items)) for (const v of value) prune(v, items);
    return;
  }
  if (!isJsonObject(value)) return;
  const props = isJsonObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  const keep = schema['x-kubernetes-preserve-unknown-fields'] === true || additional === true;
  for (const [k, v] of Object.entries(value)) {
    const sub = props?.[k];
    if (isJsonObject(sub)) prune(v, sub);
    else if (isJsonObject(additional)) prune(v, additional);
    else if (!keep && (props || additional === false)) delete value[k];
  }
}

function storedVersions(crd: JsonObject): string[] {
  const status = isJsonObject(crd.status) ? crd.status : {};
  return Array.isArray(status.storedVersions) ? status.storedVersions.map(String) : [];
}

/**
 * `status.storedVersions` of a CRD being written: every version its objects may be stored in.
 * The listed ones stay (only a status write may shrink the list, after a storage migration)
 * and the current storage version joins them.
 */
export function storedVersionsOf(crd: JsonObject, storageVersion: string): string[] {
  const out = storedVersions(crd);
  if (storageVersion && !out.includes(storageVersion)) out.push(storageVersion);
  return out;
}

/** A write of a CRD's main resource keeps the stored `status.storedVersions` (PrepareForUpdate). */
export function keepStoredVersions(next: JsonObject, current: JsonObject): void {
  const status = isJsonObject(next.status) ? next.status : {};
  status.storedVersions = storedVersions(current);
  next.status = status;
}
