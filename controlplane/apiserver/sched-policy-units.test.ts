/** Pure parts of priority admission, the webhook gate, eviction's budget check and APIService availability. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lib/api/json.js';
import { availability } from './api-services.js';
import { decrementBudget } from './disruption-budgets.js';
import { globalDefaultClass, resolvePodPriority } from './priority.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from './resources.js';
import { ApiError } from './status.js';
import { checkWebhooks, failingWebhooks, ruleMatches, webhookMatches } from './webhook-gate.js';

const info = (plural: string): ResourceInfo => {
  const r = BUILTIN_RESOURCES.find((x) => x.plural === plural);
  if (!r) throw new Error(plural);
  return r;
};

describe('resolvePodPriority', () => {
  const high = { metadata: { name: 'high' }, value: 100, preemptionPolicy: 'Never' };
  it('takes the named class, the global default, or 0', () => {
    expect(resolvePodPriority({ priorityClassName: 'high' }, high, undefined)).toEqual({
      className: 'high',
      priority: 100,
      preemptionPolicy: 'Never',
    });
    expect(resolvePodPriority({}, undefined, high)).toEqual({
      className: 'high',
      priority: 100,
      preemptionPolicy: 'Never',
    });
    expect(resolvePodPriority({}, undefined, undefined)).toEqual({
      className: '',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
  });
  it('refuses a missing class and a priority or policy that differs', () => {
    expect(resolvePodPriority({ priorityClassName: 'x' }, undefined, undefined)).toBe(
      'no PriorityClass with name x was found',
    );
    expect(resolvePodPriority({ priorityClassName: 'high', priority: 100 }, high, undefined)).toMatchObject({
      priority: 100,
    });
    expect(
      resolvePodPriority(
        { priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' },
        high,
        undefined,
      ),
    ).toBe(
      'the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
    );
  });
  it('picks the lowest of several global defaults', () => {
    const a = { metadata: { name: 'a' }, value: 5, globalDefault: true };
    const b = { metadata: { name: 'b' }, value: 3, globalDefault: true };
    expect(globalDefaultClass([a, b, { metadata: { name: 'c' }, value: 1 }])).toBe(b);
  });
});

describe('webhook matching', () => {
  const t = {
    operation: 'CREATE',
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    subresource: '',
    namespace: 'ns',
  };
  it('matches operations, groups, versions, resources (with subresources) and scope', () => {
    const rule = {
      operations: ['CREATE', 'UPDATE'],
      apiGroups: ['apps'],
      apiVersions: ['*'],
      resources: ['deployments'],
    };
    expect(ruleMatches(rule, t)).toBe(true);
    expect(ruleMatches(rule, { ...t, operation: 'DELETE' })).toBe(false);
    expect(ruleMatches(rule, { ...t, subresource: 'scale' })).toBe(false);
    expect(ruleMatches({ ...rule, resources: ['deployments/*'] }, { ...t, subresource: 'scale' })).toBe(true);
    expect(ruleMatches({ ...rule, resources: ['*/scale'] }, { ...t, subresource: 'scale' })).toBe(true);
    expect(ruleMatches({ ...rule, resources: ['*'] }, { ...t, subresource: 'status' })).toBe(false);
    expect(ruleMatches({ ...rule, scope: 'Cluster' }, t)).toBe(false);
    expect(ruleMatches({ ...rule, scope: 'Namespaced' }, t)).toBe(true);
  });

  const hook = (extra: JsonObject = {}): JsonObject => ({
    name: 'h.example.com',
    clientConfig: { url: 'https://h.example.com/' },
    rules: [
      { operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps', 'namespaces'] },
    ],
    ...extra,
  });
  const request = (object: JsonObject, namespace = 'ns', plural = 'configmaps') => ({
    operation: 'CREATE' as const,
    info: info(plural),
    subresource: '',
    namespace,
    name: 'x',
    object,
  });

  it('namespaceSelector reads the namespace’s labels (a Namespace its own), objectSelector the object’s', () => {
    const labels = (n: string) => (n === 'prod' ? { env: 'prod' } : {});
    const sel = hook({ namespaceSelector: { matchLabels: { env: 'prod' } } });
    expect(webhookMatches(sel, request({ metadata: {} }, 'prod'), labels)).toBe(true);
    expect(webhookMatches(sel, request({ metadata: {} }, 'dev'), labels)).toBe(false);
    expect(
      webhookMatches(sel, request({ metadata: { labels: { env: 'prod' } } }, '', 'namespaces'), labels),
    ).toBe(true);
    const obj = hook({ objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] } });
    expect(webhookMatches(obj, request({ metadata: { labels: { skip: '1' } } }), labels)).toBe(false);
    expect(webhookMatches(obj, request({ metadata: {} }), labels)).toBe(true);
  });

  it('orders failing webhooks: mutating first, configurations by name, Ignore left out', () => {
    const cfg = (name: string, ...hooks: JsonObject[]) => ({ metadata: { name }, webhooks: hooks });
    const order = failingWebhooks(
      [cfg('z', hook({ name: 'm.z.example.com' }))],
      [
        cfg('b', hook({ name: 'v.b.example.com' })),
        cfg(
          'a',
          hook({ name: 'v.a1.example.com' }),
          hook({ name: 'v.a2.example.com', failurePolicy: 'Ignore' }),
        ),
      ],
    ).map((h) => h.name);
    expect(order).toEqual(['m.z.example.com', 'v.a1.example.com', 'v.b.example.com']);
  });

  it('refuses for Fail, passes Ignore, exempts the webhook configurations themselves', () => {
    const source = (h: JsonObject) => ({
      failing: failingWebhooks([], [{ metadata: { name: 'v' }, webhooks: [h] }]),
      namespaceLabels: () => ({}),
    });
    expect(() => checkWebhooks(request({ metadata: {} }), source(hook({ failurePolicy: 'Fail' })))).toThrow(
      ApiError,
    );
    expect(() =>
      checkWebhooks(request({ metadata: {} }), source(hook({ failurePolicy: 'Ignore' }))),
    ).not.toThrow();
    const all = hook({
      rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
    });
    const self = { ...request({ metadata: {} }, ''), info: info('validatingwebhookconfigurations') };
    expect(() => checkWebhooks(self, source(all))).not.toThrow();
  });
});

describe('eviction budget check', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const budget = (status: JsonObject, generation = 1): JsonObject => ({
    metadata: { name: 'b', generation },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status },
  });
  it('decrements and records the pod, flipping the condition at zero', () => {
    const next = decrementBudget(budget({ observedGeneration: 1, disruptionsAllowed: 1 }), 'p', now);
    expect(next).not.toBeInstanceOf(ApiError);
    expect((next as JsonObject).status).toMatchObject({
      disruptionsAllowed: 0,
      disruptedPods: { p: '2026-01-01T00:00:00Z' },
      conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }],
    });
  });
  it('429 when none is allowed or the budget is not observed yet; 403 when negative', () => {
    const none = decrementBudget(
      budget({ observedGeneration: 1, desiredHealthy: 2, currentHealthy: 2 }),
      'p',
      now,
    );
    expect(none).toMatchObject({
      statusCode: 429,
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget b needs 2 healthy pods and has 2 currently',
          },
        ],
      },
    });
    expect(decrementBudget(budget({ disruptionsAllowed: 3 }, 2), 'p', now)).toMatchObject({
      statusCode: 429,
      details: { retryAfterSeconds: 10 },
    });
    expect(
      decrementBudget(budget({ observedGeneration: 1, disruptionsAllowed: -1 }), 'p', now),
    ).toMatchObject({ statusCode: 403 });
  });
});

describe('APIService availability', () => {
  const svc = { spec: { group: 'm.io', version: 'v1', service: { namespace: 'ns', name: 's' } } };
  it('local is available; a service-backed one is not (not proxied)', () => {
    expect(availability({ spec: { group: 'apps', version: 'v1' } }, () => true)).toMatchObject({
      status: 'True',
      reason: 'Local',
    });
    expect(availability(svc, () => false)).toMatchObject({ status: 'False', reason: 'ServiceNotFound' });
    expect(availability(svc, () => true)).toMatchObject({ status: 'False', reason: 'FailedDiscoveryCheck' });
  });
});
