/**
 * Built-in kinds' OpenAPI schemas, as kube-apiserver publishes them in /openapi/v3 (and so in
 * /openapi/v2, which is built from v3): named like upstream (`io.k8s.api.core.v1.Pod`), tagged
 * with `x-kubernetes-group-version-kind`, with list-type, patch-merge-key, int-or-string,
 * quantity and date-time structure. The data, structure only and without upstream's
 * descriptions, lives in builtin-schemas/schemas.json, written by scripts/gen-builtin-schemas.mjs
 * from the release's published swagger.json.
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import data from './builtin-schemas/schemas.json' with { type: 'json' };

const SCHEMAS = (data as { readonly schemas: unknown }).schemas as Readonly<Record<string, JsonObject>>;
/** Where the data came from: the release and commit of the upstream document. */
export const BUILTIN_SCHEMAS_SOURCE: string = (data as { readonly source: string }).source;

const REF_PREFIX = '#/components/schemas/';

/** `group/version/kind` → the definition tagged with it. */
const byKind = new Map<string, string>();
for (const [name, schema] of Object.entries(SCHEMAS)) {
  const gvks = schema['x-kubernetes-group-version-kind'];
  if (!Array.isArray(gvks)) continue;
  for (const g of gvks) {
    if (isJsonObject(g)) byKind.set(`${String(g.group)}/${String(g.version)}/${String(g.kind)}`, name);
  }
}

function collectRefs(s: Json, into: string[]): void {
  if (Array.isArray(s)) {
    for (const x of s) collectRefs(x, into);
  } else if (isJsonObject(s)) {
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX))
        into.push(v.slice(REF_PREFIX.length));
      else collectRefs(v, into);
    }
  }
}

/** The name of a built-in kind's definition, if upstream publishes one. */
export function builtinSchemaName(group: string, version: string, kind: string): string | undefined {
  return byKind.get(`${group}/${version}/${kind}`);
}

/**
 * The Swagger 2.0 form of the definitions kube-openapi publishes as a `oneOf` of scalars in v3
 * (IntOrString, Quantity): a string in v2.
 */
const V2_FORMS: Readonly<Record<string, JsonObject>> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
};

/** A built-in definition's v2 form when it differs from what v3's conversion rules would give. */
export function builtinSchemaV2Form(name: string, schema: JsonObject): JsonObject | undefined {
  return SCHEMAS[name] === schema ? V2_FORMS[name] : undefined;
}

/** A definition by name or by `#/components/schemas/` reference. */
export function builtinSchemaByRef(ref: string): JsonObject | undefined {
  return SCHEMAS[ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref];
}

/**
 * The definitions a group-version document carries for these kinds: each kind's own and every
 * definition it reaches through `$ref`, so the document resolves on its own.
 */
export function builtinSchemas(
  kinds: readonly { group: string; version: string; kind: string }[],
): JsonObject {
  const out: JsonObject = {};
  const queue: string[] = [];
  for (const k of kinds) {
    const name = builtinSchemaName(k.group, k.version, k.kind);
    if (name !== undefined) queue.push(name);
  }
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const schema = SCHEMAS[name];
    if (out[name] !== undefined || schema === undefined) continue;
    out[name] = schema;
    collectRefs(schema, queue);
  }
  return out;
}
