/**
 * The namespace controller's pure decisions, with the cases of upstream's
 * namespaced_resources_deleter_test.go and status_condition_utils_test.go in mind.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../lib/api/index.js';
import {
  type DeletionTarget,
  deletionTargets,
  finalizedSpec,
  mergeConditions,
  parseGroupVersion,
  podGraceEstimate,
  requeueSeconds,
  resourceOutcome,
  summarizePass,
} from './namespace-plan.js';

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const target = (group: string, resource: string, version = 'v1'): DeletionTarget => ({
  group,
  version,
  resource,
  deleteCollection: true,
  list: true,
});

describe('deletionTargets', () => {
  it('keeps deletable types, says how to delete each, pods first', () => {
    const r = deletionTargets(
      [
        {
          groupVersion: 'v1',
          resources: [
            { name: 'configmaps', verbs: ALL },
            { name: 'pods', verbs: ALL },
            { name: 'pods/status', verbs: ['get', 'patch', 'update'] },
            { name: 'bindings', verbs: ['create'] },
            { name: 'events', verbs: ['delete', 'get'] },
          ],
        },
        { groupVersion: 'apps/v1', resources: [{ name: 'deployments', verbs: ALL }] },
        { groupVersion: 'example.com/v1', resources: [{ name: 'my-widgets', verbs: ALL }] },
      ],
      true,
    );
    expect(r).toEqual({
      kind: 'targets',
      targets: [
        target('', 'pods'),
        target('', 'configmaps'),
        { group: '', version: 'v1', resource: 'events', deleteCollection: false, list: false },
        target('apps', 'deployments'),
        target('example.com', 'my-widgets'),
      ],
    });
    const unordered = deletionTargets(
      [
        {
          groupVersion: 'v1',
          resources: [
            { name: 'pods', verbs: ALL },
            { name: 'configmaps', verbs: ALL },
          ],
        },
      ],
      false,
    );
    expect(unordered.kind === 'targets' && unordered.targets.map((t) => t.resource)).toEqual([
      'configmaps',
      'pods',
    ]);
  });

  it('a malformed group-version stops the pass, as upstream', () => {
    expect(parseGroupVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(parseGroupVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(parseGroupVersion('a/b/c')).toBeUndefined();
    expect(
      deletionTargets([{ groupVersion: 'a/b/c', resources: [{ name: 'x', verbs: ALL }] }], true),
    ).toEqual({
      kind: 'parse-error',
      message: 'unexpected GroupVersion string: a/b/c',
    });
  });
});

describe('podGraceEstimate', () => {
  const pod = (grace: number | undefined, phase?: string): Pod =>
    ({
      metadata: { name: 'p' },
      spec: { containers: [], ...(grace === undefined ? {} : { terminationGracePeriodSeconds: grace }) },
      ...(phase ? { status: { phase } } : {}),
    }) as Pod;
  const deleted = '2026-01-01T00:00:00Z';
  const t0 = Date.parse(deleted);

  it('is the longest grace period of pods not yet terminal', () => {
    expect(
      podGraceEstimate([pod(30), pod(60, 'Succeeded'), pod(10), pod(undefined)], deleted, t0 + 1000),
    ).toBe(30);
    expect(podGraceEstimate([pod(90, 'Failed')], deleted, t0)).toBe(0);
  });

  it('is 0 once that long has passed since the namespace was deleted', () => {
    expect(podGraceEstimate([pod(30)], deleted, t0 + 29_999)).toBe(30);
    expect(podGraceEstimate([pod(30)], deleted, t0 + 30_000)).toBe(0);
  });
});

describe('resourceOutcome', () => {
  const base = { namespace: 'ns', target: target('', 'pods') };

  it('nothing left: done, whatever the estimate', () => {
    expect(resourceOutcome({ ...base, left: [], estimate: 30 })).toEqual({
      estimate: 0,
      remaining: 0,
      finalizers: new Map(),
    });
  });

  it('left objects wait out the grace estimate, else the finalizer estimate', () => {
    const graceful = resourceOutcome({ ...base, left: [{}, {}], estimate: 30 });
    expect(graceful).toEqual({ estimate: 30, remaining: 2, finalizers: new Map() });
    const held = resourceOutcome({
      ...base,
      left: [{ finalizers: ['example.com/x', 'b/y'] }, { finalizers: ['example.com/x'] }],
      estimate: 0,
    });
    expect(held.estimate).toBe(15);
    expect([...held.finalizers]).toEqual([
      ['example.com/x', 2],
      ['b/y', 1],
    ]);
  });

  it('left objects with nothing to wait for are an error naming the GVR as Go prints it', () => {
    expect(resourceOutcome({ ...base, left: [{ finalizers: [] }], estimate: 0 })).toEqual({
      estimate: 0,
      remaining: 1,
      finalizers: new Map(),
      error: 'unexpected items still remain in namespace: ns for gvr: /v1, Resource=pods',
    });
  });
});

describe('summarizePass', () => {
  it('all removed: every condition False with its OK reason and message', () => {
    const s = summarizePass({
      discoveryFailures: [],
      outcomes: [
        { target: target('', 'pods'), outcome: { estimate: 0, remaining: 0, finalizers: new Map() } },
      ],
    });
    expect(s.estimate).toBe(0);
    expect(s.errors).toEqual([]);
    expect(s.conditions).toEqual([
      {
        type: 'NamespaceDeletionDiscoveryFailure',
        status: 'False',
        reason: 'ResourcesDiscovered',
        message: 'All resources successfully discovered',
      },
      {
        type: 'NamespaceDeletionGroupVersionParsingFailure',
        status: 'False',
        reason: 'ParsedGroupVersions',
        message: 'All legacy kube types successfully parsed',
      },
      {
        type: 'NamespaceDeletionContentFailure',
        status: 'False',
        reason: 'ContentDeleted',
        message: 'All content successfully deleted, may be waiting on finalization',
      },
      {
        type: 'NamespaceContentRemaining',
        status: 'False',
        reason: 'ContentRemoved',
        message: 'All content successfully removed',
      },
      {
        type: 'NamespaceFinalizersRemaining',
        status: 'False',
        reason: 'ContentHasNoFinalizers',
        message: 'All content-preserving finalizers finished',
      },
    ]);
  });

  it('remaining content and finalizers: upstream messages, sorted, the longest estimate', () => {
    const s = summarizePass({
      discoveryFailures: [],
      outcomes: [
        { target: target('', 'pods'), outcome: { estimate: 30, remaining: 2, finalizers: new Map() } },
        {
          target: target('example.com', 'widgets'),
          outcome: { estimate: 15, remaining: 1, finalizers: new Map([['example.com/x', 1]]) },
        },
        {
          target: target('', 'configmaps'),
          outcome: {
            estimate: 15,
            remaining: 2,
            finalizers: new Map([
              ['example.com/x', 1],
              ['a.io/y', 1],
            ]),
          },
        },
      ],
    });
    expect(s.estimate).toBe(30);
    expect(s.errors).toEqual([]);
    const byType = new Map(s.conditions.map((c) => [c.type, c]));
    expect(byType.get('NamespaceContentRemaining')).toEqual({
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message:
        'Some resources are remaining: configmaps. has 2 resource instances, pods. has 2 resource instances, widgets.example.com has 1 resource instances',
    });
    expect(byType.get('NamespaceFinalizersRemaining')).toEqual({
      type: 'NamespaceFinalizersRemaining',
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message:
        'Some content in the namespace has finalizers remaining: a.io/y in 1 resource instances, example.com/x in 2 resource instances',
    });
    expect(byType.get('NamespaceDeletionContentFailure')?.status).toBe('False');
  });

  it('discovery failing as a whole reports its own message', () => {
    const s = summarizePass({ discoveryFailures: [], discoveryError: 'connection refused', outcomes: [] });
    expect(s.errors).toEqual(['connection refused']);
    expect(s.conditions[0]).toEqual({
      type: 'NamespaceDeletionDiscoveryFailure',
      status: 'True',
      reason: 'DiscoveryFailed',
      message: 'connection refused',
    });
  });

  it('discovery, parsing and content failures are errors with their conditions', () => {
    const s = summarizePass({
      discoveryFailures: [
        {
          groupVersion: 'metrics.k8s.io/v1beta1',
          message: 'the server is currently unable to handle the request',
        },
        { groupVersion: 'x.io/v1', message: 'boom' },
      ],
      parseError: 'unexpected GroupVersion string: a/b/c',
      outcomes: [
        { target: target('', 'secrets'), error: 'secrets is forbidden' },
        {
          target: target('', 'pods'),
          outcome: {
            estimate: 0,
            remaining: 1,
            finalizers: new Map(),
            error: 'unexpected items still remain in namespace: ns for gvr: /v1, Resource=pods',
          },
        },
      ],
    });
    expect(s.errors).toHaveLength(4);
    const byType = new Map(s.conditions.map((c) => [c.type, c]));
    expect(byType.get('NamespaceDeletionDiscoveryFailure')).toMatchObject({
      status: 'True',
      reason: 'DiscoveryFailed',
      message:
        'Discovery failed for some groups, 2 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request, x.io/v1: boom',
    });
    expect(byType.get('NamespaceDeletionGroupVersionParsingFailure')).toMatchObject({
      status: 'True',
      reason: 'GroupVersionParsingFailed',
      message: 'unexpected GroupVersion string: a/b/c',
    });
    expect(byType.get('NamespaceDeletionContentFailure')).toMatchObject({
      status: 'True',
      reason: 'ContentDeletionFailed',
      message:
        'Failed to delete all resource types, 2 remaining: secrets is forbidden, unexpected items still remain in namespace: ns for gvr: /v1, Resource=pods',
    });
    expect(byType.get('NamespaceContentRemaining')?.message).toBe(
      'Some resources are remaining: pods. has 1 resource instances',
    );
  });
});

describe('mergeConditions', () => {
  it('adds missing types, updates changed ones, moves the time only when the status flips', () => {
    const wanted = summarizePass({ discoveryFailures: [], outcomes: [] }).conditions;
    const first = mergeConditions([{ type: 'Other', status: 'True' }], wanted, '2026-01-01T00:00:00Z');
    expect(first.changed).toBe(true);
    expect(first.conditions.map((c) => c.type)).toEqual([
      'Other',
      'NamespaceDeletionDiscoveryFailure',
      'NamespaceDeletionGroupVersionParsingFailure',
      'NamespaceDeletionContentFailure',
      'NamespaceContentRemaining',
      'NamespaceFinalizersRemaining',
    ]);
    expect(mergeConditions(first.conditions, wanted, '2026-01-01T00:00:09Z').changed).toBe(false);
    const remain = (n: number) =>
      summarizePass({
        discoveryFailures: [],
        outcomes: [
          { target: target('', 'pods'), outcome: { estimate: 5, remaining: n, finalizers: new Map() } },
        ],
      }).conditions;
    const second = mergeConditions(first.conditions, remain(2), '2026-01-01T00:00:10Z');
    const third = mergeConditions(second.conditions, remain(1), '2026-01-01T00:00:20Z');
    const cr = (cs: typeof third.conditions) => cs.find((c) => c.type === 'NamespaceContentRemaining');
    expect(cr(second.conditions)).toMatchObject({
      status: 'True',
      lastTransitionTime: '2026-01-01T00:00:10Z',
    });
    expect(cr(third.conditions)).toMatchObject({
      status: 'True',
      lastTransitionTime: '2026-01-01T00:00:10Z',
      message: 'Some resources are remaining: pods. has 1 resource instances',
    });
    expect(cr(first.conditions)?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});

describe('timing and finalize', () => {
  it('waits estimate/2 + 1 seconds', () => {
    expect(requeueSeconds(15)).toBe(8);
    expect(requeueSeconds(30)).toBe(16);
    expect(requeueSeconds(1)).toBe(1);
  });

  it('finalizes with the other finalizers, sorted and unique', () => {
    expect(finalizedSpec(['kubernetes'])).toEqual([]);
    expect(finalizedSpec(['z.io/b', 'kubernetes', 'a.io/a', 'z.io/b'])).toEqual(['a.io/a', 'z.io/b']);
  });
});
