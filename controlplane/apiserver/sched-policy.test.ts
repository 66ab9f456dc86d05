/**
 * PriorityClass, PodDisruptionBudget (with pods/eviction), the webhook configurations and
 * APIService against a real server over HTTPS, and through the real kubectl 1.32 (whose typed
 * `create priorityclass|pdb` send protobuf bodies).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  call,
  kubectl,
  kubectlEnv,
  startTestServer,
  type TestServer,
} from '../../test/harness/cluster/apiserver.js';

let t: TestServer;
let env: { kubeconfig: string; home: string };
const k = (...args: string[]) => kubectl(env, args);
const api = (method: string, path: string, body?: unknown, contentType?: string): Promise<Answer> =>
  call(t.server, method, path, {
    ...(body !== undefined ? { body } : {}),
    ...(contentType ? { contentType } : {}),
  });
const merge = 'application/merge-patch+json';

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pod(
  name: string,
  extra: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra },
  };
}

beforeAll(async () => {
  t = await startTestServer();
  env = kubectlEnv(t);
});

afterAll(async () => {
  await t?.stop();
});

describe('PriorityClass', () => {
  it('serves the two built-in classes with the 1.32 columns, and they cannot be deleted', async () => {
    const r = await k('get', 'pc');
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
    expect(r.stdout).toMatch(/system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority/);
    expect(r.stdout).toMatch(/system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority/);
    const del = await k('delete', 'priorityclass', 'system-node-critical');
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain(
      'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
    );
  });

  it('kubectl create priorityclass (a protobuf body) and the value rules', async () => {
    const ok = await k('create', 'priorityclass', 'high', '--value=1000', '--description=important');
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('priorityclass.scheduling.k8s.io/high created');
    const got = await api('GET', '/apis/scheduling.k8s.io/v1/priorityclasses/high');
    expect(got.json).toMatchObject({
      value: 1000,
      description: 'important',
      preemptionPolicy: 'PreemptLowerPriority',
    });
    const big = await k('create', 'priorityclass', 'too-high', '--value=1000000001');
    expect(big.stderr).toContain(
      'PriorityClass.scheduling.k8s.io "too-high" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    );
    const reserved = await api('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      metadata: { name: 'system-mine' },
      value: 10,
    });
    expect(reserved.status).toBe(422);
    expect(reserved.json.message).toContain(
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    );
    const policy = await api('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      metadata: { name: 'odd' },
      value: 1,
      preemptionPolicy: 'Sometimes',
    });
    expect(policy.status).toBe(422);
    expect(policy.json.message).toContain('preemptionPolicy: Unsupported value: "Sometimes"');
    const change = await api('PATCH', '/apis/scheduling.k8s.io/v1/priorityclasses/high', { value: 5 }, merge);
    expect(change.status).toBe(422);
    expect(change.json.message).toBe(
      'PriorityClass.scheduling.k8s.io "high" is invalid: value: Forbidden: may not be changed in an update.',
    );
    const desc = await api(
      'PATCH',
      '/apis/scheduling.k8s.io/v1/priorityclasses/high',
      { description: 'x' },
      merge,
    );
    expect(desc.status).toBe(200);
  });

  it('admits pods: class name → priority; unknown class refused; a spec.priority that differs refused', async () => {
    const crit = await api(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('crit', { priorityClassName: 'system-cluster-critical' }),
    );
    expect(crit.status).toBe(201);
    expect(crit.json.spec).toMatchObject({ priority: 2000000000, preemptionPolicy: 'PreemptLowerPriority' });
    const plain = await api('POST', '/api/v1/namespaces/default/pods', pod('plain'));
    expect(plain.json.spec).toMatchObject({ priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect((plain.json.spec as Record<string, unknown>).priorityClassName).toBeUndefined();
    const missing = await api(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('lost', { priorityClassName: 'nope' }),
    );
    expect(missing.status).toBe(403);
    expect(missing.json).toMatchObject({
      reason: 'Forbidden',
      message: 'pods "lost" is forbidden: no PriorityClass with name nope was found',
    });
    const lying = await api(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('liar', { priorityClassName: 'high', priority: 7 }),
    );
    expect(lying.status).toBe(403);
    expect(lying.json.message).toBe(
      'pods "liar" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    );
    // kubectl run through the class: the pod shows its priority.
    const run = await k(
      'run',
      'runner',
      '--image=busybox',
      '--overrides={"spec":{"priorityClassName":"high"}}',
    );
    expect(run.code).toBe(0);
    const p = await k('get', 'pod', 'runner', '-o', 'jsonpath={.spec.priority}');
    expect(p.stdout).toBe('1000');
  });

  it('one global default: new pods without a class get it; a second default is refused', async () => {
    const def = await api('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      metadata: { name: 'base' },
      value: 50,
      globalDefault: true,
      preemptionPolicy: 'Never',
    });
    expect(def.status).toBe(201);
    const second = await api('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      metadata: { name: 'base2' },
      value: 60,
      globalDefault: true,
    });
    expect(second.status).toBe(403);
    expect(second.json.message).toBe(
      'priorityclasses.scheduling.k8s.io "base2" is forbidden: PriorityClass base is already marked as default. Only one default can exist',
    );
    const p = await api('POST', '/api/v1/namespaces/default/pods', pod('defaulted'));
    expect(p.json.spec).toMatchObject({ priorityClassName: 'base', priority: 50, preemptionPolicy: 'Never' });
    expect((await api('DELETE', '/apis/scheduling.k8s.io/v1/priorityclasses/base')).status).toBe(200);
    const after = await eventually(
      () =>
        api('POST', '/api/v1/namespaces/default/pods', {
          ...(pod('') as object),
          metadata: { generateName: 'after-' },
        }),
      (a) => (a.json.spec as Record<string, unknown>)?.priority === 0,
    );
    expect(after.json.spec).toMatchObject({ priority: 0 });
  });
});

describe('PodDisruptionBudget and pods/eviction', () => {
  it('kubectl create pdb (protobuf), get pdb columns, validation', async () => {
    const r = await k('create', 'pdb', 'web', '--selector=app=web', '--min-available=2');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('poddisruptionbudget.policy/web created');
    const got = await k('get', 'pdb');
    expect(got.stdout.split('\n')[0]).toMatch(
      /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/,
    );
    expect(got.stdout).toMatch(/web\s+2\s+N\/A\s+0\s+/);
    const obj = await api('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web');
    expect(obj.json.metadata).toMatchObject({ generation: 1 });
    expect(obj.json.status).toEqual({
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
    // A zero in an int-or-string pointer survives the protobuf body.
    expect((await k('create', 'pdb', 'zero', '--selector=z=z', '--max-unavailable=0')).code).toBe(0);
    const zero = await api('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/zero');
    expect(zero.json.spec).toEqual({ maxUnavailable: 0, selector: { matchLabels: { z: 'z' } } });
    const both = await api('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
      metadata: { name: 'both' },
      spec: { minAvailable: 1, maxUnavailable: '10%', selector: { matchLabels: { a: 'b' } } },
    });
    expect(both.status).toBe(422);
    expect(both.json.message).toContain('minAvailable and maxUnavailable cannot be both set');
    const pct = await api('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
      metadata: { name: 'pct' },
      spec: { maxUnavailable: '150%', selector: { matchExpressions: [{ key: 'a', operator: 'Within' }] } },
    });
    expect(pct.status).toBe(422);
    expect(pct.json.message).toContain(
      'spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    );
    expect(pct.json.message).toContain(
      'spec.selector.matchExpressions[0].operator: Unsupported value: "Within"',
    );
  });

  it('evicts when the budget allows (decrementing it), 429 with the DisruptionBudget cause when not', async () => {
    for (const name of ['w1', 'w2', 'w3']) {
      expect(
        (await api('POST', '/api/v1/namespaces/default/pods', pod(name, {}, { app: 'web' }))).status,
      ).toBe(201);
      const st = await api(
        'PATCH',
        `/api/v1/namespaces/default/pods/${name}/status`,
        { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
        merge,
      );
      expect(st.status).toBe(200);
    }
    const pdbPath = '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web';
    const setStatus = (status: Record<string, unknown>) =>
      api('PATCH', `${pdbPath}/status`, { status }, merge);
    const evict = (name: string) =>
      api('POST', `/api/v1/namespaces/default/pods/${name}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name },
      });
    // The controller has not looked at the budget yet (observedGeneration 0 < generation 1).
    const early = await evict('w1');
    expect(early.status).toBe(429);
    expect(early.json.details).toMatchObject({
      causes: [
        {
          reason: 'DisruptionBudget',
          message: 'The disruption budget web is still being processed by the server.',
        },
      ],
    });
    expect(
      (
        await setStatus({
          observedGeneration: 1,
          currentHealthy: 3,
          desiredHealthy: 2,
          expectedPods: 3,
          disruptionsAllowed: 0,
        })
      ).status,
    ).toBe(200);
    const refused = await evict('w1');
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'TooManyRequests',
      code: 429,
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget web needs 2 healthy pods and has 3 currently',
          },
        ],
      },
    });
    expect((await api('GET', '/api/v1/namespaces/default/pods/w1')).json.metadata).not.toHaveProperty(
      'deletionTimestamp',
    );
    expect((await setStatus({ disruptionsAllowed: 1 })).status).toBe(200);
    const allowed = await evict('w1');
    expect(allowed.status).toBe(201);
    expect(allowed.json).toMatchObject({ kind: 'Status', status: 'Success' });
    const gone = await api('GET', '/api/v1/namespaces/default/pods/w1');
    expect(
      gone.status === 404 ||
        typeof (gone.json.metadata as Record<string, unknown>).deletionTimestamp === 'string',
    ).toBe(true);
    const pdb = await api('GET', pdbPath);
    const status = pdb.json.status as Record<string, unknown>;
    expect(status.disruptionsAllowed).toBe(0);
    expect(Object.keys(status.disruptedPods as object)).toEqual(['w1']);
    expect(status.conditions).toMatchObject([
      { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' },
    ]);
    // Now at zero: the next eviction is refused.
    expect((await evict('w2')).status).toBe(429);
    // kubectl drain's own path: a pod no budget selects is evicted at once.
    const free = await evict('plain');
    expect(free.status).toBe(201);
    // Unknown pods are 404.
    expect((await evict('nobody')).status).toBe(404);
  });
});

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

describe('APIService', () => {
  const path = '/apis/apiregistration.k8s.io/v1/apiservices';
  const metrics = {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.metrics.k8s.io' },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 100,
      versionPriority: 100,
      insecureSkipTLSVerify: true,
      service: { namespace: 'kube-system', name: 'metrics-server' },
    },
  };

  it('validates the name and priorities', async () => {
    const bad = await api('POST', path, {
      metadata: { name: 'metrics' },
      spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 0, versionPriority: 5000 },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain(
      'metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"',
    );
    expect(bad.json.message).toContain(
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
    );
    expect(bad.json.message).toContain(
      'spec.versionPriority: Invalid value: 5000: must be positive and less than 1000',
    );
  });

  it('a service-backed APIService is Available=False (not proxied) and its group is not served', async () => {
    const r = await k('apply', '-f', writeManifest('apiservice.json', JSON.stringify(metrics)));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created');
    const notFound = await eventually(
      () => api('GET', `${path}/v1beta1.metrics.k8s.io`),
      (a) => JSON.stringify(a.json.status ?? {}).includes('ServiceNotFound'),
    );
    expect(notFound.json.status).toMatchObject({
      conditions: [
        {
          type: 'Available',
          status: 'False',
          reason: 'ServiceNotFound',
          message: 'service/metrics-server in "kube-system" is not present',
        },
      ],
    });
    const svc = await api('POST', '/api/v1/namespaces/kube-system/services', {
      metadata: { name: 'metrics-server' },
      spec: { ports: [{ port: 443, targetPort: 10250 }], selector: { k8s: 'metrics' } },
    });
    expect(svc.status).toBe(201);
    const failing = await eventually(
      () => api('GET', `${path}/v1beta1.metrics.k8s.io`),
      (a) => JSON.stringify(a.json.status ?? {}).includes('FailedDiscoveryCheck'),
    );
    expect(failing.json.status).toMatchObject({
      conditions: [{ type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck' }],
    });
    const table = await k('get', 'apiservice', 'v1beta1.metrics.k8s.io');
    expect(table.stdout).toMatch(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE\n/);
    expect(table.stdout).toMatch(
      /v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+False \(FailedDiscoveryCheck\)\s+/,
    );
    expect((await api('GET', '/apis/metrics.k8s.io/v1beta1')).status).toBe(404);
    expect((await k('delete', '-f', join(t.dir, 'apiservice.json'))).code).toBe(0);
  });
});

describe('install-manifest style apply of these kinds', () => {
  // Shaped as ingress-nginx's admission webhook and metrics-server's APIService (trimmed).
  const MANIFEST = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ingress-nginx-admission
  labels: {app.kubernetes.io/name: ingress-nginx}
webhooks:
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: ingress-nginx-controller-admission, namespace: ingress-nginx, path: /networking/v1/ingresses}
  failurePolicy: Fail
  matchPolicy: Equivalent
  name: validate.nginx.ingress.kubernetes.io
  rules:
  - {apiGroups: [networking.k8s.io], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [ingresses]}
  sideEffects: None
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: app-high}
value: 100000
description: high
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: manifest-web, namespace: default}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: manifest-web}}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  labels: {k8s-app: metrics-server}
  name: v1beta1.custom.metrics.k8s.io
spec:
  group: custom.metrics.k8s.io
  groupPriorityMinimum: 100
  insecureSkipTLSVerify: true
  service: {name: metrics-server, namespace: kube-system}
  version: v1beta1
  versionPriority: 100
`;

  it('applies client- and server-side twice, diff stays empty, generation kept, get -f and delete -f work', async () => {
    const f = writeManifest('manifest.yaml', MANIFEST);
    const first = await k('apply', '-f', f);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim().split('\n')).toEqual([
      'validatingwebhookconfiguration.admissionregistration.k8s.io/ingress-nginx-admission created',
      'priorityclass.scheduling.k8s.io/app-high created',
      'poddisruptionbudget.policy/manifest-web created',
      'apiservice.apiregistration.k8s.io/v1beta1.custom.metrics.k8s.io created',
    ]);
    // Second apply: the webhook list merges by name (kubectl sends a partial entry). kubectl
    // itself re-sends lists the server defaulted into (rules' scope) and a PDB's selector
    // (patchStrategy replace), as against kube-apiserver; nothing changes.
    const second = await k('apply', '-f', f);
    expect(second.stderr).toBe('');
    expect(second.stdout).toContain('priorityclass.scheduling.k8s.io/app-high unchanged');
    expect(second.stdout).toContain(
      'apiservice.apiregistration.k8s.io/v1beta1.custom.metrics.k8s.io unchanged',
    );
    const vwc =
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/ingress-nginx-admission';
    expect((await api('GET', vwc)).json.metadata).toMatchObject({ generation: 1 });
    expect(await k('diff', '-f', f)).toMatchObject({ code: 0, stdout: '' });
    for (let i = 0; i < 2; i++) expect((await k('apply', '--server-side', '-f', f)).code).toBe(0);
    expect(await k('diff', '-f', f)).toMatchObject({ code: 0, stdout: '' });
    expect((await api('GET', vwc)).json.metadata).toMatchObject({ generation: 1 });
    const pdb = await api('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/manifest-web');
    expect(pdb.json.metadata).toMatchObject({ generation: 1 });
    expect((await k('get', '-f', f)).code).toBe(0);
    const del = await k('delete', '-f', f);
    expect(del.code).toBe(0);
    expect((await api('GET', vwc)).status).toBe(404);
  });
});

function writeManifest(name: string, text: string): string {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
}
