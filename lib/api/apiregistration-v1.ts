/** apiregistration.k8s.io/v1 in the JSON wire shape (k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/types.go). */
import type { KubeObject } from './meta.js';

/** An API group-version served by another server (`service`) or by kube-apiserver itself (no service). */
export interface APIService extends KubeObject {
  spec: {
    service?: { namespace?: string; name?: string; port?: number };
    group?: string;
    version?: string;
    insecureSkipTLSVerify?: boolean;
    caBundle?: string;
    groupPriorityMinimum: number;
    versionPriority: number;
  };
  status?: {
    conditions?: {
      type: 'Available';
      status: 'True' | 'False' | 'Unknown';
      lastTransitionTime?: string;
      reason?: string;
      message?: string;
    }[];
  };
}
