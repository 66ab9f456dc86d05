/** Kubernetes' API version ordering. */
import { describe, expect, it } from 'vitest';
import { compareKubeVersions } from './kube-version.js';

describe('compareKubeVersions', () => {
  it('orders GA, beta, alpha, then other names alphabetically', () => {
    const versions = [
      'foo',
      'v1alpha1',
      'v1beta1',
      'v12alpha1',
      'v1',
      'v1beta2',
      'v2',
      'v11beta2',
      'bar',
      'v10',
    ];
    expect([...versions].sort(compareKubeVersions)).toEqual([
      'v10',
      'v2',
      'v1',
      'v11beta2',
      'v1beta2',
      'v1beta1',
      'v12alpha1',
      'v1alpha1',
      'bar',
      'foo',
    ]);
  });
});
