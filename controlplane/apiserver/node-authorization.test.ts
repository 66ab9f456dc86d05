/**
 * The Node authorizer and NodeRestriction against the real server: kubelet identities
 * (`system:node:<name>` in system:nodes, bearer tokens from tokens.csv as `addToken` makes them)
 * read only what pods bound to them reference, write only their own Node, Lease and pods, and
 * get Kubernetes' 403 messages otherwise. Also through the real kubectl's `auth can-i`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  call,
  kubectl,
  startTestServer,
  type TestServer,
} from '../../test/harness/cluster/apiserver.js';
import { addToken, kubeconfig } from './pki.js';
import { startApiServer } from './server.js';

let t: TestServer;
let node1: string;
let node2: string;

beforeAll(async () => {
  t = await startTestServer();
  const dir = join(t.dir, 'data');
  node1 = addToken({ dir, user: 'system:node:node-1', groups: ['system:nodes'] });
  node2 = addToken({ dir, user: 'system:node:node-2', groups: ['system:nodes'] });
  t.server.reloadTokens();
  // Two bound pods: web-1 on node-1 (secrets by volume, env and image pull; a projected
  // ConfigMap; a service account), other-2 on node-2; and objects no pod uses.
  for (const s of ['s-vol', 's-env', 's-pull', 's-other', 's-unused']) await secret(s);
  for (const c of ['cm-proj', 'cm-other']) await configMap(c);
  await created(admin('POST', `${NS}/serviceaccounts`, { metadata: { name: 'web' } }));
  await pod('web-1', {
    nodeName: 'node-1',
    serviceAccountName: 'web',
    imagePullSecrets: [{ name: 's-pull' }],
    containers: [
      {
        name: 'c',
        image: 'busybox:1.36',
        env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }],
      },
    ],
    volumes: [
      { name: 'a', secret: { secretName: 's-vol' } },
      { name: 'b', projected: { sources: [{ configMap: { name: 'cm-proj' } }] } },
    ],
  });
  await pod('other-2', {
    nodeName: 'node-2',
    volumes: [
      { name: 'a', secret: { secretName: 's-other' } },
      { name: 'b', configMap: { name: 'cm-other' } },
    ],
  });
});

afterAll(async () => {
  await t?.stop();
});

const admin = (method: string, path: string, body?: unknown): Promise<Answer> =>
  call(t.server, method, path, body !== undefined ? { body } : {});

const as =
  (token: () => string) =>
  (method: string, path: string, body?: unknown, contentType?: string): Promise<Answer> =>
    call(t.server, method, path, {
      as: { token: token() },
      ...(body !== undefined ? { body, contentType: contentType ?? 'application/json' } : {}),
    });
const n1 = as(() => node1);
const n2 = as(() => node2);
const MERGE = 'application/merge-patch+json';
const NS = '/api/v1/namespaces/default';

async function created(r: Promise<Answer>): Promise<Answer> {
  const a = await r;
  expect(a.status, a.text).toBe(201);
  return a;
}

const secret = (name: string) => created(admin('POST', `${NS}/secrets`, { metadata: { name }, data: {} }));
const configMap = (name: string) => created(admin('POST', `${NS}/configmaps`, { metadata: { name } }));
const pod = (name: string, spec: Record<string, unknown>) =>
  created(
    admin('POST', `${NS}/pods`, {
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
    }),
  );

/** The 403 a denied node read gets: the authorizer's message and its reason after a colon. */
const noRelation = (node: string, verb: string, what: string, name: string) =>
  `${what} "${name}" is forbidden: User "system:node:${node}" cannot ${verb} resource "${what}" in API group "" in the namespace "default": no relationship found between node '${node}' and this object`;

/** Waits (briefly) for the graph to follow a store change: it follows the store's watch. */
async function eventually(check: () => Promise<number>, status: number): Promise<void> {
  const end = Date.now() + 5000;
  let last = await check();
  while (last !== status && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    last = await check();
  }
  expect(last).toBe(status);
}

describe('Node authorizer: reads through the pods bound to the node', () => {
  it('node-1 gets the Secrets and ConfigMaps its pod uses, and nothing of node-2 or unreferenced', async () => {
    for (const s of ['s-vol', 's-env', 's-pull'])
      expect((await n1('GET', `${NS}/secrets/${s}`)).status).toBe(200);
    expect((await n1('GET', `${NS}/configmaps/cm-proj`)).status).toBe(200);
    const other = await n1('GET', `${NS}/secrets/s-other`);
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message: noRelation('node-1', 'get', 'secrets', 's-other'),
      details: { name: 's-other', kind: 'secrets' },
    });
    expect((await n1('GET', `${NS}/secrets/s-unused`)).json.message).toBe(
      noRelation('node-1', 'get', 'secrets', 's-unused'),
    );
    expect((await n1('GET', `${NS}/configmaps/cm-other`)).json.message).toBe(
      noRelation('node-1', 'get', 'configmaps', 'cm-other'),
    );
    // node-2 the other way round.
    expect((await n2('GET', `${NS}/secrets/s-other`)).status).toBe(200);
    expect((await n2('GET', `${NS}/configmaps/cm-other`)).status).toBe(200);
    expect((await n2('GET', `${NS}/secrets/s-vol`)).status).toBe(403);
  });

  it('no list or watch of Secrets, except of one related object by metadata.name', async () => {
    const all = await n1('GET', `${NS}/secrets`);
    expect(all.status).toBe(403);
    expect(all.json.message).toBe(
      'secrets is forbidden: User "system:node:node-1" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found',
    );
    expect((await n1('GET', '/api/v1/secrets')).status).toBe(403);
    expect((await n1('GET', `${NS}/secrets?watch=true`)).status).toBe(403);
    const one = await n1('GET', `${NS}/secrets?fieldSelector=metadata.name%3Ds-vol`);
    expect(one.status).toBe(200);
    expect((one.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual([
      's-vol',
    ]);
    // A kubelet's secret manager watches one Secret at a time this way.
    const watch = await n1(
      'GET',
      `${NS}/secrets?watch=true&fieldSelector=metadata.name%3Ds-vol&timeoutSeconds=1`,
    );
    expect(watch.status).toBe(200);
    expect(
      watch.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } }),
    ).toEqual([
      expect.objectContaining({
        type: 'ADDED',
        object: expect.objectContaining({ metadata: expect.objectContaining({ name: 's-vol' }) }),
      }),
    ]);
    const theirs = await n1('GET', `${NS}/secrets?fieldSelector=metadata.name%3Ds-other`);
    expect(theirs.json.message).toBe(noRelation('node-1', 'list', 'secrets', 's-other'));
  });

  it('access appears when a pod using the Secret is bound to the node and goes with the pod', async () => {
    await secret('s-late');
    await pod('late', { volumes: [{ name: 'a', secret: { secretName: 's-late' } }] });
    const get = async () => (await n1('GET', `${NS}/secrets/s-late`)).status;
    expect(await get()).toBe(403); // not bound yet
    const bind = await admin('POST', `${NS}/pods/late/binding`, {
      metadata: { name: 'late' },
      target: { kind: 'Node', name: 'node-1' },
    });
    expect(bind.status).toBe(201);
    await eventually(get, 200);
    expect((await n2('GET', `${NS}/secrets/s-late`)).status).toBe(403);
    expect((await admin('DELETE', `${NS}/pods/late?gracePeriodSeconds=0`)).status).toBe(200);
    await eventually(get, 403);
  });

  it('pods: get its own, list only with spec.nodeName=<self>', async () => {
    expect((await n1('GET', `${NS}/pods/web-1`)).status).toBe(200);
    expect((await n1('GET', `${NS}/pods/other-2`)).json.message).toBe(
      noRelation('node-1', 'get', 'pods', 'other-2'),
    );
    const mine = await n1('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1');
    expect(mine.status).toBe(200);
    expect((mine.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual([
      'web-1',
    ]);
    expect((await n1('GET', '/api/v1/pods')).json.message).toBe(
      'pods is forbidden: User "system:node:node-1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector',
    );
    expect((await n1('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-2')).status).toBe(403);
  });

  it('service account tokens: for its pods’ accounts, bound to one of its pods by uid', async () => {
    const uid = ((await admin('GET', `${NS}/pods/web-1`)).json.metadata as { uid: string }).uid;
    const request = (sa: string, boundObjectRef?: Record<string, string>) =>
      n1('POST', `${NS}/serviceaccounts/${sa}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: ['https://kubernetes.default.svc'],
          ...(boundObjectRef ? { boundObjectRef } : {}),
        },
      });
    const ok = await request('web', { apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid });
    expect(ok.status, ok.text).toBe(201);
    expect(typeof (ok.json.status as { token: string }).token).toBe('string');
    expect((await request('web')).json.message).toBe(
      'serviceaccounts "web" is forbidden: node requested token not bound to a pod',
    );
    expect(
      (await request('web', { apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'stale' })).status,
    ).toBe(403);
    const unrelated = await request('default', { apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid });
    expect(unrelated.json.message).toBe(
      'serviceaccounts "default" is forbidden: User "system:node:node-1" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default": no relationship found between node \'node-1\' and this object',
    );
  });
});

describe('Node authorizer and NodeRestriction: writes', () => {
  it('a node registers and updates only its own Node, within the kubelet label set and without taints', async () => {
    expect((await n1('POST', '/api/v1/nodes', { metadata: { name: 'node-1' } })).status).toBe(201);
    expect((await n2('POST', '/api/v1/nodes', { metadata: { name: 'node-2' } })).status).toBe(201);
    const foreign = await n1('POST', '/api/v1/nodes', { metadata: { name: 'node-3' } });
    expect(foreign.status).toBe(403);
    expect(foreign.json).toMatchObject({
      reason: 'Forbidden',
      message: 'nodes "node-3" is forbidden: node "node-1" is not allowed to modify node "node-3"',
      details: { name: 'node-3', kind: 'nodes' },
    });
    const labelled = await n1('POST', '/api/v1/nodes', {
      metadata: { name: 'node-1', labels: { 'node-restriction.kubernetes.io/pool': 'gold' } },
    });
    expect(labelled.json.message).toBe(
      'nodes "node-1" is forbidden: node "node-1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool',
    );
    const status = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    expect((await n1('PATCH', '/api/v1/nodes/node-1/status', status, MERGE)).status).toBe(200);
    expect((await n1('PATCH', '/api/v1/nodes/node-2/status', status, MERGE)).json.message).toBe(
      'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"',
    );
    const patchLabels = (labels: Record<string, string>) =>
      n1('PATCH', '/api/v1/nodes/node-1', { metadata: { labels } }, MERGE);
    expect((await patchLabels({ 'kubernetes.io/hostname': 'node-1', 'example.com/rack': 'r1' })).status).toBe(
      200,
    );
    expect((await patchLabels({ 'node-restriction.kubernetes.io/pool': 'gold' })).json.message).toBe(
      'nodes "node-1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool',
    );
    expect((await patchLabels({ 'node-role.kubernetes.io/control-plane': '' })).status).toBe(403);
    const taint = await n1(
      'PATCH',
      '/api/v1/nodes/node-1',
      { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } },
      MERGE,
    );
    expect(taint.json.message).toBe(
      'nodes "node-1" is forbidden: node "node-1" is not allowed to modify taints',
    );
    // Reads: its own Node only.
    expect((await n1('GET', '/api/v1/nodes/node-1')).status).toBe(200);
    expect((await n1('GET', '/api/v1/nodes/node-2')).json.message).toBe(
      'nodes "node-2" is forbidden: User "system:node:node-1" cannot get resource "nodes" in API group "" at the cluster scope: node \'node-1\' cannot read \'node-2\', only its own Node object',
    );
    expect((await n1('GET', '/api/v1/nodes')).status).toBe(403);
    expect((await n1('DELETE', '/api/v1/nodes/node-1')).status).toBe(403);
  });

  it('a node writes only its own Lease in kube-node-lease', async () => {
    const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    const lease = (name: string) => ({
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 40 },
    });
    expect((await n1('POST', LEASES, lease('node-1'))).status).toBe(201);
    expect((await n2('POST', LEASES, lease('node-2'))).status).toBe(201);
    expect((await n1('POST', LEASES, lease('node-9'))).json.message).toBe(
      'leases.coordination.k8s.io "node-9" is forbidden: can only access node lease with the same name as the requesting node',
    );
    const renew = { spec: { renewTime: '2026-01-01T00:00:00.000000Z' } };
    expect((await n1('PATCH', `${LEASES}/node-1`, renew, MERGE)).status).toBe(200);
    expect((await n1('PATCH', `${LEASES}/node-2`, renew, MERGE)).json.message).toBe(
      'leases.coordination.k8s.io "node-2" is forbidden: User "system:node:node-1" cannot patch resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
    );
    const elsewhere = await n1(
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      lease('node-1'),
    );
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.message).toContain(
      'can only access leases in the "kube-node-lease" system namespace',
    );
  });

  it('pod status, deletion and eviction only for its own pods; events created', async () => {
    await pod('run-1', { nodeName: 'node-1' });
    await pod('run-2', { nodeName: 'node-2' });
    const running = { status: { phase: 'Running' } };
    expect((await n1('PATCH', `${NS}/pods/run-1/status`, running, MERGE)).status).toBe(200);
    expect((await n1('PATCH', `${NS}/pods/run-2/status`, running, MERGE)).json.message).toBe(
      'pods "run-2" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself',
    );
    expect(
      (await n1('PATCH', `${NS}/pods/run-1/status`, { metadata: { labels: { x: 'y' } } }, MERGE)).json
        .message,
    ).toBe('pods "run-1" is forbidden: node "node-1" cannot update labels through pod status');
    expect((await n1('PATCH', `${NS}/pods/run-1`, { metadata: { labels: { x: 'y' } } }, MERGE)).status).toBe(
      403,
    );
    expect((await n1('DELETE', `${NS}/pods/run-2`)).json.message).toBe(
      'pods "run-2" is forbidden: node "node-1" can only delete pods with spec.nodeName set to itself',
    );
    const evict = (name: string) =>
      n1('POST', `${NS}/pods/${name}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: 'default' },
      });
    expect((await evict('run-2')).json.message).toBe(
      'pods "run-2" is forbidden: node node-1 can only evict pods with spec.nodeName set to itself',
    );
    expect((await admin('GET', `${NS}/pods/run-2`)).status).toBe(200);
    expect((await evict('run-1')).status).toBe(201);
    expect((await n1('DELETE', `${NS}/pods/web-1?gracePeriodSeconds=0`)).status).toBe(200);
    const event = {
      metadata: { name: 'node-1.started' },
      involvedObject: { kind: 'Node', name: 'node-1' },
      reason: 'Starting',
      message: 'kubelet started',
      type: 'Normal',
    };
    expect((await n1('POST', `${NS}/events`, event)).status).toBe(201);
    expect((await n1('DELETE', `${NS}/events/node-1.started`)).status).toBe(403);
  });

  it('a node creates only mirror pods bound to itself, owned by its Node, referencing nothing', async () => {
    const nodeUid = ((await admin('GET', '/api/v1/nodes/node-1')).json.metadata as { uid: string }).uid;
    const mirror = (name: string, spec: Record<string, unknown> = {}, owner = nodeUid) => ({
      metadata: {
        name,
        annotations: { 'kubernetes.io/config.mirror': 'hash' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: owner, controller: true }],
      },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
    });
    expect((await n1('POST', `${NS}/pods`, mirror('static-node-1'))).status).toBe(201);
    const plain = await n1('POST', `${NS}/pods`, {
      metadata: { name: 'plain' },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox:1.36' }] },
    });
    expect(plain.json.message).toBe(
      'pods "plain" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods',
    );
    expect((await n1('POST', `${NS}/pods`, mirror('elsewhere', { nodeName: 'node-2' }))).json.message).toBe(
      'pods "elsewhere" is forbidden: node "node-1" can only create pods with spec.nodeName set to itself',
    );
    const stealing = mirror('steal', { volumes: [{ name: 'a', secret: { secretName: 's-other' } }] });
    expect((await n1('POST', `${NS}/pods`, stealing)).json.message).toBe(
      'pods "steal" is forbidden: node "node-1" can not create pods that reference secrets',
    );
    expect((await n1('POST', `${NS}/pods`, mirror('stale', {}, 'not-the-uid'))).json.message).toBe(
      `pods "stale" is forbidden: node node-1 UID mismatch: expected not-the-uid got ${nodeUid}`,
    );
  });
});

describe('kubectl auth can-i for a node', () => {
  it('answers from the graph and lists the system:node rules', async () => {
    const home = join(t.dir, 'kubectl-home');
    const env = { kubeconfig: t.server.kubeconfigPath, home };
    const asNode = ['--as', 'system:node:node-2', '--as-group', 'system:nodes'];
    const yes = await kubectl(env, ['auth', 'can-i', 'get', 'secret/s-other', ...asNode]);
    expect(yes.stdout.trim()).toBe('yes');
    const no = await kubectl(env, ['auth', 'can-i', 'get', 'secret/s-vol', ...asNode]);
    expect(no.code).toBe(1);
    expect(no.stdout.trim()).toBe("no - no relationship found between node 'node-2' and this object");
    // The node's own kubeconfig, as a kubelet would have it.
    const config = join(t.dir, 'node-2.kubeconfig');
    writeFileSync(
      config,
      kubeconfig({ server: t.server.url, caCert: t.server.caCertPath, user: 'node-2', token: node2 }),
    );
    const list = await kubectl({ kubeconfig: config, home }, ['auth', 'can-i', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^leases\.coordination\.k8s\.io\s+\[\]\s+\[\]\s+\[create delete get patch update\]$/m,
    );
    expect(list.stdout).toMatch(/^serviceaccounts\/token\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(list.stdout).not.toMatch(/^\*\.\*/m);
  });
});

describe('node identity by client certificate', () => {
  it('CN system:node:<name>, O system:nodes is that node (the x509 authenticator)', async () => {
    const pki = join(t.dir, 'data', 'pki');
    const key = join(t.dir, 'node-1.key');
    const csr = join(t.dir, 'node-1.csr');
    const cert = join(t.dir, 'node-1.crt');
    execFileSync('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      key,
    ]);
    execFileSync('openssl', [
      'req',
      '-new',
      '-key',
      key,
      '-subj',
      '/O=system:nodes/CN=system:node:node-1',
      '-out',
      csr,
    ]);
    execFileSync('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(pki, 'ca.crt'),
      '-CAkey',
      join(pki, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      cert,
    ]);
    await secret('s-cert');
    await pod('cert-1', { nodeName: 'node-1', volumes: [{ name: 'a', secret: { secretName: 's-cert' } }] });
    const get = (name: string) => call(t.server, 'GET', `${NS}/secrets/${name}`, { as: { cert, key } });
    await eventually(async () => (await get('s-cert')).status, 200);
    expect((await get('s-other')).json.message).toBe(noRelation('node-1', 'get', 'secrets', 's-other'));
  });
});

describe('the graph across a restart', () => {
  it('is rebuilt from the store before the server answers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sy-apiserver-'));
    try {
      const options = { dataDir, host: '127.0.0.1', port: 0 };
      let server = await startApiServer(options);
      const token = addToken({ dir: dataDir, user: 'system:node:node-5', groups: ['system:nodes'] });
      server.reloadTokens();
      await created(call(server, 'POST', `${NS}/secrets`, { body: { metadata: { name: 'kept' } } }));
      await created(
        call(server, 'POST', `${NS}/pods`, {
          body: {
            metadata: { name: 'p' },
            spec: {
              nodeName: 'node-5',
              containers: [{ name: 'c', image: 'busybox:1.36' }],
              volumes: [{ name: 'a', secret: { secretName: 'kept' } }],
            },
          },
        }),
      );
      await server.close();
      server = await startApiServer(options);
      try {
        const get = await call(server, 'GET', `${NS}/secrets/kept`, { as: { token } });
        expect(get.status).toBe(200);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
