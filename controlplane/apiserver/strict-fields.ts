/**
 * `fieldValidation=Strict`: unknown fields are refused with 400 BadRequest
 * `strict decoding error: unknown field "spec.foo"`, as kube-apiserver's strict decoder does.
 * kubectl sends Strict once our /openapi/v3 says the server validates, and then skips its own
 * client-side check, so the server must do it. Built-in kinds are checked against the schemas
 * /openapi/v3 publishes for them (builtin-schemas.ts), custom resources against their CRD's.
 */

import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { builtinSchemaByRef, builtinSchemaName } from './builtin-schemas.js';
import type { ResourceInfo } from './resources.js';
import { badRequest } from './status.js';

/** The schema a `$ref` or `allOf: [{$ref}]` names, or the schema itself. */
function resolved(schema: JsonObject): JsonObject {
  const allOf = schema.allOf;
  const ref = Array.isArray(allOf) && isJsonObject(allOf[0]) ? allOf[0].$ref : schema.$ref;
  return typeof ref === 'string' ? (builtinSchemaByRef(ref) ?? schema) : schema;
}

/**
 * Unknown fields of a built-in kind by its published schema: a field is unknown when its
 * object lists `properties` and has no `additionalProperties`; list elements are named by index
 * (`spec.containers[0].bogus`), as kube-apiserver's strict decoder names them.
 */
function walkBuiltin(value: Json, ref: JsonObject, path: string, patch: boolean): void {
  const schema = resolved(ref);
  if (Array.isArray(value)) {
    if (isJsonObject(schema.items))
      value.forEach((v, i) => {
        if (v !== null) walkBuiltin(v, schema.items as JsonObject, `${path}[${i}]`, patch);
      });
    return;
  }
  if (!isJsonObject(value)) return;
  const props = isJsonObject(schema.properties) ? schema.properties : undefined;
  const additional = isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
  if (props === undefined && additional === undefined) return;
  for (const [k, v] of Object.entries(value)) {
    // Strategic-merge directives ($patch, $setElementOrder/…, $retainKeys) are not fields.
    if (patch && k.startsWith('$')) continue;
    const at = path ? `${path}.${k}` : k;
    const sub = props?.[k] ?? additional;
    if (!isJsonObject(sub)) throw badRequest(`strict decoding error: unknown field "${at}"`);
    if (v !== null) walkBuiltin(v, sub, at, patch);
  }
}

/**
 * Unknown fields of a custom resource by its CRD's structural schema: a field is unknown when
 * its object lists `properties`, has no `additionalProperties` and does not preserve unknown
 * fields (the ones the server would otherwise prune). apiVersion, kind and metadata are known.
 */
function walkOpenapi(value: Json, schema: JsonObject, path: string, patch: boolean): void {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    if (isJsonObject(schema.items)) for (const v of value) walkOpenapi(v, schema.items, path, patch);
    return;
  }
  if (!isJsonObject(value)) return;
  const props = isJsonObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  for (const [k, v] of Object.entries(value)) {
    if (patch && k.startsWith('$')) continue;
    if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const at = path ? `${path}.${k}` : k;
    const sub = props?.[k] ?? (isJsonObject(additional) ? additional : undefined);
    if (sub === undefined) {
      if (props !== undefined && additional !== true)
        throw badRequest(`strict decoding error: unknown field "${at}"`);
      continue;
    }
    if (v !== null) walkOpenapi(v, sub as JsonObject, at, patch);
  }
}

/** Throws 400 naming the first unknown field of `body` for the type, if it has a schema. */
export function checkUnknownFields(info: ResourceInfo, body: Json, patch = false): void {
  if (info.custom) {
    if (info.openapiSchema) walkOpenapi(body, info.openapiSchema, '', patch);
    return;
  }
  const name = builtinSchemaName(info.group, info.version, info.kind);
  const schema = name === undefined ? undefined : builtinSchemaByRef(name);
  if (schema) walkBuiltin(body, schema, '', patch);
}
