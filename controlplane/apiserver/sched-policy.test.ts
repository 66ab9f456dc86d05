import { describe, expect, it } from 'vitest';
import { useTestServer } from './testing/harness.js';
import { pod } from './testing/objects.js';
import { eventually } from './testing/wait.js';

const { k, api } = useTestServer();
const merge = 'application/merge-patch+json';

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
