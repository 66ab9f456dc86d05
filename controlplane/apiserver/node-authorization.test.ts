import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../test/harness/cluster/apiserver.js';
import { kubeconfig } from './pki.js';
import { eventuallyStatus, NS, noRelation, useNodeCluster } from './testing/node-cluster.js';

const c = useNodeCluster();
const { admin, n1, n2, secret, pod } = c;

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
    await eventuallyStatus(get, 200);
    expect((await n2('GET', `${NS}/secrets/s-late`)).status).toBe(403);
    expect((await admin('DELETE', `${NS}/pods/late?gracePeriodSeconds=0`)).status).toBe(200);
    await eventuallyStatus(get, 403);
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

describe('kubectl auth can-i for a node', () => {
  it('answers from the graph and lists the system:node rules', async () => {
    const home = join(c.t.dir, 'kubectl-home');
    const env = { kubeconfig: c.t.server.kubeconfigPath, home };
    const asNode = ['--as', 'system:node:node-2', '--as-group', 'system:nodes'];
    const yes = await kubectl(env, ['auth', 'can-i', 'get', 'secret/s-other', ...asNode]);
    expect(yes.stdout.trim()).toBe('yes');
    const no = await kubectl(env, ['auth', 'can-i', 'get', 'secret/s-vol', ...asNode]);
    expect(no.code).toBe(1);
    expect(no.stdout.trim()).toBe("no - no relationship found between node 'node-2' and this object");
    // The node's own kubeconfig, as a kubelet would have it.
    const config = join(c.t.dir, 'node-2.kubeconfig');
    writeFileSync(
      config,
      kubeconfig({ server: c.t.server.url, caCert: c.t.server.caCertPath, user: 'node-2', token: c.node2 }),
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
