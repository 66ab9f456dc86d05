/**
 * discovery.k8s.io/v1 EndpointSlice, networking.k8s.io/v1 Ingress and IngressClass,
 * coordination.k8s.io/v1 Lease: the JSON wire shapes (k8s.io/api/{discovery,networking,coordination}/v1).
 */
import type { ObjectReference, Protocol } from './core-v1.js';
import type { KubeList, KubeObject } from './meta.js';

/** One endpoint of a slice. `conditions.ready` nil means ready (KEP-1672). */
export interface Endpoint {
  addresses: string[];
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name: string }[] };
}

/** One port of a slice (`port` nil means all ports). */
export interface EndpointPort {
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

/** discovery.k8s.io/v1 EndpointSlice; the Service is the label `kubernetes.io/service-name`. */
export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

/** An Ingress backend: a Service port or a typed resource. */
export interface IngressBackend {
  service?: { name: string; port: { number?: number; name?: string } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

/** One path rule. */
export interface HTTPIngressPath {
  path?: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: IngressBackend;
}

/** networking.k8s.io/v1 Ingress. */
export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: { host?: string; http?: { paths: HTTPIngressPath[] } }[];
  };
  status?: {
    loadBalancer?: {
      ingress?: { ip?: string; hostname?: string; ports?: { port: number; protocol: Protocol }[] }[];
    };
  };
}

/** networking.k8s.io/v1 IngressClass. */
export interface IngressClass extends KubeObject {
  spec?: { controller?: string; parameters?: Record<string, unknown> };
}

/** coordination.k8s.io/v1 Lease (leader election, node heartbeats). */
export interface Lease extends KubeObject {
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Lists. */
export type EndpointSliceList = KubeList<EndpointSlice>;
export type IngressList = KubeList<Ingress>;
