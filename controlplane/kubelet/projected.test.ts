/**
 * projected.ts and token-source.ts: projected and downwardAPI sources (pure), their files
 * written by setUpVolumes with modes, and bound tokens requested as the node from a real API
 * server — one the TokenReview API vouches for as the pod's service account.
 */
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lib/api/json.js';
import { KubeClient, parseKubeconfig } from '../../lib/client/index.js';
import { addToken } from '../apiserver/pki.js';
import { apiAccessVolume } from '../apiserver/sa-admission.js';
import { useTestServer } from '../apiserver/testing/harness.js';
import { type KubeletPod, toKubeletPod } from './model.js';
import { downwardValue, projectionFiles, projectionSources, tokenKey } from './projected.js';
import { apiPod } from './testing/fixtures.js';
import { needsRefresh, TokenSource } from './token-source.js';
import { containerMounts, setUpVolumes, volumeSource } from './volumes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const access = apiAccessVolume('kube-api-access-x2b4z') as unknown as { name: string; projected: JsonObject };
const token = { audience: '', expirationSeconds: 3607 };
const pod: KubeletPod = toKubeletPod(
  apiPod(
    {
      serviceAccountName: 'default',
      containers: [
        {
          name: 'app',
          image: 'busybox',
          volumeMounts: [
            { name: access.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
            { name: 'info', mountPath: '/etc/podinfo' },
          ],
        },
      ],
      volumes: [
        access,
        {
          name: 'info',
          downwardAPI: {
            defaultMode: 0o600,
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'meta/uid', fieldRef: { fieldPath: 'metadata.uid' }, mode: 0o444 },
              { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
            ],
          },
        },
      ],
    },
    { labels: { tier: 'web', app: 'shop "1"' }, annotations: { a: 'b' } },
  ),
);
const objects = {
  configMaps: new Map([['kube-root-ca.crt', { data: { 'ca.crt': 'PEM\n' } }]]),
  secrets: new Map(),
  tokens: new Map([[tokenKey(token), 'tok-1']]),
};

describe('projected and downwardAPI sources', () => {
  it('types the API access volume and the downward API items', () => {
    expect(volumeSource(access, 0)).toEqual({
      kind: 'projected',
      defaultMode: 0o644,
      sources: [
        { kind: 'serviceAccountToken', path: 'token', token },
        {
          kind: 'configMap',
          name: 'kube-root-ca.crt',
          items: [{ key: 'ca.crt', path: 'ca.crt' }],
          optional: false,
        },
        { kind: 'downwardAPI', items: [{ path: 'namespace', fieldPath: 'metadata.namespace' }] },
      ],
    });
    expect(() => projectionSources('v', [{ clusterTrustBundle: {} }])).toThrow(
      /^v.sources\[0\]: unsupported projection clusterTrustBundle/,
    );
    expect(() =>
      projectionSources('v', [
        { downwardAPI: { items: [{ path: 'c', resourceFieldRef: { resource: 'limits.cpu' } }] } },
      ]),
    ).toThrow(/downwardAPI.items\[0\]: resourceFieldRef is not supported yet/);
  });

  it('formats labels and annotations as sorted key="value" lines, single fields as they are', () => {
    expect(downwardValue('metadata.labels', pod)).toBe('app="shop \\"1\\""\ntier="web"');
    expect(downwardValue('metadata.annotations', pod)).toBe('a="b"');
    expect(downwardValue('metadata.namespace', pod)).toBe('ns');
    expect(() => downwardValue('status.podIP', pod)).toThrow(
      /unsupported fieldPath in a volume: status.podIP/,
    );
  });

  it('needs the token, naming why it is missing', () => {
    const sources = projectionSources('v', access.projected.sources);
    const files = projectionFiles(sources, pod, objects, 0o644);
    expect([...files.keys()]).toEqual(['token', 'ca.crt', 'namespace']);
    expect(files.get('namespace')?.data.toString()).toBe('ns');
    const failed = {
      ...objects,
      tokens: new Map(),
      tokenErrors: new Map([[tokenKey(token), 'refused: nope']]),
    };
    expect(() => projectionFiles(sources, pod, failed, 0o644)).toThrow(/serviceAccountToken: refused: nope/);
  });

  it('renews a token once 80 % of its life has passed', () => {
    const held = { issuedAt: 0, expiresAt: 1000 };
    expect(needsRefresh(held, 799)).toBe(false);
    expect(needsRefresh(held, 800)).toBe(true);
  });
});

describe('the projected volume on the node', () => {
  it('writes token, CA and namespace, and the downward API files, with their modes, read-only', () => {
    const root = mkdtempSync(join(tmpdir(), 'sy-proj-'));
    dirs.push(root);
    setUpVolumes(pod, root, objects);
    const vol = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~projected', access.name);
    expect(readFileSync(join(vol, 'token'), 'utf8')).toBe('tok-1');
    expect(readFileSync(join(vol, 'ca.crt'), 'utf8')).toBe('PEM\n');
    expect(readFileSync(join(vol, 'namespace'), 'utf8')).toBe('ns');
    expect(statSync(join(vol, 'token')).mode & 0o777).toBe(0o644);
    expect(readlinkSync(join(vol, 'token'))).toBe('..data/token');
    const info = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~downward-api', 'info');
    expect(readFileSync(join(info, 'tier'), 'utf8')).toBe('web');
    expect(readFileSync(join(info, 'meta/uid'), 'utf8')).toBe('uid-1');
    expect(statSync(join(info, 'meta/uid')).mode & 0o777).toBe(0o444);
    expect(statSync(join(info, 'labels')).mode & 0o777).toBe(0o600);

    // A renewed token replaces the file through the ..data swap.
    const before = readlinkSync(join(vol, '..data'));
    setUpVolumes(pod, root, { ...objects, tokens: new Map([[tokenKey(token), 'tok-2']]) });
    expect(readFileSync(join(vol, 'token'), 'utf8')).toBe('tok-2');
    expect(readlinkSync(join(vol, '..data'))).not.toBe(before);

    expect(containerMounts(pod, pod.containers[0] as KubeletPod['containers'][number], root)).toEqual([
      { containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', hostPath: vol, readonly: true },
      { containerPath: '/etc/podinfo', hostPath: info, readonly: true },
    ]);
  });
});

describe('TokenSource against the API server, as the node', () => {
  const h = useTestServer();
  const clients: KubeClient[] = [];
  afterAll(() => {
    for (const c of clients) c.close();
  });

  it('gets a token bound to the pod that authenticates as its service account, and keeps it', async () => {
    const ns = '/api/v1/namespaces/default';
    expect((await h.api('POST', `${ns}/serviceaccounts`, { metadata: { name: 'default' } })).status).toBe(
      201,
    );
    const made = await h.api('POST', `${ns}/pods`, {
      metadata: { name: 'tok' },
      spec: {
        nodeName: 'node-1',
        serviceAccountName: 'default',
        containers: [{ name: 'c', image: 'busybox' }],
      },
    });
    expect(made.status).toBe(201);
    const bound = toKubeletPod(made.json as never);

    const server = h.t.server;
    const nodeToken = addToken({
      dir: join(h.t.dir, 'data'),
      user: 'system:node:node-1',
      groups: ['system:nodes'],
    });
    server.reloadTokens();
    const {
      cert: _c,
      key: _k,
      ...admin
    } = parseKubeconfig(readFileSync(server.kubeconfigPath, 'utf8'), {
      path: server.kubeconfigPath,
    });
    const client = new KubeClient({ config: { ...admin, token: nodeToken } });
    clients.push(client);
    const source = new TokenSource(client);
    const got = await source.forPod(bound, [token]);
    expect(got.errors).toEqual(new Map());
    const jwt = got.tokens.get(tokenKey(token)) as string;
    expect(jwt).toMatch(/^ey/);
    expect((await source.forPod(bound, [token])).tokens.get(tokenKey(token))).toBe(jwt);

    const review = await h.api('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: jwt },
    });
    const status = (review.json as { status: { authenticated: boolean; user: { username: string } } }).status;
    expect(status.authenticated).toBe(true);
    expect(status.user.username).toBe('system:serviceaccount:default:default');

    // Another node's pod: the Node authorizer refuses, and the error names the account.
    const other = { ...bound, uid: 'not-bound', name: 'elsewhere' };
    const refused = await source.forPod(other, [token]);
    expect(refused.tokens.size).toBe(0);
    expect(refused.errors.get(tokenKey(token))).toMatch(/^TokenRequest for default\/default: /);
  });
});
