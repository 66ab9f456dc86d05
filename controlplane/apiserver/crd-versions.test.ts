/**
 * Multi-version CRDs over HTTP and with the real kubectl: objects are stored in the storage
 * version and served in the version asked for (strategy None), storedVersions records every
 * storage version, and a Webhook strategy fails clearly where a conversion is needed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  kubectl,
  kubectlEnv,
  startTestServer,
  type TestServer,
} from '../../test/harness/cluster/apiserver.js';

let t: TestServer;
let env: { kubeconfig: string; home: string };

const schema = (extra: Record<string, unknown>) => ({
  openAPIV3Schema: {
    type: 'object',
    properties: {
      spec: { type: 'object', properties: { size: { type: 'integer' }, ...extra } },
    },
  },
});

function widgetsCrd(storage: 'v1' | 'v1alpha1', conversion?: Record<string, unknown>, kind = 'Widget') {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.example.com` },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      ...(conversion ? { conversion } : {}),
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: storage === 'v1alpha1',
          schema: schema({ legacy: { type: 'string' } }),
          additionalPrinterColumns: [{ name: 'Legacy', type: 'string', jsonPath: '.spec.legacy' }],
        },
        {
          name: 'v1',
          served: true,
          storage: storage === 'v1',
          schema: schema({ color: { type: 'string' } }),
          additionalPrinterColumns: [{ name: 'Color', type: 'string', jsonPath: '.spec.color' }],
          selectableFields: [{ jsonPath: '.spec.color' }],
          subresources: { scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
        },
      ],
    },
  };
}

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const at = (version: string, rest = '') => `/apis/example.com/${version}/namespaces/default/widgets${rest}`;
const widget = (version: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: `example.com/${version}`,
  kind: 'Widget',
  metadata: { name },
  spec,
});

function apply(name: string, doc: unknown) {
  const file = join(t.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return kubectl(env, ['apply', '-f', file]);
}

async function storedApiVersion(name: string): Promise<unknown> {
  const kv = await t.server.store.get(`/registry/example.com/widgets/default/${name}`);
  return kv ? (JSON.parse(kv.value) as { apiVersion: unknown }).apiVersion : undefined;
}

beforeAll(async () => {
  t = await startTestServer();
  env = kubectlEnv(t);
  const created = await call(t.server, 'POST', CRDS, { body: widgetsCrd('v1') });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await t?.stop();
});

describe('CRD versions (strategy None)', () => {
  it('kubectl: created as v1alpha1, stored as v1, read as either; a list is in one version', async () => {
    const a = await apply('a', widget('v1alpha1', 'a', { size: 3, legacy: 'old' }));
    expect(a.stderr).toBe('');
    expect(a.stdout).toContain('widget.example.com/a created');
    expect(await storedApiVersion('a')).toBe('example.com/v1');
    const b = await apply('b', widget('v1', 'b', { size: 5, color: 'red' }));
    expect(b.code).toBe(0);

    const asV1 = await kubectl(env, ['get', 'widgets.v1.example.com', 'a', '-o', 'json']);
    expect(asV1.code).toBe(0);
    const v1 = JSON.parse(asV1.stdout) as { apiVersion: string; spec: Record<string, unknown> };
    // None keeps every field both versions declare; v1's schema prunes what only v1alpha1 has.
    expect(v1.apiVersion).toBe('example.com/v1');
    expect(v1.spec).toEqual({ size: 3 });

    const list = await kubectl(env, ['get', 'widgets.v1alpha1.example.com', '-o', 'json']);
    expect(list.code).toBe(0);
    const items = (JSON.parse(list.stdout) as { items: { apiVersion: string; metadata: { name: string } }[] })
      .items;
    expect(items.map((i) => [i.metadata.name, i.apiVersion])).toEqual([
      ['a', 'example.com/v1alpha1'],
      ['b', 'example.com/v1alpha1'],
    ]);
    const listV1 = await call(t.server, 'GET', at('v1'));
    expect((listV1.json.items as { apiVersion: string }[]).map((i) => i.apiVersion)).toEqual([
      'example.com/v1',
      'example.com/v1',
    ]);

    // Without a version kubectl asks for the preferred one: v1 ranks above v1alpha1.
    const group = await call(t.server, 'GET', '/apis/example.com');
    expect(group.json.preferredVersion).toEqual({ groupVersion: 'example.com/v1', version: 'v1' });
    const plain = await kubectl(env, ['get', 'widgets', 'a', '-o', 'json']);
    expect(JSON.parse(plain.stdout)).toMatchObject({ apiVersion: 'example.com/v1' });

    // Printer columns are the requested version's.
    const alpha = await kubectl(env, ['get', 'widgets.v1alpha1.example.com']);
    expect(alpha.stdout.split('\n')[0]).toMatch(/^NAME\s+LEGACY$/);
    const one = await kubectl(env, ['get', 'widgets.v1.example.com']);
    expect(one.stdout.split('\n')[0]).toMatch(/^NAME\s+COLOR$/);
    expect(one.stdout).toMatch(/\nb\s+red\s+/);
  });

  it('answers a write in the version of its URL and validates it with that version’s schema', async () => {
    const created = await call(t.server, 'POST', at('v1alpha1'), {
      body: widget('v1alpha1', 'c', { size: 1, legacy: 'x' }),
    });
    expect(created.status).toBe(201);
    // Stored as v1 (legacy pruned there), answered as v1alpha1: what a read returns.
    expect(created.json.apiVersion).toBe('example.com/v1alpha1');
    expect(created.json.spec).toEqual({ size: 1 });
    expect(await storedApiVersion('c')).toBe('example.com/v1');

    const patched = await call(t.server, 'PATCH', at('v1alpha1', '/c'), {
      body: { spec: { size: 2 } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ apiVersion: 'example.com/v1alpha1', spec: { size: 2 } });
    expect(await storedApiVersion('c')).toBe('example.com/v1');

    const bad = await call(t.server, 'POST', at('v1alpha1'), {
      body: widget('v1alpha1', 'd', { size: 'big' }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain('spec.size');
  });

  it('field selectors and the scale subresource follow the requested version', async () => {
    const red = await call(t.server, 'GET', at('v1', '?fieldSelector=spec.color%3Dred'));
    expect(red.status).toBe(200);
    expect((red.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(['b']);
    // v1alpha1 declares no selectable fields.
    const alpha = await call(t.server, 'GET', at('v1alpha1', '?fieldSelector=spec.color%3Dred'));
    expect(alpha.status).toBe(400);

    const scale = await call(t.server, 'GET', at('v1', '/a/scale'));
    expect(scale.status).toBe(200);
    expect(scale.json.spec).toEqual({ replicas: 3 });
    const noScale = await call(t.server, 'GET', at('v1alpha1', '/a/scale'));
    expect(noScale.status).toBe(404);
  });

  it('a watch on v1alpha1 sees objects written as v1 converted', async () => {
    const list = await call(t.server, 'GET', at('v1alpha1'));
    const rv = (list.json.metadata as { resourceVersion: string }).resourceVersion;
    const watching = call(
      t.server,
      'GET',
      at('v1alpha1', `?watch=true&resourceVersion=${rv}&timeoutSeconds=2`),
    );
    const watchingV1 = call(t.server, 'GET', at('v1', `?watch=true&resourceVersion=${rv}&timeoutSeconds=2`));
    await new Promise((r) => setTimeout(r, 300));
    const created = await call(t.server, 'POST', at('v1'), {
      body: widget('v1', 'w', { size: 9, color: 'blue' }),
    });
    expect(created.status).toBe(201);
    const events = (await watching).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { apiVersion: string; spec: unknown } });
    expect(events).toEqual([
      {
        type: 'ADDED',
        object: expect.objectContaining({ apiVersion: 'example.com/v1alpha1', spec: { size: 9 } }),
      },
    ]);
    const eventsV1 = (await watchingV1).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { apiVersion: string } });
    expect(eventsV1.map((e) => [e.type, e.object.apiVersion])).toEqual([['ADDED', 'example.com/v1']]);
  });

  it('a new storage version: new writes use it, old objects still read, storedVersions grows', async () => {
    const crd = await call(t.server, 'GET', `${CRDS}/widgets.example.com`);
    expect((crd.json.status as { storedVersions: string[] }).storedVersions).toEqual(['v1']);
    expect((crd.json.spec as { conversion: unknown }).conversion).toEqual({ strategy: 'None' });

    const switched = await apply('crd-alpha', widgetsCrd('v1alpha1'));
    expect(switched.code).toBe(0);
    expect(switched.stdout).toContain('configured');
    const after = await call(t.server, 'GET', `${CRDS}/widgets.example.com`);
    expect((after.json.status as { storedVersions: string[] }).storedVersions).toEqual(['v1', 'v1alpha1']);

    const e = await apply('e', widget('v1', 'e', { size: 4, color: 'green' }));
    expect(e.code).toBe(0);
    expect(await storedApiVersion('e')).toBe('example.com/v1alpha1');
    expect(await storedApiVersion('a')).toBe('example.com/v1');
    const old = await kubectl(env, ['get', 'widgets.v1alpha1.example.com', 'a', '-o', 'json']);
    expect(JSON.parse(old.stdout)).toMatchObject({ apiVersion: 'example.com/v1alpha1', spec: { size: 3 } });
    const fresh = await call(t.server, 'GET', at('v1', '/e'));
    expect(fresh.json).toMatchObject({ apiVersion: 'example.com/v1', spec: { size: 4 } });

    // A PUT of the CRD without status keeps the list; a storedVersion not in spec.versions is refused.
    const put = await call(t.server, 'PUT', `${CRDS}/widgets.example.com`, {
      body: { ...widgetsCrd('v1alpha1'), metadata: after.json.metadata },
    });
    expect(put.status).toBe(200);
    expect((put.json.status as { storedVersions: string[] }).storedVersions).toEqual(['v1', 'v1alpha1']);
    const status = put.json.status as Record<string, unknown>;
    const bad = await call(t.server, 'PUT', `${CRDS}/widgets.example.com/status`, {
      body: { ...put.json, status: { ...status, storedVersions: ['v1alpha1', 'v2'] } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain(
      'status.storedVersions[1]: Invalid value: "v2": must appear in spec.versions',
    );
  });
});

describe('CRD defaults on read', () => {
  it('an object stored before its schema gained a default is read with it', async () => {
    const things = (withDefault: boolean) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Thing', plural: 'things', singular: 'thing', listKind: 'ThingList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: schema({ mode: { type: 'string', ...(withDefault ? { default: 'auto' } : {}) } }),
          },
        ],
      },
    });
    expect((await apply('things', things(false))).code).toBe(0);
    const path = '/apis/example.com/v1/namespaces/default/things';
    const created = await call(t.server, 'POST', path, {
      body: { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec: { size: 1 } },
    });
    expect(created.status).toBe(201);
    expect((await apply('things', things(true))).code).toBe(0);
    const read = await call(t.server, 'GET', `${path}/t`);
    expect(read.json.spec).toEqual({ size: 1, mode: 'auto' });
    const raw = await t.server.store.get('/registry/example.com/things/default/t');
    expect((JSON.parse(raw?.value ?? '{}') as { spec: unknown }).spec).toEqual({ size: 1 });
  });
});

describe('CRD versions (strategy Webhook)', () => {
  const gadgets = (version: string, rest = '') =>
    `/apis/example.com/${version}/namespaces/default/gadgets${rest}`;
  const webhook = {
    strategy: 'Webhook',
    webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://127.0.0.1:9/convert' } },
  };

  it('needs no webhook when the stored version is the one asked for, fails clearly otherwise', async () => {
    const created = await call(t.server, 'POST', CRDS, { body: widgetsCrd('v1', webhook, 'Gadget') });
    expect(created.status).toBe(201);
    const ok = await call(t.server, 'POST', gadgets('v1'), {
      body: { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 1 } },
    });
    expect(ok.status).toBe(201);
    expect((await call(t.server, 'GET', gadgets('v1', '/g'))).json.apiVersion).toBe('example.com/v1');

    const read = await call(t.server, 'GET', gadgets('v1alpha1', '/g'));
    expect(read.status).toBe(500);
    expect(read.json).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    expect(read.json.message).toContain('conversion webhook for example.com/v1, Kind=Gadget failed');
    expect(read.json.message).toContain('gadgets.example.com');
    expect(read.json.message).toContain('not called');
    expect((await call(t.server, 'GET', gadgets('v1alpha1'))).status).toBe(500);

    const write = await call(t.server, 'POST', gadgets('v1alpha1'), {
      body: {
        apiVersion: 'example.com/v1alpha1',
        kind: 'Gadget',
        metadata: { name: 'h' },
        spec: { size: 1 },
      },
    });
    expect(write.status).toBe(500);
    expect(await t.server.store.get('/registry/example.com/gadgets/default/h')).toBeUndefined();

    // A watch whose first object needs converting fails before it starts; one that meets such
    // an object later gets the failure as an in-stream ERROR and ends.
    const early = await call(t.server, 'GET', gadgets('v1alpha1', '?watch=true&timeoutSeconds=5'));
    expect(early.status).toBe(500);
    expect(early.json.message).toContain('gadgets.example.com');
    const ns = await call(t.server, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'other' } } });
    expect(ns.status).toBe(201);
    const inOther = (version: string, q = '') => `/apis/example.com/${version}/namespaces/other/gadgets${q}`;
    const watching = call(t.server, 'GET', inOther('v1alpha1', '?watch=true&timeoutSeconds=5'));
    await new Promise((r) => setTimeout(r, 300));
    const more = await call(t.server, 'POST', inOther('v1'), {
      body: { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'i' }, spec: { size: 1 } },
    });
    expect(more.status).toBe(201);
    const started = Date.now();
    const streamed = await watching;
    expect(streamed.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    const events = streamed.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
    expect(events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({ kind: 'Status', reason: 'InternalError', code: 500 }),
      },
    ]);
    expect(events[0]?.object.message).toContain('gadgets.example.com');

    const k = await kubectl(env, ['get', 'gadgets.v1alpha1.example.com', 'g']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('conversion webhook for example.com/v1, Kind=Gadget failed');

    const missing = await call(t.server, 'POST', CRDS, {
      body: widgetsCrd('v1', { strategy: 'Webhook' }, 'Doohickey'),
    });
    expect(missing.status).toBe(422);
    expect(missing.json.message).toContain('spec.conversion.webhook: Required value');
  });
});
