/**
 * Table columns of the other served groups: discovery (EndpointSlices), networking (Ingresses
 * and IngressClasses), coordination, apiextensions, RBAC, admission webhooks, scheduling,
 * policy and apiregistration.
 */
import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import { AGE, arr, type Column, get, NAME, num, str } from './cells.js';

/** printers.go formatDiscoveryEndpoints: the addresses, at most three, then `+ N more...`. */
function sliceEndpoints(o: JsonObject): string {
  const addrs = arr(o.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : []));
  if (addrs.length === 0) return '<unset>';
  return addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
}

/** The columns of Roles and ClusterRoles. */
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

/** kube-aggregator's Available column: `True`, or `False (Reason)`, or `Unknown`. */
function apiServiceAvailable(o: JsonObject): string {
  const c = arr(get(o, 'status.conditions')).find((x) => x.type === 'Available');
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'True' : `${String(c.status ?? '')} (${String(c.reason ?? '')})`;
}

/** These groups' columns, by `group/plural`. */
export const GROUP_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
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
        if (!isJsonObject(p)) return '<none>';
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
        isJsonObject(get(o, 'spec.service'))
          ? `${str(o, 'spec.service.namespace', '')}/${str(o, 'spec.service.name', '')}`
          : 'Local',
    },
    { name: 'Available', cell: apiServiceAvailable },
    AGE,
  ],
};
