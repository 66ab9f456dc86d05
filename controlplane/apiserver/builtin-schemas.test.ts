/**
 * The built-in kinds' schemas: the generator's rules on a small hand-written Swagger document,
 * the committed data (well-formed, no prose, every served kind), what /openapi/v3 and
 * /openapi/v2 serve from it, and strict field validation driven by it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import data from './builtin-schemas/schemas.json' with { type: 'json' };
import { BUILTIN_SCHEMAS_SOURCE, builtinSchemaName } from './builtin-schemas.js';
import { BUILTIN_RESOURCES } from './resources.js';

const schemas = (data as { schemas: unknown }).schemas as Record<string, JsonObject>;

/** Calls `visit` on every schema node (not on property names). */
function eachSchema(s: Json, visit: (node: JsonObject) => void): void {
  if (!isJsonObject(s)) return;
  visit(s);
  if (isJsonObject(s.properties)) for (const p of Object.values(s.properties)) eachSchema(p, visit);
  for (const k of ['items', 'additionalProperties'] as const) eachSchema(s[k] ?? null, visit);
  for (const k of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = s[k];
    if (Array.isArray(list)) for (const x of list) eachSchema(x, visit);
  }
}

describe('scripts/gen-builtin-schemas.mjs', () => {
  it('keeps structure reachable from served kinds, drops descriptions, wraps described refs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-schemas-'));
    try {
      const ref = (n: string) => ({ $ref: `#/definitions/${n}` });
      const swagger = {
        definitions: {
          'io.k8s.api.apps.v1.Widget': {
            description: 'prose',
            type: 'object',
            required: ['spec'],
            'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Widget' }],
            properties: {
              description: { type: 'string', description: 'a field named description stays' },
              spec: { ...ref('io.k8s.api.apps.v1.WidgetSpec'), description: 'prose' },
              parts: {
                type: 'array',
                items: ref('io.k8s.api.apps.v1.Part'),
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['name'],
                'x-kubernetes-patch-merge-key': 'name',
                'x-kubernetes-patch-strategy': 'merge',
              },
            },
          },
          'io.k8s.api.apps.v1.WidgetSpec': {
            type: 'object',
            properties: { size: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString') },
          },
          'io.k8s.api.apps.v1.Part': { type: 'object', properties: { name: { type: 'string' } } },
          'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
          'io.k8s.api.apps.v1.WidgetList': {
            type: 'object',
            'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'WidgetList' }],
          },
          'io.k8s.api.other.v9.Unserved': {
            type: 'object',
            'x-kubernetes-group-version-kind': [{ group: 'other', version: 'v9', kind: 'Unserved' }],
          },
          'io.k8s.api.apps.v1.Unreached': { type: 'object' },
        },
      };
      writeFileSync(join(dir, 'swagger.json'), JSON.stringify(swagger));
      const out = join(dir, 'out.json');
      execFileSync(process.execPath, [
        join(import.meta.dirname, '..', '..', 'scripts', 'gen-builtin-schemas.mjs'),
        join(dir, 'swagger.json'),
        'test source',
        out,
      ]);
      const v3 = (n: string) => ({ $ref: `#/components/schemas/${n}` });
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
        source: 'test source',
        schemas: {
          'io.k8s.api.apps.v1.Part': { type: 'object', properties: { name: { type: 'string' } } },
          'io.k8s.api.apps.v1.Widget': {
            type: 'object',
            required: ['spec'],
            'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Widget' }],
            properties: {
              description: { type: 'string' },
              spec: { allOf: [v3('io.k8s.api.apps.v1.WidgetSpec')] },
              parts: {
                type: 'array',
                items: v3('io.k8s.api.apps.v1.Part'),
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['name'],
                'x-kubernetes-patch-merge-key': 'name',
                'x-kubernetes-patch-strategy': 'merge',
              },
            },
          },
          'io.k8s.api.apps.v1.WidgetSpec': {
            type: 'object',
            properties: { size: v3('io.k8s.apimachinery.pkg.util.intstr.IntOrString') },
          },
          'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
            format: 'int-or-string',
            oneOf: [{ type: 'integer' }, { type: 'string' }],
          },
        },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('builtin-schemas/schemas.json', () => {
  it('names its source: release-1.32 at a commit', () => {
    expect(BUILTIN_SCHEMAS_SOURCE).toMatch(/release-1\.32.* at commit [0-9a-f]{40}$/);
  });

  it('carries no descriptions, and every reference resolves', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      eachSchema(schema, (node) => {
        expect(node, name).not.toHaveProperty('description');
        if (typeof node.$ref === 'string') {
          expect(node.$ref.startsWith('#/components/schemas/'), node.$ref).toBe(true);
          expect(schemas, node.$ref).toHaveProperty([node.$ref.slice('#/components/schemas/'.length)]);
        }
      });
    }
  });

  it('has a schema for every served built-in kind, under kube-apiserver names', () => {
    for (const r of BUILTIN_RESOURCES) {
      if (r.virtual) continue;
      expect(
        builtinSchemaName(r.group, r.version, r.kind),
        `${r.group}/${r.version} ${r.kind}`,
      ).toBeDefined();
    }
    expect(builtinSchemaName('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(builtinSchemaName('apps', 'v1', 'Deployment')).toBe('io.k8s.api.apps.v1.Deployment');
  });

  it('stays small', () => {
    const size = readFileSync(join(import.meta.dirname, 'builtin-schemas', 'schemas.json')).length;
    expect(size).toBeLessThan(400_000);
  });
});

describe('served', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('/openapi/v3/apis/apps/v1 carries Deployment and everything it references', async () => {
    const r = await call(t.server, 'GET', '/openapi/v3/apis/apps/v1');
    expect(r.status).toBe(200);
    const got = (r.json.components as { schemas: Record<string, JsonObject> }).schemas;
    const d = got['io.k8s.api.apps.v1.Deployment'];
    expect(d?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    expect(got).toHaveProperty(['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    expect(got).toHaveProperty(['io.k8s.api.autoscaling.v1.Scale']);
    expect(got['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toEqual({ type: 'string', format: 'date-time' });
    for (const s of Object.values(got)) {
      eachSchema(s, (node) => {
        if (typeof node.$ref === 'string') expect(got).toHaveProperty([node.$ref.split('/').pop() as string]);
      });
    }
    expect(got).not.toHaveProperty(['io.k8s.api.core.v1.Service']);
  });

  it('/openapi/v2 has the same definitions in v2 form', async () => {
    const r = await call(t.server, 'GET', '/openapi/v2', { accept: 'application/json' });
    expect(r.status).toBe(200);
    const defs = r.json.definitions as Record<string, JsonObject>;
    expect(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({
      type: 'string',
      format: 'int-or-string',
    });
    expect(defs['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({ type: 'string' });
    const spec = defs['io.k8s.api.core.v1.PodSpec']?.properties as Record<string, JsonObject>;
    expect(spec.containers).toEqual({
      type: 'array',
      items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(spec.affinity).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.Affinity' });
  });

  it('fieldValidation=Strict names an unknown field of any built-in kind by path and index', async () => {
    const post = (path: string, body: unknown) =>
      call(t.server, 'POST', `${path}?fieldValidation=Strict`, { body });
    const lease = await post('/apis/coordination.k8s.io/v1/namespaces/default/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', labels: { any: 'thing' } },
      spec: { holderIdentity: 'a', bogus: 1 },
    });
    expect(lease.status).toBe(400);
    expect(lease.json.message).toBe('strict decoding error: unknown field "spec.bogus"');
    const svc = await post('/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }, { port: 81, targetPort: 'x', nodeport: 3 }] },
    });
    expect(svc.json.message).toBe('strict decoding error: unknown field "spec.ports[1].nodeport"');
    const crd = await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'things', kind: 'Thing' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, default: { a: 1 } },
                },
              },
            },
          },
        ],
      },
    });
    expect(crd.status, crd.text).toBe(201);
  });
});
