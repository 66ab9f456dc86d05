/**
 * Server-side printing: `as=Table` responses with kubectl-like columns (the column sets of
 * kubernetes pkg/printers/internalversion/printers.go). Columns with priority 1 show with
 * `-o wide`; each row carries a PartialObjectMetadata so `-A`, `--show-labels` and `-L` work.
 */
import { isObject, type Json, type JsonObject } from './patch.js';
import { printerCell } from './printer-columns.js';
import type { ResourceInfo } from './resources.js';

interface Column {
  readonly name: string;
  readonly type?: 'string' | 'integer' | 'date' | 'boolean';
  readonly priority?: number;
  readonly cell: (o: JsonObject, now: Date) => Json;
}

function get(o: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = o;
  for (const p of path.split('.')) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}

function str(o: JsonObject, path: string, fallback = '<none>'): string {
  const v = get(o, path);
  return v === undefined || v === null || v === '' ? fallback : String(v);
}

function arr(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** apimachinery duration.HumanDuration: `45s`, `5m10s`, `3h`, `2d5h`, `400d`. */
export function humanDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function age(o: JsonObject, now: Date, path = 'metadata.creationTimestamp'): string {
  const t = get(o, path);
  if (typeof t !== 'string') return '<unknown>';
  return humanDuration((now.getTime() - Date.parse(t)) / 1000);
}

const NAME: Column = { name: 'Name', cell: (o) => str(o, 'metadata.name', '') };
const AGE: Column = { name: 'Age', cell: age };

function selectorText(o: JsonObject): string {
  const match = get(o, 'spec.selector.matchLabels');
  const parts = isObject(match) ? Object.entries(match).map(([k, v]) => `${k}=${String(v)}`) : [];
  return parts.length ? parts.join(',') : '<none>';
}

function containersOf(o: JsonObject): JsonObject[] {
  return arr(get(o, 'spec.template.spec.containers'));
}

const WORKLOAD_WIDE: Column[] = [
  {
    name: 'Containers',
    priority: 1,
    cell: (o) =>
      containersOf(o)
        .map((c) => String(c.name))
        .join(',') || '<none>',
  },
  {
    name: 'Images',
    priority: 1,
    cell: (o) =>
      containersOf(o)
        .map((c) => String(c.image))
        .join(',') || '<none>',
  },
  { name: 'Selector', priority: 1, cell: selectorText },
];

function num(o: JsonObject, path: string): number {
  const v = get(o, path);
  return typeof v === 'number' ? v : 0;
}

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
  const roles = isObject(labels)
    ? Object.keys(labels)
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length))
    : [];
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(o: JsonObject, type: string): string {
  return String(arr(get(o, 'status.addresses')).find((a) => a.type === type)?.address ?? '<none>');
}

function sliceEndpoints(o: JsonObject): string {
  const addrs = arr(o.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : []));
  if (addrs.length === 0) return '<unset>';
  return addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
}

/** printers.go printJob: COMPLETIONS `succeeded/completions` (or `n/1 of parallelism`). */
function jobCompletions(o: JsonObject): string {
  const succeeded = num(o, 'status.succeeded');
  const completions = get(o, 'spec.completions');
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = num(o, 'spec.parallelism');
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function hasTrueCondition(o: JsonObject, type: string): boolean {
  return arr(get(o, 'status.conditions')).some((c) => c.type === type && c.status === 'True');
}

/** printers.go printJob's STATUS. */
function jobStatus(o: JsonObject): string {
  if (hasTrueCondition(o, 'Complete')) return 'Complete';
  if (hasTrueCondition(o, 'Failed')) return 'Failed';
  if (get(o, 'metadata.deletionTimestamp') !== undefined) return 'Terminating';
  if (hasTrueCondition(o, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobDuration(o: JsonObject, now: Date): string {
  const start = get(o, 'status.startTime');
  if (typeof start !== 'string') return '';
  const end = get(o, 'status.completionTime');
  const until = typeof end === 'string' ? Date.parse(end) : now.getTime();
  return humanDuration((until - Date.parse(start)) / 1000);
}

function cronJobContainers(o: JsonObject): JsonObject[] {
  return arr(get(o, 'spec.jobTemplate.spec.template.spec.containers'));
}

const ROLE_COLUMNS: readonly Column[] = [
  NAME,
  { name: 'Created At', type: 'date', cell: (o) => str(o, 'metadata.creationTimestamp', '') },
];

/** rbac SubjectsStrings: users, groups and `ns/name` service accounts, each joined by ", ". */
function subjectsOf(o: JsonObject, kind: string): string {
  return arr(o.subjects)
    .filter((s) => s.kind === kind)
    .map((s) =>
      kind === 'ServiceAccount' && typeof s.namespace === 'string' && s.namespace !== ''
        ? `${s.namespace}/${String(s.name ?? '')}`
        : String(s.name ?? ''),
    )
    .join(', ');
}

/** printers.go printRoleBinding / printClusterRoleBinding. */
const BINDING_COLUMNS: readonly Column[] = [
  NAME,
  { name: 'Role', cell: (o) => `${str(o, 'roleRef.kind', '')}/${str(o, 'roleRef.name', '')}` },
  AGE,
  { name: 'Users', priority: 1, cell: (o) => subjectsOf(o, 'User') },
  { name: 'Groups', priority: 1, cell: (o) => subjectsOf(o, 'Group') },
  { name: 'ServiceAccounts', priority: 1, cell: (o) => subjectsOf(o, 'ServiceAccount') },
];

const COLUMNS: Readonly<Record<string, readonly Column[]>> = {
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
        const parts = isObject(s) ? Object.entries(s).map(([k, v]) => `${k}=${String(v)}`) : [];
        return parts.length ? parts.sort().join(',') : '<none>';
      },
    },
  ],
  'apps/deployments': [
    NAME,
    { name: 'Ready', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(o, 'status.updatedReplicas') },
    { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.availableReplicas') },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'apps/replicasets': [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => num(o, 'spec.replicas') },
    { name: 'Current', type: 'integer', cell: (o) => num(o, 'status.replicas') },
    { name: 'Ready', type: 'integer', cell: (o) => num(o, 'status.readyReplicas') },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'apps/daemonsets': [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => num(o, 'status.desiredNumberScheduled') },
    { name: 'Current', type: 'integer', cell: (o) => num(o, 'status.currentNumberScheduled') },
    { name: 'Ready', type: 'integer', cell: (o) => num(o, 'status.numberReady') },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(o, 'status.updatedNumberScheduled') },
    { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.numberAvailable') },
    {
      name: 'Node Selector',
      cell: (o) => {
        const s = get(o, 'spec.template.spec.nodeSelector');
        const parts = isObject(s) ? Object.entries(s).map(([k, v]) => `${k}=${String(v)}`) : [];
        return parts.length ? parts.join(',') : '<none>';
      },
    },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'batch/jobs': [
    NAME,
    { name: 'Status', cell: jobStatus },
    { name: 'Completions', cell: jobCompletions },
    { name: 'Duration', cell: jobDuration },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'batch/cronjobs': [
    NAME,
    { name: 'Schedule', cell: (o) => str(o, 'spec.schedule', '') },
    { name: 'Timezone', cell: (o) => str(o, 'spec.timeZone') },
    {
      name: 'Suspend',
      cell: (o) => {
        const v = get(o, 'spec.suspend');
        return typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>';
      },
    },
    { name: 'Active', type: 'integer', cell: (o) => arr(get(o, 'status.active')).length },
    {
      name: 'Last Schedule',
      cell: (o, now) =>
        get(o, 'status.lastScheduleTime') === undefined ? '<none>' : age(o, now, 'status.lastScheduleTime'),
    },
    AGE,
    {
      name: 'Containers',
      priority: 1,
      cell: (o) =>
        cronJobContainers(o)
          .map((c) => String(c.name))
          .join(',') || '<none>',
    },
    {
      name: 'Images',
      priority: 1,
      cell: (o) =>
        cronJobContainers(o)
          .map((c) => String(c.image))
          .join(',') || '<none>',
    },
    {
      name: 'Selector',
      priority: 1,
      cell: (o) => {
        const match = get(o, 'spec.jobTemplate.spec.selector.matchLabels');
        const parts = isObject(match) ? Object.entries(match).map(([k, v]) => `${k}=${String(v)}`) : [];
        return parts.length ? parts.join(',') : '<none>';
      },
    },
  ],
  'discovery.k8s.io/endpointslices': [
    NAME,
    { name: 'AddressType', cell: (o) => str(o, 'addressType', '') },
    {
      name: 'Ports',
      cell: (o) => {
        const ports = arr(o.ports).map((p) => String(p.port ?? ''));
        return ports.length ? ports.join(',') : '<unset>';
      },
    },
    { name: 'Endpoints', cell: sliceEndpoints },
    AGE,
  ],
  'networking.k8s.io/ingresses': [
    NAME,
    { name: 'Class', cell: (o) => str(o, 'spec.ingressClassName') },
    {
      name: 'Hosts',
      cell: (o) => {
        const hosts = arr(get(o, 'spec.rules')).map((r) => String(r.host ?? '*'));
        return hosts.length ? hosts.join(',') : '*';
      },
    },
    {
      name: 'Address',
      cell: (o) =>
        arr(get(o, 'status.loadBalancer.ingress'))
          .map((i) => String(i.ip ?? i.hostname ?? ''))
          .join(','),
    },
    { name: 'Ports', cell: (o) => (arr(get(o, 'spec.tls')).length ? '80, 443' : '80') },
    AGE,
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
  'coordination.k8s.io/leases': [
    NAME,
    { name: 'Holder', cell: (o) => str(o, 'spec.holderIdentity', '') },
    AGE,
  ],
  'networking.k8s.io/ingressclasses': [
    NAME,
    { name: 'Controller', cell: (o) => str(o, 'spec.controller', '') },
    {
      name: 'Parameters',
      cell: (o) => {
        const p = get(o, 'spec.parameters');
        if (!isObject(p)) return '<none>';
        const group = typeof p.apiGroup === 'string' && p.apiGroup ? `${p.apiGroup}/` : '';
        return `${group}${String(p.kind ?? '')}/${String(p.name ?? '')}`;
      },
    },
    AGE,
  ],
  // apiextensions serves CRDs with the default table convertor: the creation time itself.
  'apiextensions.k8s.io/customresourcedefinitions': [
    NAME,
    { name: 'Created At', type: 'date', cell: (o) => str(o, 'metadata.creationTimestamp', '') },
  ],
  // printers.go printRole / printClusterRole: the creation time itself, in UTC.
  'rbac.authorization.k8s.io/roles': ROLE_COLUMNS,
  'rbac.authorization.k8s.io/clusterroles': ROLE_COLUMNS,
  'rbac.authorization.k8s.io/rolebindings': BINDING_COLUMNS,
  'rbac.authorization.k8s.io/clusterrolebindings': BINDING_COLUMNS,
  // printers.go printValidatingWebhook / printMutatingWebhook.
  'admissionregistration.k8s.io/validatingwebhookconfigurations': [
    NAME,
    { name: 'Webhooks', type: 'integer', cell: (o) => arr(o.webhooks).length },
    AGE,
  ],
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': [
    NAME,
    { name: 'Webhooks', type: 'integer', cell: (o) => arr(o.webhooks).length },
    AGE,
  ],
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
  // printers.go printPriorityClass, printPodDisruptionBudget; kube-aggregator's APIService table.
  'scheduling.k8s.io/priorityclasses': [
    NAME,
    { name: 'Value', type: 'integer', cell: (o) => num(o, 'value') },
    { name: 'Global-Default', type: 'boolean', cell: (o) => get(o, 'globalDefault') === true },
    AGE,
    { name: 'PreemptionPolicy', cell: (o) => str(o, 'preemptionPolicy', '') },
  ],
  'policy/poddisruptionbudgets': [
    NAME,
    { name: 'Min Available', cell: (o) => str(o, 'spec.minAvailable', 'N/A') },
    { name: 'Max Unavailable', cell: (o) => str(o, 'spec.maxUnavailable', 'N/A') },
    { name: 'Allowed Disruptions', type: 'integer', cell: (o) => num(o, 'status.disruptionsAllowed') },
    AGE,
  ],
  'apiregistration.k8s.io/apiservices': [
    NAME,
    {
      name: 'Service',
      cell: (o) =>
        isObject(get(o, 'spec.service'))
          ? `${str(o, 'spec.service.namespace', '')}/${str(o, 'spec.service.name', '')}`
          : 'Local',
    },
    { name: 'Available', cell: apiServiceAvailable },
    AGE,
  ],
};

/** kube-aggregator's Available column: `True`, or `False (Reason)`, or `Unknown`. */
function apiServiceAvailable(o: JsonObject): string {
  const c = arr(get(o, 'status.conditions')).find((x) => x.type === 'Available');
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'True' : `${String(c.status ?? '')} (${String(c.reason ?? '')})`;
}

/** printers.go printScale (KEP-2590, `kubectl get --subresource=scale`). */
const SCALE_COLUMNS: readonly Column[] = [
  NAME,
  { name: 'Desired', type: 'integer', cell: (o) => num(o, 'spec.replicas') },
  { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.replicas') },
];

function keys(v: Json | undefined): number {
  return isObject(v) ? Object.keys(v).length : 0;
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

/** A custom resource's columns: Name, then its printer columns, or Age when it declares none. */
function customColumns(info: ResourceInfo): readonly Column[] {
  const declared = info.printerColumns ?? [];
  if (declared.length === 0) return [NAME, AGE];
  return [
    NAME,
    ...declared.map(
      (c): Column => ({
        name: c.name,
        type: c.type === 'date' ? 'date' : c.type === 'integer' ? 'integer' : 'string',
        priority: c.priority,
        cell: (o, now) => printerCell(c, o, (t) => humanDuration((now.getTime() - Date.parse(t)) / 1000)),
      }),
    ),
  ];
}

function containersOfPod(o: JsonObject): number {
  return arr(get(o, 'spec.containers')).length;
}

/** Converts objects to a meta.k8s.io/v1 Table. `withHeaders=false` omits the columns (watch events after the first). */
export function toTable(options: {
  readonly info: ResourceInfo;
  readonly objects: readonly JsonObject[];
  readonly resourceVersion?: string;
  readonly continueToken?: string;
  readonly withHeaders: boolean;
  readonly now: Date;
  /** `includeObject`: Metadata (default), Object (kubectl --sort-by) or None. */
  readonly include?: 'Metadata' | 'Object' | 'None';
  /** `kubectl get --subresource=scale`: the objects are autoscaling/v1 Scales. */
  readonly scale?: boolean;
}): JsonObject {
  const cols = options.scale
    ? SCALE_COLUMNS
    : options.info.custom
      ? customColumns(options.info)
      : (COLUMNS[`${options.info.group}/${options.info.plural}`] ?? [NAME, AGE]);
  const columnDefinitions = options.withHeaders
    ? cols.map((c) => ({
        name: c.name,
        type: c.type ?? 'string',
        format: c === NAME ? 'name' : '',
        description: c.name,
        priority: c.priority ?? 0,
      }))
    : [];
  const rows = options.objects.map((o) => ({
    cells: cols.map((c) => c.cell(o, options.now)),
    ...(options.include === 'None'
      ? {}
      : {
          object:
            options.include === 'Object'
              ? o
              : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} },
        }),
  }));
  const metadata: JsonObject = {};
  if (options.resourceVersion !== undefined) metadata.resourceVersion = options.resourceVersion;
  if (options.continueToken !== undefined) metadata.continue = options.continueToken;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions, rows };
}

/** True when the Accept header asks for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}
