import { describe, expect, it } from 'vitest';
import type { Answer } from '../../test/harness/cluster/apiserver.js';
import { useTestServer } from './testing/harness.js';
import { pod } from './testing/objects.js';
import { eventually } from './testing/wait.js';

const { k, api } = useTestServer();
const merge = 'application/merge-patch+json';

describe('webhook configurations', () => {
  const vwc = (name: string, hook: Record<string, unknown>) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name },
    webhooks: [
      {
        name: 'check.example.com',
        clientConfig: { service: { namespace: 'default', name: 'hooks', path: '/validate' } },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        ...hook,
      },
    ],
  });
  const vwcPath = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
  const cm = (name: string, labels: Record<string, string> = {}) =>
    api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name, labels }, data: { a: 'b' } });

  it('validates: sideEffects and admissionReviewVersions required, url xor service, enums, rules', async () => {
    const bad = await api('POST', vwcPath, {
      metadata: { name: 'bad' },
      webhooks: [
        {
          name: 'short',
          clientConfig: { url: 'http://x.example.com/', service: { namespace: 'a', name: 'b' } },
          rules: [
            {
              operations: ['MOVE'],
              apiGroups: [],
              apiVersions: ['v1'],
              resources: ['pods'],
              scope: 'Galaxy',
            },
          ],
          failurePolicy: 'Maybe',
          matchPolicy: 'Roughly',
        },
      ],
    });
    expect(bad.status).toBe(422);
    const fields = ((bad.json.details as Record<string, unknown>).causes as { field: string }[]).map(
      (c) => c.field,
    );
    expect(fields).toEqual(
      expect.arrayContaining([
        'webhooks[0].name',
        'webhooks[0].clientConfig',
        'webhooks[0].sideEffects',
        'webhooks[0].admissionReviewVersions',
        'webhooks[0].failurePolicy',
        'webhooks[0].matchPolicy',
        'webhooks[0].rules[0].operations[0]',
        'webhooks[0].rules[0].apiGroups',
        'webhooks[0].rules[0].scope',
      ]),
    );
    expect(bad.json.message).toContain(
      'webhooks[0].clientConfig: Required value: exactly one of url or service is required',
    );
    const good = await api('POST', vwcPath, vwc('ignore-me', { failurePolicy: 'Ignore' }));
    expect(good.status).toBe(201);
    expect((good.json.webhooks as Record<string, unknown>[])[0]).toMatchObject({
      failurePolicy: 'Ignore',
      matchPolicy: 'Equivalent',
      timeoutSeconds: 10,
      namespaceSelector: {},
      objectSelector: {},
      rules: [{ scope: '*' }],
      clientConfig: { service: { port: 443 } },
    });
    expect(good.json.metadata).toMatchObject({ generation: 1 });
    // failurePolicy Ignore: the write goes through.
    expect((await cm('ignored')).status).toBe(201);
  });

  it('a matching Fail webhook refuses the write with the 500 kube-apiserver answers; selectors narrow it', async () => {
    const created = await api(
      'POST',
      vwcPath,
      vwc('strict', { objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] } }),
    );
    expect(created.status).toBe(201);
    const refused = await eventually(
      () => cm('blocked'),
      (a) => a.status === 500,
    );
    expect(refused.json).toMatchObject({
      reason: 'InternalError',
      code: 500,
      message:
        'Internal error occurred: failed calling webhook "check.example.com": failed to call webhook: Post "https://hooks.default.svc:443/validate?timeout=10s": this API server does not call admission webhooks yet',
    });
    // The object selector excludes labelled objects; other operations and kinds pass.
    expect((await cm('skipped', { skip: 'yes' })).status).toBe(201);
    expect(
      (await api('PATCH', '/api/v1/namespaces/default/configmaps/ignored', { data: { c: 'd' } }, merge))
        .status,
    ).toBe(200);
    const kcm = await k('create', 'configmap', 'via-kubectl', '--from-literal=a=b');
    expect(kcm.code).not.toBe(0);
    expect(kcm.stderr).toContain('failed calling webhook "check.example.com"');
    // The webhook configuration itself stays writable (exempt), so it can be fixed or removed.
    expect(
      (await api('PATCH', `${vwcPath}/strict`, { metadata: { labels: { x: 'y' } } }, merge)).status,
    ).toBe(200);
    expect((await api('DELETE', `${vwcPath}/strict`)).status).toBe(200);
    const passes = await eventually(
      () => cm('after'),
      (a) => a.status === 201,
    );
    expect(passes.status).toBe(201);
  });

  it('a mutating Fail webhook with a namespaceSelector gates only the selected namespaces', async () => {
    await api('POST', '/api/v1/namespaces', { metadata: { name: 'guarded', labels: { hooks: 'on' } } });
    const mwc = await api('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
      metadata: { name: 'inject' },
      webhooks: [
        {
          name: 'inject.example.com',
          clientConfig: { url: 'https://inject.example.com/mutate' },
          rules: [
            {
              operations: ['*'],
              apiGroups: ['*'],
              apiVersions: ['*'],
              resources: ['*'],
              scope: 'Namespaced',
            },
          ],
          namespaceSelector: { matchLabels: { hooks: 'on' } },
          sideEffects: 'NoneOnDryRun',
          admissionReviewVersions: ['v1', 'v1beta1'],
        },
      ],
    });
    expect(mwc.status).toBe(201);
    expect((mwc.json.webhooks as Record<string, unknown>[])[0]).toMatchObject({
      reinvocationPolicy: 'Never',
    });
    const blocked = await eventually(
      () => api('POST', '/api/v1/namespaces/guarded/configmaps', { metadata: { name: 'x' } }),
      (a) => a.status === 500,
    );
    expect(blocked.json.message).toContain(
      'failed calling webhook "inject.example.com": failed to call webhook: Post "https://inject.example.com/mutate?timeout=10s"',
    );
    expect(
      (await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'free' } })).status,
    ).toBe(201);
    const list = await k('get', 'mutatingwebhookconfigurations');
    expect(list.stdout).toMatch(/^NAME\s+WEBHOOKS\s+AGE\n/);
    expect(list.stdout).toMatch(/inject\s+1\s+/);
    expect(
      (await api('DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/inject'))
        .status,
    ).toBe(200);
  });
});

describe('webhooks and subresources', () => {
  const path = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
  const gate = (name: string, operations: string[], resources: string[]) =>
    api('POST', path, {
      metadata: { name },
      webhooks: [
        {
          name: `${name}.hooks.example.com`,
          clientConfig: { url: 'https://hooks.example.com/' },
          rules: [{ operations, apiGroups: [''], apiVersions: ['v1'], resources }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'sub' } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
        },
      ],
    });
  const podPath = '/api/v1/namespaces/sub/pods';
  const refused = (a: Answer) =>
    a.status === 500 && String(a.json.message).includes('failed calling webhook');

  it('a rule on pods does not see pods/binding or pods/eviction; rules naming them do', async () => {
    expect((await api('POST', '/api/v1/namespaces', { metadata: { name: 'sub' } })).status).toBe(201);
    for (const n of ['p1', 'p2', 'p3']) expect((await api('POST', podPath, pod(n))).status).toBe(201);
    expect((await gate('pod-writes', ['UPDATE', 'DELETE'], ['pods'])).status).toBe(201);
    // The rule on pods UPDATE/DELETE: a label change and a delete are refused ...
    expect(
      refused(
        await eventually(
          () => api('PATCH', `${podPath}/p1`, { metadata: { labels: { a: 'b' } } }, merge),
          refused,
        ),
      ),
    ).toBe(true);
    expect(refused(await api('DELETE', `${podPath}/p1`))).toBe(true);
    // ... but binding (CREATE pods/binding) and eviction (CREATE pods/eviction, whose delete is not
    // admitted again) are other resources to it.
    const bind = await api('POST', `${podPath}/p1/binding`, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p1' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    });
    expect(bind.status).toBe(201);
    expect((await api('POST', `${podPath}/p2/eviction`, { metadata: { name: 'p2' } })).status).toBe(201);
    // Rules naming the subresources gate them.
    expect((await gate('subs', ['CREATE'], ['pods/binding', 'pods/eviction'])).status).toBe(201);
    const evict = await eventually(
      () => api('POST', `${podPath}/p3/eviction`, { metadata: { name: 'p3' } }),
      refused,
    );
    expect(refused(evict)).toBe(true);
    const bind3 = await api('POST', `${podPath}/p3/binding`, {
      metadata: { name: 'p3' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    });
    expect(refused(bind3)).toBe(true);
    expect((await api('DELETE', `${path}/pod-writes`)).status).toBe(200);
    expect((await api('DELETE', `${path}/subs`)).status).toBe(200);
  });
});
