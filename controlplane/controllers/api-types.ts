/**
 * The slices of the wire shapes the controllers read and write (field names exactly as in
 * k8s.io/api core/v1, apps/v1, discovery/v1 and coordination/v1). The API server owns the full
 * types; these are the few fields each controller needs.
 */
import type { KubeObject, LabelSelector } from '../../lib/api/index.js';

/** `PodCondition` / `NodeCondition` / `DeploymentCondition` common fields. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastHeartbeatTime?: string;
  lastProbeTime?: string | null;
}

/** `Taint`. */
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

/** `Toleration`. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** A container, as far as controllers look (ports for EndpointSlices). */
export interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  [extra: string]: unknown;
}

/** The pod spec; controllers copy it from templates verbatim, so unknown fields pass through. */
export interface PodSpec {
  nodeName?: string;
  containers: Container[];
  tolerations?: Toleration[];
  terminationGracePeriodSeconds?: number;
  [extra: string]: unknown;
}

/** core/v1 Pod. */
export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    hostIP?: string;
    startTime?: string;
    conditions?: Condition[];
  };
}

/** `PodTemplateSpec`. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

/** core/v1 Node. */
export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; podCIDR?: string; podCIDRs?: string[] };
  status?: {
    conditions?: Condition[];
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    addresses?: { type: string; address: string }[];
  };
}

/** coordination.k8s.io/v1 Lease. Times are MicroTime (RFC 3339 with microseconds). */
export interface Lease extends KubeObject {
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** apps/v1 RollingUpdate parameters: an integer or a percentage string. */
export type IntOrString = number | string;

/** apps/v1 Deployment. */
export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplate;
    strategy?: {
      type?: 'RollingUpdate' | 'Recreate';
      rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString };
    };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

/** apps/v1 ReplicaSet. */
export interface ReplicaSet extends KubeObject {
  spec: { replicas?: number; selector: LabelSelector; template: PodTemplate; minReadySeconds?: number };
  status?: {
    replicas: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}

/** apps/v1 DaemonSet. */
export interface DaemonSet extends KubeObject {
  spec: { selector: LabelSelector; template: PodTemplate };
  status?: {
    currentNumberScheduled: number;
    desiredNumberScheduled: number;
    numberMisscheduled: number;
    numberReady: number;
    observedGeneration?: number;
  };
}

/** core/v1 ServicePort. */
export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: IntOrString;
  nodePort?: number;
  appProtocol?: string;
}

/** core/v1 Service. */
export interface Service extends KubeObject {
  spec: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    clusterIPs?: string[];
    type?: string;
    ipFamilies?: string[];
    publishNotReadyAddresses?: boolean;
  };
}

/** discovery.k8s.io/v1 Endpoint. */
export interface Endpoint {
  addresses: string[];
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean };
  nodeName?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
}

/** discovery.k8s.io/v1 EndpointPort. */
export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports: EndpointPort[];
}

/** core/v1 Event (what controllers write). */
export interface KubeEvent extends KubeObject {
  involvedObject: { kind: string; namespace?: string; name: string; uid?: string; apiVersion?: string };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  source?: { component: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
}
