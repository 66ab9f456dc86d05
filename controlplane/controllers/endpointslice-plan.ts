/**
 * The EndpointSlice controller's pure core (pkg/controller/endpointslice + the reconciler in
 * staging/src/k8s.io/endpointslice): desired endpoints of a Service from its pods, grouped by
 * address family and resolved port set; then a minimal-churn plan against the existing slices —
 * endpoints stay in the slice they are in, changed ones are updated in place, new ones fill
 * slices that change anyway, then slices with room, then new slices of at most `maxPerSlice`.
 */
import type { Endpoint, EndpointPort, EndpointSlice, Pod, Service } from '../../lib/api/index.js';
import { isPodReady } from './pods.js';

/** Label naming the Service a slice belongs to (discovery/v1 LabelServiceName). */
export const SERVICE_NAME = 'kubernetes.io/service-name';
/** Label naming the slice's manager (discovery/v1 LabelManagedBy). */
export const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** Our manager value, the one kube-controller-manager uses. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** Endpoints per slice (kube-controller-manager `--max-endpoints-per-slice` default). */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** Endpoints that share an address family and a resolved port list. */
export interface EndpointGroup {
  readonly addressType: 'IPv4' | 'IPv6';
  readonly ports: readonly EndpointPort[];
  /** Keyed by `podUid/address`. */
  readonly endpoints: ReadonlyMap<string, Endpoint>;
}

function groupKey(addressType: string, ports: readonly EndpointPort[]): string {
  const sorted = [...ports].sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1));
  return `${addressType}|${JSON.stringify(sorted.map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']))}`;
}

/** Resolves each service port against the pod (a named targetPort looks up the container port). */
function podPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const protocol = sp.protocol ?? 'TCP';
    const target = sp.targetPort ?? sp.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else if (/^\d+$/.test(target)) port = Number(target);
    else {
      for (const c of pod.spec.containers ?? [])
        for (const cp of c.ports ?? [])
          if (cp.name === target && (cp.protocol ?? 'TCP') === protocol) port = cp.containerPort;
    }
    if (port === undefined) continue; // this pod does not serve that named port
    out.push({
      name: sp.name ?? '',
      port,
      protocol,
      ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
    });
  }
  return out;
}

/** True when `labels` contain every selector pair (a Service selector is equality-only). */
export function selectsPod(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

/** Pure: the endpoint groups a Service should publish, from the pods in its namespace. */
export function desiredEndpoints(svc: Service, pods: readonly Pod[]): Map<string, EndpointGroup> {
  const selector = svc.spec.selector ?? {};
  const families = new Set(svc.spec.ipFamilies?.length ? svc.spec.ipFamilies : ['IPv4']);
  const groups = new Map<
    string,
    { addressType: 'IPv4' | 'IPv6'; ports: EndpointPort[]; endpoints: Map<string, Endpoint> }
  >();
  for (const pod of pods) {
    if (!selectsPod(selector, pod.metadata.labels)) continue;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const ips = pod.status?.podIPs?.map((x) => x.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
    if (ips.length === 0) continue;
    const terminating = pod.metadata.deletionTimestamp !== undefined;
    const serving = svc.spec.publishNotReadyAddresses === true || isPodReady(pod);
    const ports = podPorts(svc, pod);
    for (const ip of ips) {
      const addressType = ip.includes(':') ? 'IPv6' : 'IPv4';
      if (!families.has(addressType)) continue;
      const key = groupKey(addressType, ports);
      let g = groups.get(key);
      if (!g) {
        g = { addressType, ports, endpoints: new Map() };
        groups.set(key, g);
      }
      g.endpoints.set(`${pod.metadata.uid ?? pod.metadata.name}/${ip}`, {
        addresses: [ip],
        // Ready excludes terminating endpoints; serving does not (KEP-1672).
        conditions: { ready: serving && !terminating, serving, terminating },
        ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        targetRef: {
          kind: 'Pod',
          namespace: pod.metadata.namespace ?? '',
          name: pod.metadata.name ?? '',
          uid: pod.metadata.uid ?? '',
        },
      });
    }
  }
  return groups;
}

/** What to write. */
export interface SlicePlan {
  readonly create: readonly EndpointSlice[];
  readonly update: readonly EndpointSlice[];
  readonly delete: readonly string[];
}

const endpointKey = (e: Endpoint): string =>
  `${e.targetRef?.uid ?? e.targetRef?.name ?? ''}/${e.addresses[0] ?? ''}`;

const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A new slice of `svc` for group `g`, owned by the Service and labelled as ours. */
function newSlice(svc: Service, g: EndpointGroup, endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace ?? 'default',
      labels: { [SERVICE_NAME]: svc.metadata.name ?? '', [MANAGED_BY]: CONTROLLER_NAME },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: svc.metadata.name ?? '',
          uid: svc.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: g.addressType,
    endpoints,
    ports: [...g.ports],
  };
}

/** Pure: the minimal set of slice writes that makes `existing` publish `groups`. */
export function planSlices(input: {
  readonly service: Service;
  readonly groups: ReadonlyMap<string, EndpointGroup>;
  readonly existing: readonly EndpointSlice[];
  readonly maxPerSlice?: number;
}): SlicePlan {
  const max = input.maxPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
  const svc = input.service;
  const groups = new Map(input.groups);
  // A Service with no endpoints keeps one empty placeholder slice (reconciler placeholderSliceCompare).
  if (groups.size === 0)
    groups.set(groupKey('IPv4', []), { addressType: 'IPv4', ports: [], endpoints: new Map() });
  const create: EndpointSlice[] = [];
  const update: EndpointSlice[] = [];
  const del: string[] = [];
  const byGroup = new Map<string, EndpointSlice[]>();
  for (const s of input.existing) {
    const k = groupKey(s.addressType, s.ports ?? []);
    if (!groups.has(k)) del.push(s.metadata.name ?? '');
    else byGroup.set(k, [...(byGroup.get(k) ?? []), s]);
  }
  for (const [k, g] of groups) {
    const slices = (byGroup.get(k) ?? []).sort((a, b) =>
      (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1,
    );
    const placed = new Set<string>();
    const changed = new Set<EndpointSlice>();
    const next = new Map<EndpointSlice, Endpoint[]>();
    for (const s of slices) {
      const kept: Endpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const key = endpointKey(e);
        const want = g.endpoints.get(key);
        if (!want || placed.has(key)) {
          changed.add(s);
          continue;
        }
        placed.add(key);
        if (!sameEndpoint(e, want)) changed.add(s);
        kept.push(want);
      }
      next.set(s, kept);
    }
    const pending = [...g.endpoints].filter(([key]) => !placed.has(key)).map(([, e]) => e);
    // Fill slices that are being written anyway first, then any with room.
    const order = [...slices].sort((a, b) => Number(changed.has(b)) - Number(changed.has(a)));
    for (const s of order) {
      const list = next.get(s)!;
      while (pending.length > 0 && list.length < max) {
        list.push(pending.shift()!);
        changed.add(s);
      }
    }
    while (pending.length > 0) {
      create.push(newSlice(svc, g, pending.splice(0, max)));
    }
    let kept = 0;
    for (const s of slices) {
      const list = next.get(s)!;
      // Empty slices go, except one placeholder when the group has no endpoints at all.
      if (list.length === 0 && (g.endpoints.size > 0 || kept > 0 || create.length > 0)) {
        del.push(s.metadata.name ?? '');
        continue;
      }
      kept += 1;
      if (changed.has(s)) update.push({ ...s, endpoints: list });
    }
    if (slices.length === 0 && g.endpoints.size === 0) create.push(newSlice(svc, g, []));
  }
  return { create, update, delete: del };
}
