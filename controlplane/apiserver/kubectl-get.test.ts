/**
 * The real kubectl 1.32 against a real server: `-o yaml|json|name` of every served kind, the
 * columns kubectl prints (CRD printer columns too), typed creates (protobuf bodies), subresource
 * gets, and `apply --server-side` next to other writers.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestServer } from './testing/harness.js';
import { applyWeb, DEPLOY } from './testing/web-deployment.js';

const h = useTestServer({ setup: applyWeb });
const { k, file, stored } = h;

describe('get: every served kind as yaml, and the columns kubectl prints', () => {
  it('-o yaml, -o json and -o name work for every kind', async () => {
    const kinds = [
      'namespaces',
      'nodes',
      'pods',
      'services',
      'endpoints',
      'secrets',
      'configmaps',
      'events',
      'serviceaccounts',
      'deployments',
      'replicasets',
      'daemonsets',
      'endpointslices',
      'ingresses',
      'ingressclasses',
      'leases',
      'customresourcedefinitions',
    ];
    for (const kind of kinds) {
      const yaml = await k('get', kind, '-A', '-o', 'yaml');
      expect(yaml.stderr, kind).toBe('');
      expect(yaml.stdout, kind).toMatch(/^apiVersion: v1\nitems:/);
    }
    const one = await k('get', 'svc', 'kubernetes', '-o', 'yaml');
    expect(one.stdout).toMatch(/^apiVersion: v1\nkind: Service\n/);
    expect(one.stdout).toContain('clusterIP: 10.96.0.1');
  });

  it('metadata.generation only on kinds whose strategy keeps one', async () => {
    expect((await k('create', 'configmap', 'gen', '--from-literal=a=1')).code).toBe(0);
    const cm = await stored('/api/v1/namespaces/default/configmaps/gen');
    expect(cm.metadata).not.toHaveProperty('generation');
    expect((await k('label', 'cm', 'gen', 'x=y')).code).toBe(0);
    expect((await stored('/api/v1/namespaces/default/configmaps/gen')).metadata).not.toHaveProperty(
      'generation',
    );
    expect((await stored('/api/v1/namespaces/default/services/kubernetes')).metadata).not.toHaveProperty(
      'generation',
    );
    expect((await k('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}')).stdout).toMatch(
      /^\d+$/,
    );
  });

  it('configmaps, secrets and endpoints print their kubectl columns', async () => {
    await k('create', 'configmap', 'cols', '--from-literal=a=1', '--from-literal=b=2');
    await k('create', 'secret', 'generic', 'cols', '--from-literal=x=y');
    const out = await k('get', 'cm/cols', 'secret/cols', 'ep/kubernetes');
    expect(out.stdout).toMatch(/^NAME\s+DATA\s+AGE\nconfigmap\/cols\s+2\s+\d+s$/m);
    expect(out.stdout).toMatch(/^secret\/cols\s+Opaque\s+1\s+\d+s$/m);
    expect(out.stdout).toMatch(/^endpoints\/kubernetes\s+127\.0\.0\.1:\d+\s+/m);
  });

  it('a CRD prints CREATED AT; its objects print their additionalPrinterColumns', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}, color: {type: string}}}
          status:
            type: object
            properties:
              conditions:
                type: array
                items: {type: object, properties: {type: {type: string}, status: {type: string}}}
    selectableFields:
    - {jsonPath: .spec.color}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;
    expect((await k('apply', '-f', file('crd.yaml', crd))).code).toBe(0);
    const crds = await k('get', 'crd');
    expect(crds.stdout).toMatch(
      /^NAME\s+CREATED AT\nwidgets\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m,
    );
    const widget = (name: string, size: number, ready: string) =>
      `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}}\nspec: {size: ${size}}\nstatus: {conditions: [{type: Ready, status: "${ready}"}]}\n`;
    // The new type is served once the CRD is established: retry the first apply briefly.
    let r = await k('apply', '-f', file('w1.yaml', widget('w1', 3, 'True')));
    for (let i = 0; r.code !== 0 && i < 20; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await k('apply', '-f', join(h.t.dir, 'w1.yaml'));
    }
    expect(r.stderr).toBe('');
    const got = await k('get', 'wd');
    expect(got.stdout).toMatch(/^NAME\s+SIZE\s+READY\s+AGE\nw1\s+3\s+(True)?\s+\d+s$/m);
    // The CRD's schema is published in /openapi/v3, so kubectl explain works for it.
    const explain = await k('explain', 'widgets.spec');
    expect(explain.stderr).toBe('');
    expect(explain.stdout).toMatch(/^KIND:\s+Widget$/m);
    expect(explain.stdout).toMatch(/^\s+size\s+<integer>$/m);
    // selectableFields make spec.color a field selector (KEP-4358).
    const blue = `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue}\nspec: {size: 1, color: blue}\n`;
    expect((await k('apply', '-f', file('blue.yaml', blue))).code).toBe(0);
    const selected = await k('get', 'wd', '--field-selector', 'spec.color=blue', '-o', 'name');
    expect(selected.stdout.trim()).toBe('widget.example.com/blue');
    // Unknown fields: refused under kubectl's default Strict validation, pruned with --validate=false.
    const bogus = `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: bogus}\nspec: {size: 1, bogus: 2}\n`;
    const strict = await k('apply', '-f', file('bogus.yaml', bogus));
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
    expect((await k('apply', '--validate=false', '-f', join(h.t.dir, 'bogus.yaml'))).code).toBe(0);
    expect((await stored('/apis/example.com/v1/namespaces/default/widgets/bogus')).spec).toEqual({ size: 1 });
    const unselectable = await k('get', 'wd', '--field-selector', 'spec.size=1');
    expect(unselectable.stderr).toContain('field label not supported: spec.size');
    const bad = crd.replace('jsonPath: .spec.size', 'jsonPath: "spec size"');
    const rejected = await k('apply', '-f', file('crd-bad.yaml', bad));
    expect(rejected.stderr).toContain('additionalPrinterColumns[0].jsonPath');
  });
});

describe('more typed creates (protobuf bodies) and subresource gets', () => {
  it('create ingress and create serviceaccount', async () => {
    const ing = await k(
      'create',
      'ingress',
      'ing1',
      '--rule=foo.com/bar*=svc1:8080,tls=my-cert',
      '--class=nginx',
    );
    expect(ing.stderr).toBe('');
    expect(ing.stdout.trim()).toBe('ingress.networking.k8s.io/ing1 created');
    const spec = (await stored('/apis/networking.k8s.io/v1/namespaces/default/ingresses/ing1')).spec;
    expect(spec).toEqual({
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'foo.com',
          http: {
            paths: [
              {
                path: '/bar',
                pathType: 'Prefix',
                backend: { service: { name: 'svc1', port: { number: 8080 } } },
              },
            ],
          },
        },
      ],
      tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
    });
    expect((await k('create', 'serviceaccount', 'robot')).stdout.trim()).toBe('serviceaccount/robot created');
    expect((await k('get', 'sa', 'robot')).stdout).toMatch(/^robot\s+0\s+\d+s$/m);
  });

  it('get --subresource=status prints the kind columns, --subresource=scale DESIRED and AVAILABLE', async () => {
    await k('scale', 'deploy', 'web', '--replicas=2');
    const status = await k('get', 'deploy', 'web', '--subresource=status');
    expect(status.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+/);
    const scale = await k('get', 'deploy', 'web', '--subresource=scale');
    expect(scale.stdout).toMatch(/^NAME\s+DESIRED\s+AVAILABLE\nweb\s+2\s+0\n$/);
    const yaml = await k('get', 'deploy', 'web', '--subresource=scale', '-o', 'yaml');
    expect(yaml.stdout).toMatch(/^apiVersion: autoscaling\/v1\nkind: Scale\n/);
  });
});

describe('apply --server-side next to other writers', () => {
  it('keeps what kubectl set env added to the container it matches by name', async () => {
    expect((await k('set', 'env', 'deploy/web', 'FOO=bar')).code).toBe(0);
    const r = await k(
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      file('ssa-web.yaml', DEPLOY(2, 'nginx:1.30')),
    );
    expect(r.stdout.trim()).toBe('deployment.apps/web serverside-applied');
    const got = (await stored('/apis/apps/v1/namespaces/default/deployments/web')) as {
      spec: { template: { spec: { containers: { name: string; image: string; env?: unknown }[] } } };
    };
    const nginx = got.spec.template.spec.containers.find((c) => c.name === 'nginx');
    expect(nginx?.image).toBe('nginx:1.30');
    expect(nginx?.env).toContainEqual({ name: 'FOO', value: 'bar' });
  });
});
