/**
 * The authorization matrix: every bootstrap identity × representative requests, answered by the
 * running API server (SubjectAccessReview as admin, plus real requests with each identity's
 * own credentials), compared with what Kubernetes allows.
 *
 * The EXPECTED column is computed here, independently of our code, from:
 * - the upstream bootstrap-policy objects kept in ./testdata, and CoreDNS's deployment RBAC
 *   for the DNS account (each file names repository, path and commit), evaluated by the small RBAC evaluator below, written from the semantics of
 *   plugin/pkg/auth/authorizer/rbac/rbac.go and pkg/apis/rbac/v1/evaluation_helpers.go
 *   (first allow wins; ClusterRoleBindings then the namespace's RoleBindings; `*` and `*∕sub`
 *   resource wildcards; resourceNames need a named request; URL rules match exactly or by a
 *   trailing `*` prefix);
 * - for the node identity, a model of the Node authorizer (plugin/pkg/auth/authorizer/node/
 *   node_authorizer.go with AuthorizeNodeWithSelectors, on by default since 1.32) over the
 *   pods created below, falling back to the upstream `system:node` rules (NodeRules()) and then
 *   to RBAC, as kube-apiserver's `--authorization-mode=Node,RBAC` chain does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule, RoleRef, Subject } from '../../../lib/api/rbac-v1.js';
import {
  type Answer,
  call,
  startTestServer,
  type TestServer,
} from '../../../test/harness/cluster/apiserver.js';
import { addToken } from '../pki.js';
import { loadUpstreamPolicy } from './testdata/upstream.js';

// ---- requests -----------------------------------------------------------------------------------

interface ResourceRequest {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}
interface UrlRequest {
  readonly verb: string;
  readonly path: string;
}
type Req = ResourceRequest | UrlRequest;

const isUrl = (r: Req): r is UrlRequest => 'path' in r;

/** `res('get', 'apps', 'deployments/scale', 'ns', 'name')`; namespace '' = cluster scope / all namespaces. */
function res(verb: string, group: string, resource: string, namespace = '', name = ''): ResourceRequest {
  const [plural = '', sub = ''] = resource.split('/');
  return { verb, group, resource: plural, subresource: sub, namespace, name };
}
const url = (verb: string, path: string): UrlRequest => ({ verb, path });

const label = (r: Req): string =>
  isUrl(r)
    ? `${r.verb} ${r.path}`
    : `${r.verb} ${r.group ? `${r.group}/` : ''}${r.resource}${r.subresource ? `/${r.subresource}` : ''}` +
      `${r.namespace ? ` -n ${r.namespace}` : ''}${r.name ? ` ${r.name}` : ''}`;

const RBAC = 'rbac.authorization.k8s.io';
const COORD = 'coordination.k8s.io';
const DISC = 'discovery.k8s.io';

const REQUESTS: readonly Req[] = [
  res('get', '', 'pods', 'default', 'pod-a'),
  res('list', '', 'pods'),
  res('watch', '', 'pods', 'default'),
  res('create', '', 'pods', 'default'),
  res('delete', '', 'pods', 'default', 'pod-a'),
  res('update', '', 'pods', 'default', 'pod-a'),
  res('get', '', 'pods/log', 'default', 'pod-a'),
  res('create', '', 'pods/exec', 'default', 'pod-a'),
  res('create', '', 'pods/binding', 'default', 'pod-a'),
  res('update', '', 'pods/status', 'default', 'pod-a'),
  res('patch', '', 'pods/status', 'default', 'pod-b'),
  res('create', '', 'pods/eviction', 'default', 'pod-a'),
  res('get', '', 'secrets', 'default', 's1'),
  res('get', '', 'secrets', 'default', 's2'),
  res('list', '', 'secrets', 'kube-system'),
  res('create', '', 'secrets', 'kube-system'),
  res('delete', '', 'secrets', 'kube-system', 'old-token'),
  res('get', '', 'configmaps', 'default', 'c1'),
  res('get', '', 'configmaps', 'default', 'c2'),
  res('get', '', 'configmaps', 'kube-system', 'extension-apiserver-authentication'),
  res('list', '', 'configmaps', 'kube-system'),
  res('get', '', 'services', 'default', 'web'),
  res('watch', '', 'services'),
  res('update', '', 'services/status', 'default', 'web'),
  res('update', '', 'services/finalizers', 'default', 'web'),
  res('list', '', 'endpoints'),
  res('list', DISC, 'endpointslices'),
  res('create', DISC, 'endpointslices', 'default'),
  res('update', DISC, 'endpointslices', 'default', 'web-abc'),
  res('patch', DISC, 'endpointslices', 'default', 'web-abc'),
  res('get', '', 'nodes', '', 'node-1'),
  res('get', '', 'nodes', '', 'node-2'),
  res('list', '', 'nodes'),
  res('create', '', 'nodes'),
  res('patch', '', 'nodes', '', 'node-1'),
  res('patch', '', 'nodes/status', '', 'node-1'),
  res('update', '', 'nodes/status', '', 'node-2'),
  res('delete', '', 'nodes', '', 'node-2'),
  res('create', 'apps', 'deployments', 'default'),
  res('update', 'apps', 'deployments', 'default', 'web'),
  res('patch', 'apps', 'deployments', 'default', 'web'),
  res('update', 'apps', 'deployments/status', 'default', 'web'),
  res('get', 'apps', 'deployments/scale', 'default', 'web'),
  res('create', 'apps', 'replicasets', 'default'),
  res('update', 'apps', 'replicasets/status', 'default', 'web-1'),
  res('update', 'apps', 'daemonsets/status', 'kube-system', 'proxy'),
  res('create', 'apps', 'controllerrevisions', 'kube-system'),
  res('get', COORD, 'leases', 'kube-system', 'kube-scheduler'),
  res('update', COORD, 'leases', 'kube-system', 'kube-scheduler'),
  res('update', COORD, 'leases', 'kube-system', 'kube-controller-manager'),
  res('create', COORD, 'leases', 'kube-system'),
  res('create', COORD, 'leases', 'kube-node-lease'),
  res('update', COORD, 'leases', 'kube-node-lease', 'node-1'),
  res('get', COORD, 'leases', 'kube-node-lease', 'node-2'),
  res('list', COORD, 'leases', 'kube-node-lease'),
  res('create', '', 'serviceaccounts/token', 'default', 'sa-a'),
  res('create', '', 'serviceaccounts/token', 'default', 'sa-b'),
  res('create', '', 'serviceaccounts/token', 'kube-system', 'generic-garbage-collector'),
  res('create', '', 'serviceaccounts', 'kube-system'),
  res('get', '', 'serviceaccounts', 'kube-system', 'deployment-controller'),
  res('get', '', 'namespaces', '', 'demo'),
  res('delete', '', 'namespaces', '', 'demo'),
  res('update', '', 'namespaces/finalize', '', 'demo'),
  res('update', '', 'namespaces/status', '', 'demo'),
  res('deletecollection', '', 'configmaps', 'demo'),
  res('get', RBAC, 'clusterroles', '', 'admin'),
  res('escalate', RBAC, 'clusterroles', '', 'admin'),
  res('update', RBAC, 'clusterroles', '', 'admin'),
  res('bind', RBAC, 'clusterroles', '', 'cluster-admin'),
  res('create', RBAC, 'clusterrolebindings'),
  res('create', RBAC, 'roles', 'demo'),
  res('impersonate', '', 'users', '', 'alice'),
  res('impersonate', '', 'serviceaccounts', 'default', 'sa-a'),
  res('create', 'authentication.k8s.io', 'tokenreviews'),
  res('create', 'authorization.k8s.io', 'subjectaccessreviews'),
  res('create', 'authorization.k8s.io', 'localsubjectaccessreviews', 'demo'),
  res('create', 'authorization.k8s.io', 'selfsubjectaccessreviews'),
  res('create', 'authorization.k8s.io', 'selfsubjectrulesreviews'),
  res('create', 'authentication.k8s.io', 'selfsubjectreviews'),
  res('list', 'apiextensions.k8s.io', 'customresourcedefinitions'),
  res('watch', 'example.com', 'widgets'),
  res('delete', 'example.com', 'widgets', 'demo', 'w1'),
  res('create', '', 'events', 'default'),
  res('patch', 'events.k8s.io', 'events', 'default', 'e1'),
  url('get', '/healthz'),
  url('get', '/healthz/etcd'),
  url('get', '/livez'),
  url('get', '/readyz'),
  url('get', '/version'),
  url('get', '/api'),
  url('get', '/api/v1'),
  url('get', '/apis/apps/v1'),
  url('get', '/openapi/v3'),
  url('get', '/metrics'),
  url('post', '/api'),
  url('get', '/.well-known/openid-configuration'),
  url('get', '/logs'),
];

// ---- identities ---------------------------------------------------------------------------------

interface Identity {
  readonly user: string;
  readonly groups: readonly string[];
}

const AUTHENTICATED = 'system:authenticated';
const sa = (namespace: string, name: string): Identity => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED],
});

/** The controllers whose roles upstream ships and our manager runs as service accounts. */
const CONTROLLER_SAS = [
  'clusterrole-aggregation-controller',
  'daemon-set-controller',
  'deployment-controller',
  'endpointslice-controller',
  'generic-garbage-collector',
  'namespace-controller',
  'node-controller',
  'replicaset-controller',
  'service-account-controller',
];

const NODE: Identity = { user: 'system:node:node-1', groups: ['system:nodes', AUTHENTICATED] };

const IDENTITIES: readonly Identity[] = [
  { user: 'admin', groups: ['system:masters', AUTHENTICATED] },
  { user: 'system:kube-scheduler', groups: [AUTHENTICATED] },
  { user: 'system:kube-controller-manager', groups: [AUTHENTICATED] },
  ...CONTROLLER_SAS.map((n) => sa('kube-system', n)),
  NODE,
  { user: 'system:kube-proxy', groups: [AUTHENTICATED] },
  { user: 'system:anonymous', groups: ['system:unauthenticated'] },
  { user: 'alice', groups: [AUTHENTICATED] },
  sa('default', 'nobody'),
  sa('kube-system', 'kube-dns'),
  // Cluster DNS as kubeadm deploys CoreDNS (its ClusterRole system:coredns).
  sa('kube-system', 'coredns'),
];

// ---- the independent evaluator (expected column) ------------------------------------------------

const upstream = loadUpstreamPolicy({ addons: true });

function ruleAllows(rule: PolicyRule, r: Req): boolean {
  const verbOk = rule.verbs.includes('*') || rule.verbs.includes(r.verb);
  if (!verbOk) return false;
  if (isUrl(r)) {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === r.path || (u.endsWith('*') && r.path.startsWith(u.slice(0, -1))),
    );
  }
  if ((rule.resources ?? []).length === 0) return false;
  const groupOk = (rule.apiGroups ?? []).some((g) => g === '*' || g === r.group);
  const combined = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const resourceOk = (rule.resources ?? []).some(
    (x) => x === '*' || x === combined || (r.subresource !== '' && x === `*/${r.subresource}`),
  );
  const names = rule.resourceNames ?? [];
  const nameOk = names.length === 0 || (r.name !== '' && names.includes(r.name));
  return groupOk && resourceOk && nameOk;
}

function subjectMatches(s: Subject, who: Identity, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === who.user;
    case 'Group':
      return who.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && who.user === `system:serviceaccount:${ns}:${s.name}`;
    }
  }
}

function rulesOf(ref: RoleRef, namespace: string): readonly PolicyRule[] {
  const role =
    ref.kind === 'ClusterRole'
      ? upstream.clusterRoles.find((x) => x.metadata.name === ref.name)
      : upstream.roles.find((x) => x.metadata.name === ref.name && x.metadata.namespace === namespace);
  return role?.rules ?? [];
}

/** What upstream's RBAC authorizer answers, over the upstream objects. */
function rbacAllows(who: Identity, r: Req): boolean {
  for (const b of upstream.clusterRoleBindings) {
    if (
      (b.subjects ?? []).some((s) => subjectMatches(s, who, '')) &&
      rulesOf(b.roleRef, '').some((x) => ruleAllows(x, r))
    )
      return true;
  }
  if (isUrl(r) || r.namespace === '') return false;
  for (const b of upstream.roleBindings) {
    const ns = b.metadata.namespace ?? '';
    if (ns !== r.namespace) continue;
    // A RoleBinding's rules never grant non-resource URLs (they have no namespace).
    if (
      (b.subjects ?? []).some((s) => subjectMatches(s, who, ns)) &&
      rulesOf(b.roleRef, ns).some((x) => ruleAllows(x, r))
    )
      return true;
  }
  return false;
}

/** The pods created below, bound to nodes, and what they reference: the Node authorizer's graph. */
const GRAPH = {
  'node-1': {
    pods: ['default/pod-a'],
    secrets: ['default/s1'],
    configmaps: ['default/c1'],
    serviceaccounts: ['default/sa-a'],
  },
  'node-2': {
    pods: ['default/pod-b'],
    secrets: ['default/s2'],
    configmaps: ['default/c2'],
    serviceaccounts: ['default/sa-b'],
  },
} as const;

const nodeRules = upstream.clusterRoles.find((r) => r.metadata.name === 'system:node')?.rules ?? [];

/** The Node authorizer (1.32, AuthorizeNodeWithSelectors on): true = allow, false = no opinion. */
function nodeAuthorizerAllows(node: 'node-1', r: Req): boolean {
  if (!isUrl(r)) {
    const related = (kind: 'pods' | 'secrets' | 'configmaps' | 'serviceaccounts'): boolean =>
      r.name !== '' && (GRAPH[node][kind] as readonly string[]).includes(`${r.namespace}/${r.name}`);
    const gr = `${r.group}/${r.resource}`;
    switch (gr) {
      // authorizeReadNamespacedObject: get/list/watch of a named, related object.
      case '/secrets':
      case '/configmaps':
        return (
          ['get', 'list', 'watch'].includes(r.verb) &&
          r.subresource === '' &&
          r.namespace !== '' &&
          related(r.resource as 'secrets' | 'configmaps')
        );
      // authorizeCreateToken: only tokens of service accounts of its pods.
      case '/serviceaccounts':
        return r.verb === 'create' && r.subresource === 'token' && related('serviceaccounts');
      // authorizeLease: its own Lease in kube-node-lease (create: any name, NodeRestriction checks).
      case `${COORD}/leases`:
        return (
          ['get', 'create', 'update', 'patch', 'delete'].includes(r.verb) &&
          r.namespace === 'kube-node-lease' &&
          (r.verb === 'create' || r.name === node)
        );
      // authorizeNode: its own Node object read by name; writes left to NodeRestriction.
      case '/nodes':
        if (r.subresource === '') {
          if (['create', 'update', 'patch'].includes(r.verb)) return true;
          if (['get', 'list', 'watch'].includes(r.verb)) return r.name === node;
          return false;
        }
        return r.subresource === 'status' && ['update', 'patch'].includes(r.verb);
      // authorizePod: get of its pods; list/watch only with a spec.nodeName selector (none here);
      // create/delete (mirror pods), status and eviction left to NodeRestriction.
      case '/pods':
        if (r.subresource === '') {
          if (r.verb === 'get' || r.verb === 'list' || r.verb === 'watch') return related('pods');
          return r.verb === 'create' || r.verb === 'delete';
        }
        if (r.subresource === 'status') return ['update', 'patch'].includes(r.verb);
        return r.subresource === 'eviction' && r.verb === 'create';
    }
  }
  return nodeRules.some((x) => ruleAllows(x, r));
}

function expected(who: Identity, r: Req): boolean {
  if (who === NODE && nodeAuthorizerAllows('node-1', r)) return true;
  return rbacAllows(who, r);
}

// ---- the running server (actual column) ---------------------------------------------------------

let server: TestServer;

const admin = (method: string, path: string, body?: unknown): Promise<Answer> =>
  call(server.server, method, path, body === undefined ? {} : { body });

async function mustCreate(path: string, body: unknown): Promise<void> {
  const a = await admin('POST', path, body);
  if (a.status !== 201 && a.status !== 409) throw new Error(`POST ${path}: ${a.status} ${a.text}`);
}

async function actual(who: Identity, r: Req): Promise<boolean> {
  const spec = isUrl(r)
    ? { nonResourceAttributes: { verb: r.verb, path: r.path } }
    : {
        resourceAttributes: {
          verb: r.verb,
          group: r.group,
          resource: r.resource,
          ...(r.subresource ? { subresource: r.subresource } : {}),
          ...(r.namespace ? { namespace: r.namespace } : {}),
          ...(r.name ? { name: r.name } : {}),
        },
      };
  const a = await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: who.user, groups: who.groups, ...spec },
  });
  if (a.status !== 201) throw new Error(`SubjectAccessReview ${who.user} ${label(r)}: ${a.status} ${a.text}`);
  return (a.json.status as { allowed?: boolean } | undefined)?.allowed === true;
}

const pod = (name: string, node: string, secret: string, configMap: string, account: string) => ({
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName: node,
    serviceAccountName: account,
    containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: configMap } }] }],
    volumes: [{ name: 'v', secret: { secretName: secret } }],
  },
});

beforeAll(async () => {
  server = await startTestServer();
  await mustCreate('/api/v1/namespaces', { metadata: { name: 'demo' } });
  for (const n of ['node-1', 'node-2']) await mustCreate('/api/v1/nodes', { metadata: { name: n } });
  for (const s of ['s1', 's2'])
    await mustCreate('/api/v1/namespaces/default/secrets', { metadata: { name: s }, data: {} });
  for (const c of ['c1', 'c2'])
    await mustCreate('/api/v1/namespaces/default/configmaps', { metadata: { name: c }, data: {} });
  for (const a of ['sa-a', 'sa-b'])
    await mustCreate('/api/v1/namespaces/default/serviceaccounts', { metadata: { name: a } });
  await mustCreate('/api/v1/namespaces/default/pods', pod('pod-a', 'node-1', 's1', 'c1', 'sa-a'));
  await mustCreate('/api/v1/namespaces/default/pods', pod('pod-b', 'node-2', 's2', 'c2', 'sa-b'));
});

afterAll(async () => {
  await server?.stop();
});

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
    }),
  );
  return out;
}

describe('authorization matrix: bootstrap identities × requests, against upstream', () => {
  it('the expected column is not trivial (sanity of the evaluator over the upstream data)', () => {
    const allowed = (who: Identity, r: Req): boolean => expected(who, r);
    const admin = IDENTITIES[0] as Identity;
    expect(REQUESTS.every((r) => allowed(admin, r))).toBe(true);
    const anonymous = IDENTITIES.find((i) => i.user === 'system:anonymous') as Identity;
    expect(REQUESTS.filter((r) => allowed(anonymous, r)).map(label)).toEqual([
      'get /healthz',
      'get /livez',
      'get /readyz',
      'get /version',
    ]);
    expect(allowed(NODE, res('get', '', 'secrets', 'default', 's1'))).toBe(true);
    expect(allowed(NODE, res('get', '', 'secrets', 'default', 's2'))).toBe(false);
  });

  it('SubjectAccessReview answers as Kubernetes for every identity and request', async () => {
    const cells = IDENTITIES.flatMap((who) => REQUESTS.map((r) => ({ who, r })));
    const answers = await pool(cells, 16, async ({ who, r }) => ({ who, r, got: await actual(who, r) }));
    const wrong = answers
      .filter(({ who, r, got }) => got !== expected(who, r))
      .map(
        ({ who, r, got }) =>
          `${who.user}: ${label(r)} → ${got ? 'allowed' : 'denied'}, Kubernetes ${got ? 'denies' : 'allows'}`,
      );
    const allowedCount = answers.filter((a) => a.got).length;
    console.log(
      `authorization matrix: ${IDENTITIES.length} identities × ${REQUESTS.length} requests = ${answers.length} cells, ` +
        `${allowedCount} allowed, ${wrong.length} differ from Kubernetes`,
    );
    expect(wrong).toEqual([]);
  });
});

describe('authorization matrix: real requests with each identity’s own credentials', () => {
  /** A bearer token for `user` in `groups` from the token file (as the lab gives its components). */
  function tokenFor(user: string, groups: string[]): string {
    const token = addToken({ dir: dirname(server.server.kubeconfigPath), user, groups });
    server.server.reloadTokens();
    return token;
  }
  const as = (token: string | undefined) => ({
    as: token === undefined ? { anonymous: true as const } : { token },
  });
  const get = (token: string | undefined, path: string): Promise<Answer> =>
    call(server.server, 'GET', path, as(token));

  it('anonymous: health and version only; anything else is 401', async () => {
    // This server admits credential-less requests only on the public paths, as kube-apiserver
    // with anonymous authentication limited to some paths (AuthenticationConfiguration
    // `anonymous.conditions`, beta in 1.32): there, system:anonymous is what RBAC judges
    // (the SubjectAccessReview rows above); elsewhere the request is not authenticated.
    for (const path of ['/healthz', '/livez', '/readyz', '/version'])
      expect((await get(undefined, path)).status, path).toBe(200);
    for (const path of ['/api', '/apis', '/api/v1/namespaces/default/pods', '/metrics']) {
      const a = await get(undefined, path);
      expect(a.status, path).toBe(401);
      expect(a.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
  });

  it('the scheduler (its kubeconfig token): reads pods and binds them, no secrets', async () => {
    const path = join(dirname(server.server.kubeconfigPath), 'scheduler.kubeconfig');
    const token = /"token":\s*"([^"]+)"/.exec(readFileSync(path, 'utf8'))?.[1];
    expect(token).toBeDefined();
    expect((await get(token, '/api/v1/pods')).status).toBe(200);
    const secrets = await get(token, '/api/v1/namespaces/default/secrets');
    expect(secrets.status).toBe(403);
    expect(secrets.json.message).toBe(
      'secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
  });

  it('kube-proxy: lists Services and EndpointSlices, nothing else', async () => {
    const token = tokenFor('system:kube-proxy', []);
    expect((await get(token, '/api/v1/services')).status).toBe(200);
    expect((await get(token, '/apis/discovery.k8s.io/v1/endpointslices')).status).toBe(200);
    expect((await get(token, '/api/v1/namespaces/default/services/kubernetes')).status).toBe(403);
    expect((await get(token, '/api/v1/namespaces/default/secrets/s1')).status).toBe(403);
  });

  it('a controller service account (TokenRequest token): its role only', async () => {
    await mustCreate('/api/v1/namespaces/kube-system/serviceaccounts', {
      metadata: { name: 'namespace-controller' },
    });
    const tr = await admin(
      'POST',
      '/api/v1/namespaces/kube-system/serviceaccounts/namespace-controller/token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {},
      },
    );
    expect(tr.status).toBe(201);
    const token = (tr.json.status as { token: string }).token;
    expect((await get(token, '/api/v1/namespaces/demo/configmaps')).status).toBe(200);
    const create = await call(server.server, 'POST', '/api/v1/namespaces/demo/configmaps', {
      ...as(token),
      body: { metadata: { name: 'x' } },
    });
    expect(create.status).toBe(403);
  });

  it('the service repair loop (kube-system/service-repair, no upstream role): reads Services, writes Events', async () => {
    await mustCreate('/api/v1/namespaces/kube-system/serviceaccounts', {
      metadata: { name: 'service-repair' },
    });
    const tr = await admin('POST', '/api/v1/namespaces/kube-system/serviceaccounts/service-repair/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    const token = (tr.json.status as { token: string }).token;
    expect((await get(token, '/api/v1/services')).status).toBe(200);
    const event = await call(server.server, 'POST', '/api/v1/namespaces/default/events', {
      ...as(token),
      body: {
        metadata: { name: 'dup.1' },
        involvedObject: { kind: 'Service', namespace: 'default', name: 'kubernetes' },
        reason: 'ClusterIPAlreadyAllocated',
        message: 'test',
        type: 'Warning',
      },
    });
    expect(event.status).toBe(201);
    expect((await get(token, '/api/v1/pods')).status).toBe(403);
    const update = await call(server.server, 'PATCH', '/api/v1/namespaces/default/services/kubernetes', {
      ...as(token),
      body: { metadata: { labels: { x: 'y' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(update.status).toBe(403);
  });

  it('cluster DNS (kube-system/coredns): lists and watches what it serves, reads nothing by name', async () => {
    await mustCreate('/api/v1/namespaces/kube-system/serviceaccounts', { metadata: { name: 'coredns' } });
    const tr = await admin('POST', '/api/v1/namespaces/kube-system/serviceaccounts/coredns/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    const token = (tr.json.status as { token: string }).token;
    for (const path of [
      '/api/v1/services',
      '/api/v1/namespaces',
      '/api/v1/pods',
      '/apis/discovery.k8s.io/v1/endpointslices',
    ])
      expect((await get(token, path)).status, path).toBe(200);
    expect((await get(token, '/api/v1/namespaces/default/services/kubernetes')).status).toBe(403);
    expect((await get(token, '/api/v1/secrets')).status).toBe(403);
  });

  it('our LB and ingress accounts (switchyard-system): what MetalLB and ingress-nginx accounts may', async () => {
    const tokenOfSa = async (name: string): Promise<string> => {
      await mustCreate('/api/v1/namespaces/switchyard-system/serviceaccounts', { metadata: { name } });
      const tr = await admin('POST', `/api/v1/namespaces/switchyard-system/serviceaccounts/${name}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {},
      });
      return (tr.json.status as { token: string }).token;
    };
    const putStatus = (token: string, path: string) =>
      call(server.server, 'PATCH', path, {
        ...as(token),
        body: { status: {} },
        contentType: 'application/merge-patch+json',
      });
    // metallb-system:controller: Services read, their status written, nodes listed; its own
    // namespace's secrets (the memberlist key).
    const controller = await tokenOfSa('lb-controller');
    expect((await get(controller, '/api/v1/services')).status).toBe(200);
    expect(
      (await putStatus(controller, '/api/v1/namespaces/default/services/kubernetes/status')).status,
    ).toBe(200);
    expect((await putStatus(controller, '/api/v1/namespaces/default/services/kubernetes')).status).toBe(403);
    expect((await get(controller, '/api/v1/namespaces/switchyard-system/secrets')).status).toBe(200);
    expect((await get(controller, '/api/v1/namespaces/default/secrets')).status).toBe(403);
    // metallb-system:speaker: reads Services, endpoints and nodes; writes no status.
    const speaker = await tokenOfSa('lb-speaker');
    expect((await get(speaker, '/apis/discovery.k8s.io/v1/endpointslices')).status).toBe(200);
    expect((await get(speaker, '/api/v1/nodes')).status).toBe(200);
    expect((await putStatus(speaker, '/api/v1/namespaces/default/services/kubernetes/status')).status).toBe(
      403,
    );
    // ingress-nginx: Ingresses and classes read, Ingress status written, Secrets listed for TLS.
    const ingress = await tokenOfSa('ingress-controller');
    expect((await get(ingress, '/apis/networking.k8s.io/v1/ingresses')).status).toBe(200);
    expect((await get(ingress, '/apis/networking.k8s.io/v1/ingressclasses')).status).toBe(200);
    expect((await get(ingress, '/api/v1/secrets')).status).toBe(200);
    expect((await get(ingress, '/api/v1/namespaces/default/secrets/s1')).status).toBe(403);
    const ing = await admin('POST', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', {
      metadata: { name: 'web' },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
    });
    expect(ing.status).toBe(201);
    expect(
      (await putStatus(ingress, '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status')).status,
    ).toBe(200);
    expect(
      (await putStatus(ingress, '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web')).status,
    ).toBe(403);
  });

  it('a service account without bindings: discovery and self reviews only', async () => {
    await mustCreate('/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'nobody' } });
    const tr = await admin('POST', '/api/v1/namespaces/default/serviceaccounts/nobody/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    const token = (tr.json.status as { token: string }).token;
    expect((await get(token, '/api')).status).toBe(200);
    expect((await get(token, '/api/v1/namespaces/default/pods')).status).toBe(403);
    const review = await call(
      server.server,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        ...as(token),
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } },
        },
      },
    );
    expect(review.status).toBe(201);
    expect((review.json.status as { allowed: boolean }).allowed).toBe(false);
  });

  it('node-1: its pods’ secrets, its own Node and pods’ status (NodeRestriction), not node-2’s', async () => {
    const token = tokenFor('system:node:node-1', ['system:nodes']);
    expect((await get(token, '/api/v1/namespaces/default/secrets/s1')).status).toBe(200);
    const other = await get(token, '/api/v1/namespaces/default/secrets/s2');
    expect(other.status).toBe(403);
    expect((await get(token, '/api/v1/nodes/node-1')).status).toBe(200);
    expect((await get(token, '/api/v1/nodes/node-2')).status).toBe(403);
    expect((await get(token, '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1')).status).toBe(200);
    expect((await get(token, '/api/v1/pods')).status).toBe(403);
    const patch = (path: string) =>
      call(server.server, 'PATCH', path, {
        ...as(token),
        body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
        contentType: 'application/merge-patch+json',
      });
    expect((await patch('/api/v1/nodes/node-1/status')).status).toBe(200);
    // Authorization allows nodes/status for every node; NodeRestriction admission refuses another's.
    expect((await patch('/api/v1/nodes/node-2/status')).status).toBe(403);
    expect((await patch('/api/v1/namespaces/default/pods/pod-a/status')).status).toBe(200);
    expect((await patch('/api/v1/namespaces/default/pods/pod-b/status')).status).toBe(403);
  });
});
