import { describe, expect, it } from 'vitest';
import { type CleanObservation, type LeasedLab, planClean, runIdOf } from './clean-plan.js';
import type { LabState } from './state.js';

function state(labId: string, targets: readonly string[]): LabState {
  return {
    version: 1,
    labId,
    prefix: `sy-${labId}-`,
    nodes: 1,
    lbMode: 'l2',
    namespaces: targets.map((t) => ({ target: t, name: `sy-${labId}-${t}` })),
    createdAt: '2026-11-22T00:00:00.000Z',
  };
}

function lab(labId: string, owner: 'detached' | 'live' | 'dead', withState = true): LeasedLab {
  return {
    leaseFile: `/run/switchyard/labs/${labId}.json`,
    lease: {
      version: 1,
      labId,
      prefix: `sy-${labId}-`,
      stateFile: `/tmp/${labId}/lab.json`,
      owner: owner === 'detached' ? { kind: 'detached' } : { kind: 'process', pid: 4242, startTicks: 7 },
    },
    state: withState ? state(labId, ['fabric', 'node-1']) : undefined,
    ownerAlive: owner !== 'dead',
  };
}

function observe(partial: Partial<CleanObservation>): CleanObservation {
  return { namespaces: [], labs: [], orphanStates: [], liveRunIds: new Set(), ...partial };
}

describe('planClean', () => {
  it('removes node runtimes by their namespace name, also when the namespace is gone', () => {
    const rt = (dir: string, namespace: string) => ({ dir: `/s/nodes/${dir}`, namespace, pids: [7, 8] });
    const plan = planClean(
      observe({
        namespaces: ['sy-aa-node-1'],
        labs: [lab('aa', 'live'), lab('dd', 'dead')],
        runtimes: [
          rt('sy-aa-node-1', 'sy-aa-node-1'),
          rt('sy-dd-node-1', 'sy-dd-node-1'),
          rt('sy-r2-x-node-1', 'sy-r2-x-node-1'),
          rt('sy-r3-node-1', 'sy-r3-node-1'),
        ],
        liveRunIds: new Set(['r3']),
      }),
    );
    expect(plan.removeRuntimes).toEqual([
      {
        name: '/s/nodes/sy-dd-node-1',
        reason: 'node runtime of sy-dd-node-1: lab dd: owner process 4242 is gone',
        pids: [7, 8],
      },
      {
        name: '/s/nodes/sy-r2-x-node-1',
        reason: 'node runtime of sy-r2-x-node-1: no lab holds it and test run r2 is gone',
        pids: [7, 8],
      },
    ]);
    expect(
      planClean(observe({ runtimes: [rt('sy-dd-node-1', 'sy-dd-node-1')], scope: 'sy-zz-' })).removeRuntimes,
    ).toEqual([]);
  });

  it('removes a lab whose owner process died, with its lease and state file', () => {
    const plan = planClean(
      observe({
        namespaces: ['sy-r1-a-fabric', 'sy-r1-a-node-1'],
        labs: [lab('r1-a', 'dead')],
        liveRunIds: new Set(['r1']),
      }),
    );
    expect(plan.deleteNamespaces).toEqual([
      { name: 'sy-r1-a-fabric', reason: 'lab r1-a: owner process 4242 is gone' },
      { name: 'sy-r1-a-node-1', reason: 'lab r1-a: owner process 4242 is gone' },
    ]);
    expect(plan.removeFiles.map((f) => f.name)).toEqual([
      '/run/switchyard/labs/r1-a.json',
      '/tmp/r1-a/lab.json',
    ]);
    expect(plan.keepNamespaces).toEqual([]);
  });

  it('keeps live labs: a running owner, or a detached lab whose state file describes it', () => {
    const plan = planClean(
      observe({
        namespaces: ['sy-aa-fabric', 'sy-bb-fabric'],
        labs: [lab('aa', 'live'), lab('bb', 'detached')],
      }),
    );
    expect(plan.deleteNamespaces).toEqual([]);
    expect(plan.removeFiles).toEqual([]);
    expect(plan.keepNamespaces).toEqual([
      { name: 'sy-aa-fabric', reason: 'lab aa is alive' },
      { name: 'sy-bb-fabric', reason: 'lab bb is alive' },
    ]);
  });

  it('removes a detached lab whose state file is gone', () => {
    const plan = planClean(observe({ namespaces: ['sy-cc-router'], labs: [lab('cc', 'detached', false)] }));
    expect(plan.deleteNamespaces).toEqual([
      { name: 'sy-cc-router', reason: 'lab cc: state file /tmp/cc/lab.json is gone' },
    ]);
    expect(plan.removeFiles.map((f) => f.name)).toEqual(['/run/switchyard/labs/cc.json']);
  });

  it('judges namespaces no lab holds by their test run, and a lab never claims the names of another', () => {
    const plan = planClean(
      observe({
        namespaces: ['sy-live1-br3', 'sy-dead1-br3', 'sy-r1-fabric', 'sy-r1-x-fabric'],
        labs: [lab('r1', 'live'), lab('r1-x', 'dead')],
        liveRunIds: new Set(['live1']),
      }),
    );
    expect(plan.deleteNamespaces.map((d) => d.name)).toEqual(['sy-dead1-br3', 'sy-r1-x-fabric']);
    expect(plan.keepNamespaces.map((d) => d.name)).toEqual(['sy-live1-br3', 'sy-r1-fabric']);
    expect(runIdOf('sy-abc123-l1-node-1')).toBe('abc123');
  });

  it('drops state files without a lease unless a live run still holds their namespaces', () => {
    const plan = planClean(
      observe({
        namespaces: ['sy-gone-fabric', 'sy-held-fabric'],
        orphanStates: [
          { path: '/a/lab.json', state: state('gone', ['fabric', 'node-1']) },
          { path: '/b/lab.json', state: state('held', ['fabric']) },
        ],
        liveRunIds: new Set(['held']),
      }),
    );
    expect(plan.removeFiles).toEqual([
      { name: '/a/lab.json', reason: 'state of lab gone has no lease (1 of its namespaces left)' },
    ]);
    expect(plan.deleteNamespaces.map((d) => d.name)).toEqual(['sy-gone-fabric']);
  });

  it('stays inside its scope', () => {
    const plan = planClean(
      observe({
        namespaces: ['sy-r1-a-fabric', 'sy-r2-b-fabric'],
        labs: [lab('r1-a', 'dead'), lab('r2-b', 'dead')],
        scope: 'sy-r1-',
      }),
    );
    expect(plan.deleteNamespaces.map((d) => d.name)).toEqual(['sy-r1-a-fabric']);
    expect(plan.removeFiles.map((f) => f.name)).toEqual([
      '/run/switchyard/labs/r1-a.json',
      '/tmp/r1-a/lab.json',
    ]);
  });
});
