import { describe, expect, it } from 'vitest';
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  portNameProblem,
  qualifiedNameProblem,
  validateObject,
} from './index.js';

describe('names', () => {
  it('follow RFC 1123 labels and subdomains, label keys and IANA port names', () => {
    expect(dns1123LabelProblem('web-1')).toBeUndefined();
    expect(dns1123LabelProblem('Web')).toContain('RFC 1123 label');
    expect(dns1123LabelProblem('a'.repeat(64))).toBe('must be no more than 63 characters');
    expect(dns1123SubdomainProblem('a.b-c.d')).toBeUndefined();
    expect(dns1123SubdomainProblem('a..b')).toContain('RFC 1123 subdomain');
    expect(qualifiedNameProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(qualifiedNameProblem('bad key!')).toContain('name part');
    expect(portNameProblem('http')).toBeUndefined();
    expect(portNameProblem('8080')).toBe('must contain at least one letter (a-z)');
    expect(portNameProblem('a--b')).toContain('consecutive hyphens');
  });
});

describe('validation', () => {
  it('names every bad field of a pod', () => {
    const errs = validateObject(
      {
        metadata: { name: 'p', namespace: 'default', labels: { 'bad key!': 'x' } },
        spec: {
          restartPolicy: 'Sometimes',
          containers: [
            {
              name: 'c',
              image: 'i',
              ports: [{ containerPort: 0, protocol: 'ICMP', name: 'HTTP' }],
              env: [{ name: '1x' }],
            },
            { name: 'c' },
          ],
        },
      },
      { group: '', kind: 'Pod', namespaced: true },
    );
    expect(errs.map((e) => e.field)).toEqual([
      'metadata.labels',
      'spec.containers[0].ports[0].containerPort',
      'spec.containers[0].ports[0].protocol',
      'spec.containers[0].ports[0].name',
      'spec.containers[0].env[0].name',
      'spec.containers[1].name',
      'spec.containers[1].image',
      'spec.restartPolicy',
    ]);
  });
  it('checks workload selectors against template labels and cluster-scoped namespaces', () => {
    const errs = validateObject(
      {
        metadata: { name: 'd', namespace: 'x' },
        spec: {
          selector: { matchLabels: { a: '1' } },
          template: { metadata: { labels: { a: '2' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        },
      },
      { group: 'apps', kind: 'Deployment', namespaced: true },
    );
    expect(errs.map((e) => e.message)).toEqual([
      'Invalid value: {"a":"2"}: `selector` does not match template `labels`',
    ]);
    const ns = validateObject(
      { metadata: { name: 'n', namespace: 'x' } },
      { group: '', kind: 'Node', namespaced: false },
    );
    expect(ns.map((e) => e.field)).toEqual(['metadata.namespace']);
  });
});
