/** The disruption controller's pure core: expected, desired and healthy counts, disruptedPods, failures. */
import { describe, expect, it } from 'vitest';
import type { Pod, PodDisruptionBudget } from '../../lib/api/index.js';
import {
  type ControllerScale,
  failSafeStatus,
  planDisruptionBudget,
  scaledValue,
} from './disruption-plan.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function pod(name: string, o: { ready?: boolean; owner?: string; deleting?: boolean } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      labels: { app: 'a' },
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: o.owner, controller: true },
            ],
          }
        : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}),
    },
    spec: { containers: [] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  } as Pod;
}

function pdb(
  spec: Partial<PodDisruptionBudget['spec']>,
  status?: Partial<NonNullable<PodDisruptionBudget['status']>>,
): PodDisruptionBudget {
  return {
    metadata: { name: 'b', namespace: 'ns', generation: 2 },
    spec: { selector: { matchLabels: { app: 'a' } }, ...spec },
    ...(status
      ? {
          status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status },
        }
      : {}),
  };
}

const scales: Record<string, number> = { rs1: 4, rs2: 2 };
const controllerOf = (p: Pod): ControllerScale => {
  const ref = p.metadata.ownerReferences?.[0];
  if (!ref) return { kind: 'unmanaged' };
  const n = scales[ref.uid];
  return n === undefined
    ? { kind: 'missing', message: `found no controllers for pod "${p.metadata.name}"` }
    : { kind: 'scale', uid: ref.uid, replicas: n };
};

describe('planDisruptionBudget', () => {
  it('integer minAvailable: expected = matching pods, healthy = Ready and not terminating', () => {
    const plan = planDisruptionBudget(
      pdb({ minAvailable: 2 }),
      [pod('a'), pod('b'), pod('c', { ready: false }), pod('d', { deleting: true }), pod('e')],
      controllerOf,
      NOW,
    );
    expect(plan).toMatchObject({
      status: {
        observedGeneration: 2,
        expectedPods: 5,
        desiredHealthy: 2,
        currentHealthy: 3,
        disruptionsAllowed: 1,
        conditions: [
          { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', observedGeneration: 2 },
        ],
      },
    });
  });

  it('percentages and maxUnavailable use the controllers’ scale, rounded up; unmanaged pods are left out', () => {
    const pods = [
      pod('a', { owner: 'rs1' }),
      pod('b', { owner: 'rs1' }),
      pod('c', { owner: 'rs2' }),
      pod('lone'),
    ];
    expect(planDisruptionBudget(pdb({ minAvailable: '50%' }), pods, controllerOf, NOW)).toMatchObject({
      status: { expectedPods: 6, desiredHealthy: 3, currentHealthy: 4, disruptionsAllowed: 1 },
    });
    expect(planDisruptionBudget(pdb({ maxUnavailable: '10%' }), pods, controllerOf, NOW)).toMatchObject({
      status: { expectedPods: 6, desiredHealthy: 5, disruptionsAllowed: 0 },
    });
    expect(planDisruptionBudget(pdb({ maxUnavailable: 10 }), pods, controllerOf, NOW)).toMatchObject({
      status: { expectedPods: 6, desiredHealthy: 0, disruptionsAllowed: 4 },
    });
    expect(scaledValue('33%', 10, true)).toBe(4);
    expect(scaledValue('33%', 10, false)).toBe(3);
  });

  it('a pod whose controller cannot be found fails the sync; failSafe allows nothing and keeps observedGeneration', () => {
    const plan = planDisruptionBudget(
      pdb({ maxUnavailable: 1 }),
      [pod('x', { owner: 'gone' })],
      controllerOf,
      NOW,
    );
    expect(plan).toEqual({ error: 'found no controllers for pod "x"' });
    const safe = failSafeStatus(pdb({}, { observedGeneration: 1, disruptionsAllowed: 3 }), 'boom', NOW);
    expect(safe).toMatchObject({
      observedGeneration: 1,
      disruptionsAllowed: 0,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'boom' }],
    });
  });

  it('recent evictions stay in disruptedPods and out of the healthy count until they expire', () => {
    const budget = pdb(
      { minAvailable: 1 },
      {
        disruptedPods: { a: '2026-01-01T00:09:30Z', b: '2026-01-01T00:05:00Z', gone: '2026-01-01T00:09:59Z' },
      },
    );
    const plan = planDisruptionBudget(budget, [pod('a'), pod('b'), pod('c')], controllerOf, NOW);
    expect(plan).toMatchObject({
      status: { disruptedPods: { a: '2026-01-01T00:09:30Z' }, currentHealthy: 2, disruptionsAllowed: 1 },
      recheckAfterMs: 90_000,
    });
  });

  it('nothing expected allows nothing; a null selector selects nothing', () => {
    expect(planDisruptionBudget(pdb({ minAvailable: 0 }), [], controllerOf, NOW)).toMatchObject({
      status: {
        expectedPods: 0,
        disruptionsAllowed: 0,
        conditions: [{ status: 'False', reason: 'InsufficientPods' }],
      },
    });
  });
});
