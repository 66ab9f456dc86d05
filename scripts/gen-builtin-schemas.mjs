#!/usr/bin/env node
/**
 * Writes controlplane/apiserver/builtin-schemas/schemas.json from Kubernetes' published OpenAPI
 * v2 document (api/openapi-spec/swagger.json of a release):
 *
 *   node scripts/gen-builtin-schemas.mjs <swagger.json> "<source description>" [output file]
 *
 * Keeps every definition reachable from a kind of the served group-versions, with structure
 * only: types, formats, properties, required, items, additionalProperties, refs (in the form
 * /openapi/v3 serves: `#/components/schemas/`, a property's wrapped in `allOf`) and the
 * x-kubernetes-* extensions.
 * Every `description` is dropped: those are upstream's prose, not facts the server needs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP_VERSIONS, META_KINDS } from './served-group-versions.mjs';

const SKIP_KINDS = new Set(META_KINDS);

const [file, source, output] = process.argv.slice(2);
if (!file || !source) throw new Error('usage: gen-builtin-schemas.mjs <swagger.json> "<source>"');
const defs = JSON.parse(readFileSync(file, 'utf8')).definitions;
const V2_REF = '#/definitions/';
const V3_REF = '#/components/schemas/';

/** One schema without prose, refs in v3 form; `found` collects the definitions it names. */
function strip(s, found) {
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'description') continue;
    if (k === '$ref') {
      const name = v.slice(V2_REF.length);
      found.push(name);
      out.$ref = `${V3_REF}${name}`;
    } else if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v).map(([n, p]) => [n, property(p, found)]));
    } else if ((k === 'items' || k === 'additionalProperties') && typeof v === 'object') {
      out[k] = strip(v, found);
    } else if (k === 'allOf' || k === 'oneOf' || k === 'anyOf') {
      out[k] = v.map((x) => strip(x, found));
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * A property as kube-openapi's v3 builder writes it: a reference with siblings (upstream's all
 * carry a description) becomes `allOf: [{$ref}]`, which is also how `kubectl explain` names the
 * type (`<IntOrString>`, `<ObjectMeta>`); /openapi/v2 unwraps it again.
 */
function property(p, found) {
  const s = strip(p, found);
  if (p.$ref === undefined || Object.keys(p).length === 1) return s;
  const { $ref, ...rest } = s;
  return { ...rest, allOf: [{ $ref }] };
}

/**
 * The two scalar unions kube-openapi publishes differently in v3 (OpenAPIV3OneOfTypes) than in
 * v2 (`type: string`); /openapi/v2 writes them back in their v2 form (builtin-schemas.ts).
 */
const V3_FORMS = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

const queue = [];
for (const [name, d] of Object.entries(defs)) {
  const gvks = (d['x-kubernetes-group-version-kind'] ?? []).filter((g) =>
    GROUP_VERSIONS.has(g.group ? `${g.group}/${g.version}` : g.version),
  );
  if (gvks.length === 0 || SKIP_KINDS.has(gvks[0].kind) || gvks[0].kind.endsWith('List')) continue;
  queue.push(name);
}
const schemas = {};
while (queue.length > 0) {
  const name = queue.shift();
  if (schemas[name] || !defs[name]) continue;
  const found = [];
  schemas[name] = V3_FORMS[name] ?? strip(defs[name], found);
  queue.push(...found);
}
const sorted = Object.fromEntries(
  Object.keys(schemas)
    .sort()
    .map((k) => [k, schemas[k]]),
);
const out =
  output ?? join(import.meta.dirname, '..', 'controlplane', 'apiserver', 'builtin-schemas', 'schemas.json');
const text = `${JSON.stringify({ source, schemas: sorted }, null, 1)}\n`;
writeFileSync(out, text);
console.log(`schemas: ${Object.keys(sorted).length} definitions, ${text.length} bytes`);
