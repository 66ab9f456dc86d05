/**
 * Table columns of the core group (pkg/printers/internalversion/printers.go): pods, nodes,
 * namespaces, services, configmaps, secrets, service accounts, endpoints and events.
 */
import { isJsonObject, type Json, type JsonObject } from '../../../lib/api/json.js';
import { AGE, age, arr, type Column, get, keys, NAME, str } from './cells.js';

/** The STATUS column of a pod (printPod: reason, waiting/terminated reasons, Terminating). */
function podStatus(o: JsonObject): string {
  let reason = str(o, 'status.reason', '') || str(o, 'status.phase', 'Pending');
  for (const cs of arr(get(o, 'status.containerStatuses'))) {
    const waiting = get(cs, 'state.waiting.reason');
    const terminated = get(cs, 'state.terminated.reason');
    if (typeof waiting === 'string' && waiting) reason = waiting;
    else if (typeof terminated === 'string' && terminated) reason = terminated;
  }
  if (get(o, 'metadata.deletionTimestamp') !== undefined) reason = 'Terminating';
  return reason;
}

function servicePorts(o: JsonObject): string {
  const ports = arr(get(o, 'spec.ports')).map((p) => {
    const np = typeof p.nodePort === 'number' ? `:${p.nodePort}` : '';
    return `${String(p.port)}${np}/${String(p.protocol ?? 'TCP')}`;
  });
  return ports.length ? ports.join(',') : '<none>';
}

function externalIp(o: JsonObject): string {
  const type = str(o, 'spec.type', 'ClusterIP');
  const ext = Array.isArray(get(o, 'spec.externalIPs'))
    ? (get(o, 'spec.externalIPs') as Json[]).map(String)
    : [];
  if (type === 'ExternalName') return str(o, 'spec.externalName');
  if (type === 'LoadBalancer') {
    const lb = arr(get(o, 'status.loadBalancer.ingress')).map((i) => String(i.ip ?? i.hostname ?? ''));
    const all = [...lb, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  return ext.length ? ext.join(',') : '<none>';
}

function nodeStatus(o: JsonObject): string {
  const ready = arr(get(o, 'status.conditions')).find((c) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : 'NotReady';
  if (get(o, 'spec.unschedulable') === true) s += ',SchedulingDisabled';
  return s;
}

function nodeRoles(o: JsonObject): string {
  const labels = get(o, 'metadata.labels');
  const roles = isJsonObject(labels)
    ? Object.keys(labels)
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length))
    : [];
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(o: JsonObject, type: string): string {
  return String(arr(get(o, 'status.addresses')).find((a) => a.type === type)?.address ?? '<none>');
}

/** printers.go formatEndpoints: `ip:port` pairs, at most three, then `+ N more...`. */
function endpointsText(o: JsonObject): string {
  const all: string[] = [];
  for (const subset of arr(o.subsets)) {
    const ips = arr(subset.addresses).map((a) => String(a.ip ?? ''));
    const ports = arr(subset.ports);
    if (ports.length === 0) all.push(...ips);
    for (const p of ports) for (const ip of ips) all.push(`${ip}:${String(p.port ?? '')}`);
  }
  if (all.length === 0) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

function containersOfPod(o: JsonObject): number {
  return arr(get(o, 'spec.containers')).length;
}

/** The core group's columns, by `/plural`. */
export const CORE_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  '/pods': [
    NAME,
    {
      name: 'Ready',
      cell: (o) => {
        const cs = arr(get(o, 'status.containerStatuses'));
        const total = containersOfPod(o);
        return `${cs.filter((c) => c.ready === true).length}/${total}`;
      },
    },
    { name: 'Status', cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      cell: (o) =>
        String(
          arr(get(o, 'status.containerStatuses')).reduce(
            (n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0),
            0,
          ),
        ),
    },
    AGE,
    { name: 'IP', priority: 1, cell: (o) => str(o, 'status.podIP') },
    { name: 'Node', priority: 1, cell: (o) => str(o, 'spec.nodeName') },
    { name: 'Nominated Node', priority: 1, cell: (o) => str(o, 'status.nominatedNodeName') },
    { name: 'Readiness Gates', priority: 1, cell: () => '<none>' },
  ],
  '/nodes': [
    NAME,
    { name: 'Status', cell: nodeStatus },
    { name: 'Roles', cell: nodeRoles },
    AGE,
    { name: 'Version', cell: (o) => str(o, 'status.nodeInfo.kubeletVersion', '') },
    { name: 'Internal-IP', priority: 1, cell: (o) => nodeAddress(o, 'InternalIP') },
    { name: 'External-IP', priority: 1, cell: (o) => nodeAddress(o, 'ExternalIP') },
    { name: 'OS-Image', priority: 1, cell: (o) => str(o, 'status.nodeInfo.osImage', '<unknown>') },
    {
      name: 'Kernel-Version',
      priority: 1,
      cell: (o) => str(o, 'status.nodeInfo.kernelVersion', '<unknown>'),
    },
    {
      name: 'Container-Runtime',
      priority: 1,
      cell: (o) => str(o, 'status.nodeInfo.containerRuntimeVersion', '<unknown>'),
    },
  ],
  '/namespaces': [NAME, { name: 'Status', cell: (o) => str(o, 'status.phase', 'Active') }, AGE],
  '/services': [
    NAME,
    { name: 'Type', cell: (o) => str(o, 'spec.type', 'ClusterIP') },
    { name: 'Cluster-IP', cell: (o) => str(o, 'spec.clusterIP') },
    { name: 'External-IP', cell: externalIp },
    { name: 'Port(s)', cell: servicePorts },
    AGE,
    {
      name: 'Selector',
      priority: 1,
      cell: (o) => {
        const s = get(o, 'spec.selector');
        const parts = isJsonObject(s) ? Object.entries(s).map(([k, v]) => `${k}=${String(v)}`) : [];
        return parts.length ? parts.sort().join(',') : '<none>';
      },
    },
  ],
  '/configmaps': [
    NAME,
    {
      name: 'Data',
      type: 'integer',
      cell: (o) => keys(o.data) + keys(o.binaryData),
    },
    AGE,
  ],
  '/secrets': [
    NAME,
    { name: 'Type', cell: (o) => str(o, 'type', '') },
    { name: 'Data', type: 'integer', cell: (o) => keys(o.data) },
    AGE,
  ],
  '/serviceaccounts': [NAME, { name: 'Secrets', type: 'integer', cell: (o) => arr(o.secrets).length }, AGE],
  '/endpoints': [NAME, { name: 'Endpoints', cell: endpointsText }, AGE],
  '/events': [
    {
      name: 'Last Seen',
      cell: (o, now) =>
        typeof o.lastTimestamp === 'string'
          ? age(o, now, 'lastTimestamp')
          : typeof o.eventTime === 'string'
            ? age(o, now, 'eventTime')
            : age(o, now),
    },
    { name: 'Type', cell: (o) => str(o, 'type', '') },
    { name: 'Reason', cell: (o) => str(o, 'reason', '') },
    {
      name: 'Object',
      cell: (o) => `${str(o, 'involvedObject.kind', '').toLowerCase()}/${str(o, 'involvedObject.name', '')}`,
    },
    { name: 'Message', cell: (o) => str(o, 'message', '').trim() },
  ],
};
