/**
 * The slice of the core/v1 Pod and Node wire shapes the scheduler reads (field names exactly as
 * in k8s.io/api/core/v1/types.go). Converted to `PodInfo`/`NodeInfo` at the informer boundary.
 */
import type { KubeObject } from '../../lib/api/index.js';

/** A node selector requirement (`NodeSelectorRequirement`). */
export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

/** One `NodeSelectorTerm`: all expressions must hold. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** `Toleration`. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | '';
  tolerationSeconds?: number;
}

/** `Taint`. */
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

/** `PodCondition` / `NodeCondition` (the common fields). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
  lastHeartbeatTime?: string;
}

/** `Container`, as far as scheduling goes. */
export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  ports?: { name?: string; containerPort: number; hostPort?: number; hostIP?: string; protocol?: string }[];
}

/** core/v1 Pod (slim). */
export interface Pod extends KubeObject {
  spec: {
    nodeName?: string;
    schedulerName?: string;
    nodeSelector?: Record<string, string>;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
        preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
      };
    };
    tolerations?: Toleration[];
    containers: Container[];
    initContainers?: Container[];
    overhead?: Record<string, string | number>;
  };
  status?: { phase?: string; conditions?: Condition[] };
}

/** core/v1 Node (slim). */
export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; podCIDR?: string };
  status?: {
    allocatable?: Record<string, string | number>;
    capacity?: Record<string, string | number>;
    conditions?: Condition[];
  };
}

/** The `Binding` posted to pods/NAME/binding. */
export interface Binding extends KubeObject {
  target: { apiVersion: 'v1'; kind: 'Node'; name: string };
}

/** core/v1 Event (the fields the scheduler writes). */
export interface KubeEvent extends KubeObject {
  involvedObject: { kind: string; namespace?: string; name: string; uid?: string; apiVersion?: string };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  source?: { component: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
  reportingComponent?: string;
}
