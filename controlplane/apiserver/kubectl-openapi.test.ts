import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/harness/cluster/apiserver.js';
import { useTestServer } from './testing/harness.js';

const h = useTestServer();
const { k, file } = h;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A gadget.
        properties:
          spec:
            type: object
            description: What the gadget should be.
            required: [size, note]
            properties:
              size: {type: integer, description: How big., minimum: 1}
              note: {type: string, nullable: true}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {a: {type: string}}}
              tags: {type: array, items: {type: string}}
              mode: {type: string, enum: [fast, slow], default: fast}
`;

beforeAll(async () => {
  const r = await k('apply', '-f', file('crd.yaml', CRD));
  if (r.code !== 0) throw new Error(r.stderr);
  // The new type is served once the CRD is established.
  for (let i = 0; i < 50; i++) {
    const d = await call(h.t.server, 'GET', '/apis/example.com/v1');
    if (d.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
});

describe('kubectl apply -f with a kind the server does not serve', () => {
  it('reports `no matches for kind` for that document, applies the others, exits 1', async () => {
    const multi = `apiVersion: v1
kind: ConfigMap
metadata: {name: before}
data: {a: b}
---
apiVersion: nowhere.example.com/v1
kind: Sprocket
metadata: {name: s1}
spec: {x: 1}
---
apiVersion: v1
kind: Bogus
metadata: {name: b1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: after}
data: {a: b}
`;
    const r = await k('apply', '-f', file('multi.yaml', multi));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('configmap/before created\nconfigmap/after created\n');
    expect(r.stderr).toContain('no matches for kind "Sprocket" in version "nowhere.example.com/v1"');
    expect(r.stderr).toContain('no matches for kind "Bogus" in version "v1"');
    expect(r.stderr).not.toContain('error validating');
    for (const name of ['before', 'after']) {
      expect((await call(h.t.server, 'GET', `/api/v1/namespaces/default/configmaps/${name}`)).status).toBe(
        200,
      );
    }
  });

  it.each([
    [['create'], 'created'],
    [['apply', '--server-side'], 'serverside-applied'],
  ])('kubectl %s -f does the same', async (verb, done) => {
    for (const name of ['before', 'after']) {
      await call(h.t.server, 'DELETE', `/api/v1/namespaces/default/configmaps/${name}`);
    }
    const r = await k(...verb, '-f', join(h.t.dir, 'multi.yaml'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`configmap/before ${done}\nconfigmap/after ${done}\n`);
    expect(r.stderr).toContain('no matches for kind "Sprocket" in version "nowhere.example.com/v1"');
  });
});

describe('kind: List, validated client-side against /openapi/v2', () => {
  const list = (gadgetSpec: string) => `apiVersion: v1
kind: List
items:
- apiVersion: example.com/v1
  kind: Gadget
  metadata: {name: listed}
  spec: ${gadgetSpec}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed}
  data: {a: b}
`;

  it('a valid list applies; nullable, int-or-string and preserve-unknown-fields values pass', async () => {
    const r = await k(
      'apply',
      '-f',
      file('list.yaml', list('{size: 2, note: "n", port: http, extra: {zz: 1}, tags: [a]}')),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('gadget.example.com/listed created\nconfigmap/listed created\n');
  });

  it('an unknown field in a custom resource is refused by kubectl before anything is sent', async () => {
    const r = await k('apply', '-f', file('list-bad.yaml', list('{size: 2, note: "n", bogus: 1}')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown field "bogus" in com.example.v1.Gadget.spec');
    const stored = await call(h.t.server, 'GET', '/apis/example.com/v1/namespaces/default/gadgets/listed');
    expect((stored.json.spec as Record<string, unknown>).bogus).toBeUndefined();
  });
});

describe('kubectl explain', () => {
  it('reads a custom resource from /openapi/v2 (protobuf) as it does from /openapi/v3', async () => {
    const v2 = await k('explain', 'gadgets.spec', '--output=plaintext-openapiv2');
    expect(v2.stderr).toBe('');
    expect(v2.stdout).toMatch(/^KIND:\s+Gadget$/m);
    expect(v2.stdout).toMatch(/^VERSION:\s+example\.com\/v1$/m);
    expect(v2.stdout).toMatch(/^\s+What the gadget should be\.$/m);
    expect(v2.stdout).toMatch(/^\s+size\s+<integer> -required-$/m);
    expect(v2.stdout).toMatch(/^\s+tags\s+<\[\]string>$/m);
    // Nullable: untyped in v2 and no longer required (kube-apiserver does the same).
    expect(v2.stdout).toMatch(/^\s+note\s+<>$/m);
    const v3 = await k('explain', 'gadgets.spec');
    expect(v3.stderr).toBe('');
    for (const f of ['extra', 'mode', 'note', 'port', 'size', 'tags']) {
      expect(v2.stdout).toMatch(new RegExp(`^\\s+${f}\\s+<`, 'm'));
      expect(v3.stdout).toMatch(new RegExp(`^\\s+${f}\\s+<`, 'm'));
    }
  });
});

describe('GET /openapi/v2', () => {
  const PROTO = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

  it('JSON: Swagger 2.0 with the same kinds as /openapi/v3 and each schema converted', async () => {
    const r = await call(h.t.server, 'GET', '/openapi/v2', { accept: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json.swagger).toBe('2.0');
    const definitions = r.json.definitions as Record<string, Record<string, unknown>>;
    const gadget = definitions['com.example.v1.Gadget'] as Record<string, unknown>;
    expect(gadget['x-kubernetes-group-version-kind']).toEqual([
      { group: 'example.com', version: 'v1', kind: 'Gadget' },
    ]);
    const spec = (gadget.properties as Record<string, Record<string, unknown>>).spec as Record<
      string,
      unknown
    >;
    expect(spec.required).toEqual(['size']);
    const props = spec.properties as Record<string, unknown>;
    expect(props.note).toEqual({});
    expect(props.extra).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(props.port).toEqual({ 'x-kubernetes-int-or-string': true });

    // Every kind /openapi/v3 lists with a PATCH operation is in v2 with the same path and GVK.
    const index = (await call(h.t.server, 'GET', '/openapi/v3')).json.paths as Record<
      string,
      { serverRelativeURL: string }
    >;
    const v2paths = r.json.paths as Record<string, { patch?: Record<string, unknown> }>;
    let kinds = 0;
    for (const { serverRelativeURL } of Object.values(index)) {
      const gv = (await call(h.t.server, 'GET', serverRelativeURL)).json;
      for (const [path, item] of Object.entries(
        gv.paths as Record<string, { patch: Record<string, unknown> }>,
      )) {
        const p2 = v2paths[path]?.patch;
        expect(p2?.['x-kubernetes-group-version-kind']).toEqual(
          item.patch['x-kubernetes-group-version-kind'],
        );
        expect(p2?.parameters).toEqual([{ name: 'fieldValidation', in: 'query', type: 'string' }]);
        kinds++;
      }
      const schemas = (gv.components as { schemas: Record<string, unknown> }).schemas;
      for (const name of Object.keys(schemas)) expect(definitions[name]).toBeDefined();
    }
    expect(kinds).toBe(Object.keys(v2paths).length);
    expect(kinds).toBeGreaterThan(20);
  });

  it('protobuf when asked as client-go asks, one ETag for both forms, 304 on If-None-Match, 406 otherwise', async () => {
    const pb = await call(h.t.server, 'GET', '/openapi/v2', { accept: PROTO });
    expect(pb.status).toBe(200);
    expect(pb.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(pb.headers.vary).toBe('Accept');
    const json = await call(h.t.server, 'GET', '/openapi/v2', { accept: 'application/json' });
    const etag = pb.headers.etag as string;
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect(json.headers.etag).toBe(etag);
    expect(pb.text.startsWith('\n\x032.0')).toBe(true);
    // Conditional GET, as kubectl's HTTP cache under --cache-dir revalidates.
    const again = await call(h.t.server, 'GET', '/openapi/v2', {
      accept: PROTO,
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await call(h.t.server, 'GET', '/openapi/v2', { accept: 'text/html' })).status).toBe(406);
  });
});
