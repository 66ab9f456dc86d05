/**
 * The authorization matrix: every bootstrap identity × representative requests, answered by the
 * running API server (SubjectAccessReview as admin, plus real requests with each identity's
 * own credentials), compared with what Kubernetes allows.
 *
 * The EXPECTED column is computed in testing/authz-model.ts, independently of our code, from:
 * - the upstream bootstrap-policy objects kept in ./testdata, and CoreDNS's deployment RBAC
 *   for the DNS account (each file names repository, path and commit), evaluated by a small RBAC evaluator, written from the semantics of
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
import {
  type Answer,
  call,
  startTestServer,
  type TestServer,
} from '../../../test/harness/cluster/apiserver.js';
import { addToken } from '../pki.js';
import {
  expected,
  IDENTITIES,
  type Identity,
  isUrl,
  label,
  NODE,
  REQUESTS,
  type Req,
  res,
} from './testing/authz-model.js';

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
