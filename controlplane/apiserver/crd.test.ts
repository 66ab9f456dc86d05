/** CustomResourceDefinitions: custom types served generically, validated by their schema, with kubectl. */
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

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ipaddresspools.metallb.io' },
  spec: {
    group: 'metallb.io',
    scope: 'Namespaced',
    names: {
      kind: 'IPAddressPool',
      plural: 'ipaddresspools',
      singular: 'ipaddresspool',
      listKind: 'IPAddressPoolList',
    },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['addresses'],
                properties: {
                  addresses: {
                    type: 'array',
                    minItems: 1,
                    items: { type: 'string', pattern: '^[0-9./-]+$' },
                  },
                  autoAssign: { type: 'boolean' },
                  avoidBuggyIPs: { type: 'boolean' },
                },
              },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

beforeAll(async () => {
  t = await startTestServer();
  env = kubectlEnv(t);
});

afterAll(async () => {
  await t?.stop();
});

describe('custom resources', () => {
  it('a CRD is Established at once and its type is served, validated, pruned and listed', async () => {
    const created = await call(t.server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      body: CRD,
    });
    expect(created.status).toBe(201);
    const conditions = (created.json.status as { conditions: { type: string; status: string }[] }).conditions;
    expect(conditions.find((c) => c.type === 'Established')?.status).toBe('True');

    const base = '/apis/metallb.io/v1beta1/namespaces/default/ipaddresspools';
    const ok = await call(t.server, 'POST', base, {
      body: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'lan' },
        spec: { addresses: ['172.30.200.0/24'], junk: 1 },
        extra: 2,
      },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.spec).toEqual({ addresses: ['172.30.200.0/24'] });
    expect(ok.json.extra).toBeUndefined();
    const bad = await call(t.server, 'POST', base, {
      body: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'bad' },
        spec: { addresses: ['x y'], autoAssign: 'yes' },
      },
    });
    expect(bad.status).toBe(422);
    expect((bad.json.details as { causes: { field: string }[] }).causes.map((c) => c.field)).toEqual([
      'spec.addresses[0]',
      'spec.autoAssign',
    ]);
    const status = await call(t.server, 'PATCH', `${base}/lan/status`, {
      body: { status: { assigned: 3 } },
      contentType: 'application/merge-patch+json',
    });
    expect(status.status).toBe(200);
    expect(status.json.status).toEqual({ assigned: 3 });

    const file = join(t.dir, 'pool.yaml');
    writeFileSync(
      file,
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: second\nspec:\n  addresses: ["10.0.0.0/28"]\n',
    );
    const applied = await kubectl(env, ['apply', '-f', file]);
    expect(applied.stdout.trim()).toBe('ipaddresspool.metallb.io/second created');
    const got = await kubectl(env, ['get', 'ipaddresspools', '-o', 'name']);
    expect(got.stdout.trim().split('\n')).toEqual([
      'ipaddresspool.metallb.io/lan',
      'ipaddresspool.metallb.io/second',
    ]);

    const removed = await call(
      t.server,
      'DELETE',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ipaddresspools.metallb.io',
    );
    expect(removed.status).toBe(200);
    expect((await call(t.server, 'GET', base)).status).toBe(404);
  });
});
