/**
 * The real kubectl 1.32 against a real server: system objects that come back, custom resources
 * with status and scale subresources, the health endpoints, `kubectl create token`, and the
 * commands that need a kubelet.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, kubectl, startTestServer } from '../../test/harness/cluster/apiserver.js';
import { useTestServer } from './testing/harness.js';

const h = useTestServer();
const { k, file, stored } = h;

describe('system objects', () => {
  it('the default namespaces may not be deleted; the kubernetes Service comes back after delete all --all', async () => {
    const ns = await k('delete', 'namespace', 'kube-system');
    expect(ns.stderr).toContain('namespaces "kube-system" is forbidden: this namespace may not be deleted');
    const quick = await startTestServer({ systemReconcileIntervalMs: 200 });
    try {
      const local = { kubeconfig: quick.server.kubeconfigPath, home: h.env.home };
      const del = await kubectl(local, ['delete', 'all', '--all']);
      expect(del.stdout).toContain('service "kubernetes" deleted');
      let svc = await kubectl(local, ['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
      for (let i = 0; svc.stdout === '' && i < 30; i++) {
        await new Promise((r) => setTimeout(r, 100));
        svc = await kubectl(local, ['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
      }
      expect(svc.stdout).toBe('10.96.0.1');
    } finally {
      await quick.stop();
    }
  });
});

describe('custom resources with status and scale subresources', () => {
  it('schema defaults apply; kubectl scale writes the CRD specReplicasPath; the Scale shows the selector', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              image: {type: string}
              replicas: {type: integer}
              timeZone: {type: string, default: Etc/UTC}
          status:
            type: object
            properties: {replicas: {type: integer}, labelSelector: {type: string}}
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.labelSelector}
`;
    expect((await k('apply', '-f', file('crontab-crd.yaml', crd))).code).toBe(0);
    const cr = `apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: my-cron}\nspec: {cronSpec: "* * * * */5", image: my-cron-image, replicas: 1}\n`;
    let r = await k('apply', '-f', file('crontab.yaml', cr));
    for (let i = 0; r.code !== 0 && i < 20; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await k('apply', '-f', join(h.t.dir, 'crontab.yaml'));
    }
    expect(r.stderr).toBe('');
    const status = await call(
      h.t.server,
      'PATCH',
      '/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron/status',
      {
        body: { status: { replicas: 1, labelSelector: 'app=cron' } },
        contentType: 'application/merge-patch+json',
      },
    );
    expect(status.status).toBe(200);
    expect((await k('scale', 'ct', 'my-cron', '--replicas=5')).stdout.trim()).toBe(
      'crontab.stable.example.com/my-cron scaled',
    );
    const got = await stored('/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron');
    // The schema's default filled the absent field.
    expect(got.spec).toMatchObject({ replicas: 5, timeZone: 'Etc/UTC' });
    const scale = await stored('/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron/scale');
    expect(scale).toMatchObject({ spec: { replicas: 5 }, status: { replicas: 1, selector: 'app=cron' } });
  });
});

describe('health endpoints (kubernetes.io "Kubernetes API health endpoints")', () => {
  it('verbose, exclude, single checks, and no credentials needed', async () => {
    const verbose = await k('get', '--raw=/readyz?verbose');
    expect(verbose.stdout).toBe('[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n');
    const excluded = await k('get', '--raw=/livez?verbose&exclude=etcd');
    expect(excluded.stdout).toContain('[+]etcd excluded: ok\n');
    expect((await k('get', '--raw=/livez/etcd')).stdout).toBe('ok');
    expect((await k('get', '--raw=/healthz')).stdout).toBe('ok');
    const anonymous = await call(h.t.server, 'GET', '/readyz/ping', { as: { anonymous: true } });
    expect(anonymous.status).toBe(200);
    expect((await call(h.t.server, 'GET', '/livez/nope', { as: { anonymous: true } })).status).toBe(404);
  });
});

describe('kubectl create token (TokenRequest)', () => {
  it('issues a token that authenticates as the service account, with no other rights', async () => {
    expect((await k('create', 'serviceaccount', 'bot')).code).toBe(0);
    const token = (await k('create', 'token', 'bot')).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      exp: number;
      iat: number;
    };
    expect(claims.sub).toBe('system:serviceaccount:default:bot');
    expect(claims.exp - claims.iat).toBe(3600);
    const who = await k('--token', token, 'auth', 'whoami', '-o', 'json');
    expect(JSON.parse(who.stdout)).toMatchObject({
      status: {
        userInfo: {
          username: 'system:serviceaccount:default:bot',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        },
      },
    });
    const denied = await k('--token', token, 'get', 'pods');
    expect(denied.stderr).toContain('User "system:serviceaccount:default:bot" cannot list resource "pods"');
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await k('--token', forged, 'get', 'pods')).stderr).toContain('Unauthorized');
    const short = await k('create', 'token', 'bot', '--duration=1m');
    expect(short.stderr).toContain(
      'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    expect((await k('create', 'token', 'nobody')).stderr).toContain('serviceaccounts "nobody" not found');
  });
});

describe('commands that need a kubelet', () => {
  it('exec and logs of a pod no node runs answer as kube-apiserver does; top finds no metrics for a pod no kubelet runs', async () => {
    expect((await k('run', 'sleeper', '--image=busybox')).code).toBe(0);
    // With a kubelet they are proxied (pod-streams.test.ts); unscheduled, there is none to ask.
    const exec = await k('exec', 'sleeper', '--', 'ls');
    expect(exec.stderr).toContain('pod sleeper does not have a host assigned');
    const logs = await k('logs', 'sleeper');
    expect([logs.code, logs.stdout, logs.stderr]).toEqual([0, '', '']);
    const top = await k('top', 'pods');
    expect(top.code).not.toBe(0);
    // metrics.k8s.io is served (metrics-api/), but no kubelet has stats for this pod.
    expect(top.stderr).toBe('error: metrics not available yet\n');
  });
});
