/**
 * `/openapi/v2`: the Swagger 2.0 document, built from the same per-group-version documents as
 * `/openapi/v3` so both always carry the same kinds and schemas. kubectl needs it whenever
 * `/openapi/v3` cannot vouch for a kind (a kind the server does not serve, a `kind: List`): it
 * then validates client-side against v2 models, skipping kinds v2 does not define, and lets
 * the REST mapping report `no matches for kind` for that one document. Without v2 the whole
 * file aborts at the first such kind.
 *
 * Schemas go through kube-apiserver's v3 → v2 rules for custom resources (apiextensions
 * `ToStructuralOpenAPIV2`): junctors dropped, nullable and preserve-unknown-fields values
 * made untyped with no properties or items (kubectl's v2 parser cannot cope with them), arrays
 * without items untyped, nullable properties no longer required.
 *
 * Served as JSON or, when asked (client-go always asks), as gnostic's openapi_v2.Document
 * protobuf; the ETag is the SHA-512 of the JSON in both cases, as kube-openapi's handler does.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { builtinSchemaV2Form } from './builtin-schemas.js';
import { openapiGroupVersion } from './discovery.js';
import { encodeOpenapiV2 } from './openapi-v2-proto.js';
import type { ResourceRegistry } from './resources.js';

/** The Swagger 2.0 document of every served kind. */
export function openapiV2(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  const definitions: JsonObject = {};
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const doc = openapiGroupVersion(registry, g.group, v);
      if (doc === undefined) continue;
      if (isJsonObject(doc.paths)) {
        for (const [path, item] of Object.entries(doc.paths)) {
          if (isJsonObject(item)) paths[path] = pathItemV2(item);
        }
      }
      const schemas =
        isJsonObject(doc.components) && isJsonObject(doc.components.schemas) ? doc.components.schemas : {};
      for (const [name, schema] of Object.entries(schemas)) {
        if (isJsonObject(schema)) definitions[name] = builtinSchemaV2Form(name, schema) ?? schemaV2(schema);
      }
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    definitions,
  };
}

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/**
 * A v3 path item as v2 writes it: a parameter's type beside it rather than in a schema, the
 * request body as a `body` parameter with its media types as `consumes`, each response's
 * schema bare with the media types as `produces`, schemas converted.
 */
export function pathItemV2(item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const op of OPERATIONS) {
    const o = item[op];
    if (!isJsonObject(o)) continue;
    const { parameters, requestBody, responses, ...rest } = o;
    const params = Array.isArray(parameters) ? parameters.filter(isJsonObject).map(parameterV2) : [];
    const consumes: string[] = [];
    if (isJsonObject(requestBody) && isJsonObject(requestBody.content)) {
      const media = Object.entries(requestBody.content);
      consumes.push(...media.map(([type]) => type));
      const first = media.map(([, m]) => m).find(isJsonObject);
      params.unshift({
        name: 'body',
        in: 'body',
        ...(requestBody.required === true ? { required: true } : {}),
        ...(isJsonObject(first) && isJsonObject(first.schema) ? { schema: schemaV2(first.schema) } : {}),
      });
    }
    const produces = new Set<string>();
    const answers: JsonObject = {};
    for (const [code, r] of Object.entries(isJsonObject(responses) ? responses : {})) {
      if (!isJsonObject(r)) continue;
      const { content, ...response } = r;
      const media = isJsonObject(content) ? Object.entries(content) : [];
      for (const [type] of media) produces.add(type);
      const first = media.map(([, m]) => m).find(isJsonObject);
      answers[code] =
        isJsonObject(first) && isJsonObject(first.schema)
          ? { ...response, schema: schemaV2(first.schema) }
          : response;
    }
    out[op] = {
      ...rest,
      ...(consumes.length ? { consumes } : {}),
      ...(produces.size ? { produces: [...produces] } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(isJsonObject(responses) ? { responses: answers } : {}),
    };
  }
  return out;
}

function parameterV2(p: JsonObject): JsonObject {
  const { schema, ...rest } = p;
  return isJsonObject(schema) && typeof schema.type === 'string' ? { ...rest, type: schema.type } : rest;
}

const JUNCTORS = ['allOf', 'oneOf', 'anyOf', 'not'];

/**
 * One schema converted to v2. Decisions about a node read its children as they were in v3
 * (a nullable property stops being required although the child itself loses `nullable`).
 */
export function schemaV2(s: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === 'nullable' || JUNCTORS.includes(key)) continue;
    out[key] = value;
  }
  // kube-apiserver's built-in v3 wraps a described reference as `allOf: [{$ref}]`; v2 has the bare $ref.
  const allOf = s.allOf;
  if (
    Array.isArray(allOf) &&
    allOf.length === 1 &&
    isJsonObject(allOf[0]) &&
    typeof allOf[0].$ref === 'string'
  ) {
    out.$ref = allOf[0].$ref;
  }
  if (typeof out.$ref === 'string') out.$ref = out.$ref.replace('#/components/schemas/', '#/definitions/');
  const untyped = s.nullable === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (untyped || preserve) {
    delete out.items;
    delete out.properties;
  }
  // Not structural (a tuple's items, a list of types): what kubectl's parser cannot read goes.
  if (!isJsonObject(out.items)) delete out.items;
  if (untyped || typeof out.type !== 'string') delete out.type;
  if (out.type === 'array' && out.items === undefined) delete out.type;
  if (preserve && out.type === 'object') delete out.type;
  if (isJsonObject(out.properties)) {
    const props: JsonObject = {};
    for (const [name, sub] of Object.entries(out.properties))
      if (isJsonObject(sub)) props[name] = schemaV2(sub);
    if (Object.keys(props).length === 0) delete out.properties;
    else out.properties = props;
  }
  if (isJsonObject(out.items)) out.items = schemaV2(out.items);
  if (isJsonObject(out.additionalProperties)) out.additionalProperties = schemaV2(out.additionalProperties);
  if (Array.isArray(out.required)) {
    const props = isJsonObject(s.properties) ? s.properties : {};
    const nullableValues = isJsonObject(s.additionalProperties) && s.additionalProperties.nullable === true;
    const kept = nullableValues
      ? []
      : out.required.filter(
          (f) => !(typeof f === 'string' && isJsonObject(props[f]) && props[f].nullable === true),
        );
    if (kept.length === 0) delete out.required;
    else out.required = kept;
  }
  return out;
}

const JSON_TYPE = 'application/json';
/** What client-go's OpenAPISchema asks for; kube-openapi answers it under the newer name. */
const PROTO_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const PROTO = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** The three media types `/openapi/v2` offers, in kube-openapi's order of preference. */
const OFFERED: readonly { readonly accepts: string; readonly answer: string }[] = [
  { accepts: JSON_TYPE, answer: JSON_TYPE },
  { accepts: PROTO_DEPRECATED, answer: PROTO },
  { accepts: PROTO, answer: PROTO },
];

/**
 * The media type to answer an Accept header with: clauses by falling q (stable for ties), each
 * matched against the offers in order, wildcards allowed; undefined means 406.
 */
export function negotiateOpenapiV2(accept: string | undefined): string | undefined {
  const clauses = (accept?.trim() ? accept : '*/*')
    .split(',')
    .map((raw, index) => {
      const [range = '', ...params] = raw.split(';').map((x) => x.trim());
      const q = params.find((p) => p.startsWith('q='));
      return { range: range.toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((c) => c.range !== '' && c.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { range } of clauses) {
    const [type = '', subtype = ''] = range.split('/');
    for (const offer of OFFERED) {
      const [t, st] = offer.accepts.split('/');
      if ((type === t || type === '*') && (subtype === st || subtype === '*')) return offer.answer;
    }
  }
  return undefined;
}

interface Rendered {
  readonly etag: string;
  readonly json: Buffer;
  proto?: Buffer;
}

/** Each registry's last document, so an unchanged document is encoded to protobuf once. */
const lastRendered = new WeakMap<ResourceRegistry, Rendered>();

function rendered(registry: ResourceRegistry): { etag: string; json: Buffer; proto: () => Buffer } {
  const json = Buffer.from(JSON.stringify(openapiV2(registry)));
  const etag = `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`;
  let entry = lastRendered.get(registry);
  if (entry?.etag !== etag) {
    entry = { etag, json };
    lastRendered.set(registry, entry);
  }
  const e = entry;
  return {
    etag,
    json,
    proto: () => {
      e.proto ??= encodeOpenapiV2(JSON.parse(e.json.toString('utf8')) as Json);
      return e.proto;
    },
  };
}

/** Answers `GET /openapi/v2`: negotiated body, ETag, 304 on a matching If-None-Match, 406 otherwise. */
export function serveOpenapiV2(req: IncomingMessage, res: ServerResponse, registry: ResourceRegistry): void {
  req.resume();
  const type = negotiateOpenapiV2(req.headers.accept);
  res.setHeader('Vary', 'Accept');
  if (type === undefined) {
    res.writeHead(406).end();
    return;
  }
  const doc = rendered(registry);
  res.setHeader('Content-Type', type);
  res.setHeader('Etag', doc.etag);
  const match = req.headers['if-none-match'];
  if (match?.split(',').some((m) => m.trim() === doc.etag || m.trim() === '*')) {
    res.writeHead(304).end();
    return;
  }
  const body = type === JSON_TYPE ? doc.json : doc.proto();
  res.writeHead(200, { 'Content-Length': body.length }).end(req.method === 'HEAD' ? undefined : body);
}
