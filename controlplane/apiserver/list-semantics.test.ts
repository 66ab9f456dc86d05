/**
 * The list-semantics table against the upstream OpenAPI excerpt it was derived from, and the
 * lookups the patch code relies on. `UPDATE_LIST_SEMANTICS=1 vitest run` rewrites the table
 * from the excerpt (after scripts/gen-list-semantics.mjs refreshed the excerpt).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deriveListSemantics,
  fieldAtPath,
  isAtomicType,
  rootTypeOf,
  type SpecExcerpt,
} from './list-semantics.js';

const dir = join(import.meta.dirname, 'list-semantics');
const excerpt = JSON.parse(readFileSync(join(dir, 'upstream-excerpt.json'), 'utf8')) as SpecExcerpt;

describe('list-semantics table', () => {
  it('is exactly what the upstream excerpt says', () => {
    const derived = deriveListSemantics(excerpt);
    const file = join(dir, 'table.json');
    if (process.env.UPDATE_LIST_SEMANTICS === '1')
      writeFileSync(file, `${JSON.stringify(derived, null, 1)}\n`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(derived);
    expect(derived.source).toContain('release-1.32');
  });

  it('covers every built-in group the server serves', () => {
    for (const k of [
      'v1/Pod',
      'v1/Service',
      'v1/ConfigMap',
      'apps/v1/DaemonSet',
      'batch/v1/CronJob',
      'networking.k8s.io/v1/Ingress',
      'discovery.k8s.io/v1/EndpointSlice',
      'rbac.authorization.k8s.io/v1/ClusterRole',
      'policy/v1/PodDisruptionBudget',
      'scheduling.k8s.io/v1/PriorityClass',
      'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
      'apiregistration.k8s.io/v1/APIService',
      'coordination.k8s.io/v1/Lease',
      'apiextensions.k8s.io/v1/CustomResourceDefinition',
    ]) {
      const [kind, ...gv] = k.split('/').reverse();
      expect(rootTypeOf(gv.reverse().join('/'), kind ?? ''), k).toBeDefined();
    }
  });

  it('keys container ports on port and protocol for apply, on containerPort for strategic merge', () => {
    const ports = fieldAtPath('apps/v1', 'DaemonSet', 'spec.template.spec.containers[].ports');
    expect(ports).toMatchObject({
      list: 'map',
      keys: ['containerPort', 'protocol'],
      mergeKey: 'containerPort',
    });
    expect(fieldAtPath('v1', 'Service', 'spec.ports')).toMatchObject({
      list: 'map',
      keys: ['port', 'protocol'],
      patch: 'merge',
      mergeKey: 'port',
    });
  });

  it('reads env, volumes, tolerations, finalizers and strategies as upstream declares them', () => {
    expect(fieldAtPath('v1', 'Pod', 'spec.containers[].env')).toMatchObject({
      list: 'map',
      keys: ['name'],
      mergeKey: 'name',
    });
    expect(fieldAtPath('v1', 'Pod', 'spec.volumes')).toMatchObject({
      patch: 'merge,retainKeys',
      mergeKey: 'name',
    });
    expect(fieldAtPath('v1', 'Pod', 'spec.tolerations')).toMatchObject({ list: 'atomic' });
    expect(fieldAtPath('v1', 'Pod', 'spec.tolerations')?.mergeKey).toBeUndefined();
    expect(fieldAtPath('v1', 'Pod', 'metadata.finalizers')).toMatchObject({ list: 'set', patch: 'merge' });
    expect(fieldAtPath('apps/v1', 'Deployment', 'spec.strategy')).toMatchObject({ patch: 'retainKeys' });
    expect(fieldAtPath('rbac.authorization.k8s.io/v1', 'ClusterRole', 'rules')).toMatchObject({
      list: 'atomic',
    });
    expect(isAtomicType(fieldAtPath('apps/v1', 'Deployment', 'spec.selector')?.of)).toBe(true);
    expect(rootTypeOf('example.com/v1', 'Widget')).toBeUndefined();
  });
});
