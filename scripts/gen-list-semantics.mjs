#!/usr/bin/env node
/**
 * Writes controlplane/apiserver/list-semantics/upstream-excerpt.json from Kubernetes' published
 * OpenAPI v2 document (api/openapi-spec/swagger.json of a release):
 *
 *   node scripts/gen-list-semantics.mjs <swagger.json> "<source description>"
 *
 * The excerpt keeps, for every definition reachable from a kind of the served group-versions,
 * only what the list-semantics table is derived from: group-version-kinds, map types and the
 * non-scalar properties with their refs and x-kubernetes-* list annotations. Then
 * `UPDATE_LIST_SEMANTICS=1 vitest run controlplane/apiserver/list-semantics.test.ts` rewrites
 * table.json from it; without the variable that test fails whenever the two disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP_VERSIONS, META_KINDS } from './served-group-versions.mjs';

const SKIP_KINDS = new Set(['List', ...META_KINDS]);
const LIST_KEYS = [
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-map-type',
];

const [file, source] = process.argv.slice(2);
if (!file || !source) throw new Error('usage: gen-list-semantics.mjs <swagger.json> "<source>"');
const spec = JSON.parse(readFileSync(file, 'utf8'));
const defs = spec.definitions;
const refName = (r) => r.replace('#/definitions/', '');

function refOf(p) {
  if (p.$ref) return refName(p.$ref);
  if (p.allOf?.[0]?.$ref) return refName(p.allOf[0].$ref);
  return undefined;
}

/** The excerpt of one property: type, refs and list annotations only. */
function excerptProp(p) {
  const out = {};
  for (const k of ['type', '$ref', 'allOf']) if (p[k] !== undefined) out[k] = p[k];
  if (p.items) out.items = excerptProp(p.items);
  if (p.additionalProperties && typeof p.additionalProperties === 'object')
    out.additionalProperties = excerptProp(p.additionalProperties);
  for (const k of LIST_KEYS) if (p[k] !== undefined) out[k] = p[k];
  return out;
}
const interesting = (p) =>
  refOf(p) !== undefined ||
  p.type === 'array' ||
  (p.type === 'object' && typeof p.additionalProperties === 'object');

const excerpt = {};
const queue = [];
for (const [name, d] of Object.entries(defs)) {
  const gvks = (d['x-kubernetes-group-version-kind'] ?? []).filter((g) =>
    GROUP_VERSIONS.has(g.group ? `${g.group}/${g.version}` : g.version),
  );
  if (gvks.length === 0 || SKIP_KINDS.has(gvks[0].kind) || gvks[0].kind.endsWith('List')) continue;
  if (!d.properties?.metadata && gvks[0].kind !== 'Scale') continue;
  queue.push(name);
}
while (queue.length > 0) {
  const name = queue.shift();
  if (excerpt[name] || !defs[name]) continue;
  const d = defs[name];
  const e = {};
  if (d['x-kubernetes-group-version-kind'])
    e['x-kubernetes-group-version-kind'] = d['x-kubernetes-group-version-kind'];
  if (d['x-kubernetes-map-type']) e['x-kubernetes-map-type'] = d['x-kubernetes-map-type'];
  const props = {};
  for (const [pn, p] of Object.entries(d.properties ?? {})) {
    if (!interesting(p)) continue;
    props[pn] = excerptProp(p);
    for (const sub of [p, p.items, p.additionalProperties]) {
      if (sub && typeof sub === 'object') {
        const r = refOf(sub);
        if (r) queue.push(r);
      }
    }
  }
  e.properties = props;
  excerpt[name] = e;
}
const sorted = Object.fromEntries(
  Object.keys(excerpt)
    .sort()
    .map((k) => [k, excerpt[k]]),
);

const dir = join(import.meta.dirname, '..', 'controlplane', 'apiserver', 'list-semantics');
writeFileSync(
  join(dir, 'upstream-excerpt.json'),
  `${JSON.stringify({ source, definitions: sorted }, null, 1)}\n`,
);
console.log(`excerpt: ${Object.keys(sorted).length} definitions`);
