/**
 * The kubelet endpoint against the real API server: authentication (a client certificate from
 * the API server's CA → its CN and O; a bearer token → TokenReview; a certificate from
 * elsewhere, no credentials, or a token the API server cannot vouch for → 401) and authorization through
 * SubjectAccessReview with upstream's attributes (RBAC on nodes/stats vs nodes/proxy decides;
 * 403 in upstream's words), the routes that need no runtime (health, stats, metrics, the 400 for
 * a stream without an upgrade), and that garbage on the wire is answered and survived. The
 * runtime-backed routes (logs, exec, port-forward) are in server.netns.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterRolesResource, KubeClient, parseKubeconfig } from '../../../lib/client/index.js';
import { CriClient } from '../../../lib/cri/index.js';
import { createLogger } from '../../../lib/obs/index.js';
import { startTestEnv, type TestEnv } from '../../../test/harness/cluster/env.js';
import { addToken, pkiFiles } from '../../apiserver/pki.js';
import { type KubeletServer, startKubeletServer } from './index.js';
import {
  type ClientPair,
  callKubelet,
  issueClientCert,
  recordingHandlers,
  SPDY_UPGRADE,
  selfSignedCert,
} from './testing/kubelet-fixture.js';

const NODE = 'node-1';
const SUMMARY = { node: { nodeName: NODE, cpu: { usageNanoCores: 1 } }, pods: [] };
const PODS = { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] };
const METRICS = '# HELP node_cpu_usage_seconds_total x\nnode_cpu_usage_seconds_total 1 1\n';

let env: TestEnv;
let kubelet: KubeletServer;
let dir: string;
let admin: ClientPair;
let jane: ClientPair;
let stranger: ClientPair;
let nodeClient: KubeClient;
const cri = new CriClient('/nonexistent/containerd.sock', { timeoutMs: 500 });

const get = (path: string, as: Parameters<typeof callKubelet>[2]) => callKubelet(kubelet.port, path, as);

beforeAll(async () => {
  env = await startTestEnv();
  dir = mkdtempSync(join(tmpdir(), 'sy-kserver-'));
  const data = join(env.server.dir, 'data');
  const pki = pkiFiles(data);
  admin = { cert: readFileSync(pki.adminCert, 'utf8'), key: readFileSync(pki.adminKey, 'utf8') };
  jane = issueClientCert({ cert: pki.caCert, key: pki.caKey }, dir, { cn: 'jane', o: ['dev', 'ops'] });
  stranger = selfSignedCert(dir, 'admin');
  // The kubelet runs as its node (the Node authorizer lets it create the reviews).
  const token = addToken({ dir: data, user: `system:node:${NODE}`, groups: ['system:nodes'] });
  env.server.server.reloadTokens();
  const path = env.server.server.kubeconfigPath;
  const { cert: _c, key: _k, ...base } = parseKubeconfig(readFileSync(path, 'utf8'), { path });
  nodeClient = new KubeClient({ config: { ...base, token } });
  const handlers = recordingHandlers();
  kubelet = await startKubeletServer({
    nodeName: NODE,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) },
    clientCA: readFileSync(pki.caCert),
    client: nodeClient,
    cri,
    podLogsDir: join(dir, 'pods'),
    logger: createLogger({ level: 'error' }),
    remoteCommand: handlers.remoteCommand,
    portForward: handlers.portForward,
    stats: { summary: async () => SUMMARY, resourceMetrics: async () => METRICS },
    pods: async () => PODS,
    // Denials are not reused, so the RBAC change below is seen at once.
    authCache: { deniedTtlMs: 0 },
  });
}, 60_000);

afterAll(async () => {
  await kubelet?.close();
  nodeClient?.close();
  cri.close();
  await env?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('refuses a request without credentials with 401', async () => {
    expect(await get('/healthz', 'anonymous')).toEqual({ status: 401, text: 'Unauthorized' });
    expect(await get('/stats/summary', 'anonymous')).toEqual({ status: 401, text: 'Unauthorized' });
  });

  it('ignores a certificate from another CA (even one claiming system:masters)', async () => {
    expect((await get('/healthz', stranger)).status).toBe(401);
  });

  it('asks TokenReview about a bearer token; a token the API server does not vouch for is 401', async () => {
    expect(await get('/healthz', { token: env.server.server.adminToken })).toEqual({
      status: 200,
      text: 'ok',
    });
    const carol = addToken({ dir: join(env.server.dir, 'data'), user: 'carol', groups: ['auditors'] });
    env.server.server.reloadTokens();
    expect(await get('/healthz', { token: carol })).toEqual({
      status: 403,
      text: 'Forbidden (user=carol, verb=get, resource=nodes, subresource=proxy)',
    });
    expect((await get('/healthz', { token: 'not-a-token' })).status).toBe(401);
  });

  it('takes a certificate from the API server’s CA: CN is the user, O the groups', async () => {
    expect(await get('/healthz', admin)).toEqual({ status: 200, text: 'ok' });
    const denied = await get('/healthz', jane);
    expect(denied).toEqual({
      status: 403,
      text: 'Forbidden (user=jane, verb=get, resource=nodes, subresource=proxy)',
    });
  });
});

describe('authorization', () => {
  it('follows RBAC on nodes/<subresource>: stats granted, proxy still denied', async () => {
    expect(await get('/stats/summary', jane)).toEqual({
      status: 403,
      text: 'Forbidden (user=jane, verb=get, resource=nodes, subresource=stats)',
    });
    expect((await get('/metrics/resource', jane)).text).toBe(
      'Forbidden (user=jane, verb=get, resource=nodes, subresource=metrics)',
    );
    const roles = env.client.resource(clusterRolesResource);
    await roles.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'node-stats-reader' },
      rules: [{ apiGroups: [''], resources: ['nodes/stats'], verbs: ['get'] }],
    });
    // The group from the certificate's O is what the binding names.
    await env.client.requestJson({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      contentType: 'application/json',
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'ops-node-stats' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-stats-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ops' }],
      }),
    });
    await expect.poll(async () => (await get('/stats/summary', jane)).status, { timeout: 5000 }).toBe(200);
    expect((await get('/healthz', jane)).status).toBe(403);
    expect((await get('/metrics/resource', jane)).status).toBe(403);
  });

  it('authorizes upgrades too: POST is create on nodes/proxy', async () => {
    const path = '/exec/default/p/c?command=ls&output=1';
    expect(await callKubelet(kubelet.port, path, jane, { method: 'POST', headers: SPDY_UPGRADE })).toEqual({
      status: 403,
      text: 'Forbidden (user=jane, verb=create, resource=nodes, subresource=proxy)',
    });
    expect(
      (await callKubelet(kubelet.port, path, 'anonymous', { method: 'POST', headers: SPDY_UPGRADE })).status,
    ).toBe(401);
  });
});

describe('routes', () => {
  it('serves the stats provider’s summary and resource metrics, and the pods it is given', async () => {
    const summary = await get('/stats/summary', admin);
    expect(summary.status).toBe(200);
    expect(JSON.parse(summary.text)).toEqual(SUMMARY);
    expect(await get('/metrics/resource', admin)).toEqual({ status: 200, text: METRICS });
    expect(JSON.parse((await get('/pods', admin)).text)).toEqual(PODS);
  });

  it('answers 404 for unknown paths, 405 for other methods, 400 for a stream without an upgrade', async () => {
    expect((await get('/nothing/here', admin)).status).toBe(404);
    expect((await callKubelet(kubelet.port, '/healthz', admin, { method: 'DELETE' })).status).toBe(405);
    expect(await get('/exec/default/p/c?command=ls&output=1', admin)).toEqual({
      status: 400,
      text: 'Upgrade request required',
    });
    expect((await get('/portForward/default/p', admin)).status).toBe(400);
    expect((await get('/containerLogs/default/p/c?tailLines=-3', admin)).text).toBe(
      'tailLines: must be non-negative, got -3',
    );
  });

  it('answers a runtime that cannot be reached with a 500, and stays up', async () => {
    const logs = await get('/containerLogs/default/p/c', admin);
    expect(logs.status).toBe(500);
    expect((await get('/healthz', admin)).status).toBe(200);
  });
});

describe('options', () => {
  it('are checked, naming the field', async () => {
    const handlers = recordingHandlers();
    const base = {
      nodeName: NODE,
      host: '127.0.0.1',
      port: 0,
      tls: admin,
      client: nodeClient,
      cri,
      podLogsDir: dir,
      logger: createLogger({ level: 'error' }),
      remoteCommand: handlers.remoteCommand,
      portForward: handlers.portForward,
      stats: { summary: async () => ({}), resourceMetrics: async () => '' },
    };
    await expect(startKubeletServer({ ...base, nodeName: '' })).rejects.toThrow(
      'nodeName: must not be empty',
    );
    await expect(startKubeletServer({ ...base, port: 70000 })).rejects.toThrow(
      'port: must be 0–65535, got 70000',
    );
    await expect(startKubeletServer({ ...base, limits: { maxConnections: 0 } })).rejects.toThrow(
      'limits.maxConnections: must be a positive integer, got 0',
    );
  });
});

describe('the wire', () => {
  /** Writes raw bytes on a TLS connection and returns what came back before the server closed it. */
  const raw = (bytes: Buffer | string): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = tlsConnect(
        { host: '127.0.0.1', port: kubelet.port, rejectUnauthorized: false, ...admin },
        () => s.write(bytes),
      );
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', reject);
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      setTimeout(() => s.destroy(), 3000);
    });

  it('answers garbage, oversized headers and a body it does not take, and keeps serving', async () => {
    expect(await raw('\u0000\u0001 not http at all\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431 /,
    );
    const withBody = await raw('POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    expect(withBody).toMatch(/^HTTP\/1\.1 405 /);
    expect(withBody).toMatch(/Connection: close/i);
    expect(await get('/healthz', admin)).toEqual({ status: 200, text: 'ok' });
  });

  it('survives random bytes, alone and after request heads (plain and upgrade)', async () => {
    const heads = [
      '',
      'GET /containerLogs/default/p/c?follow=true HTTP/1.1\r\nHost: x\r\n',
      'POST /exec/a/b/c?command=x&output=1 HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n',
      'GET /portForward/a/b HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n',
    ];
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        raw(
          Buffer.concat([
            Buffer.from(heads[i % heads.length] as string),
            randomBytes(1 + ((i * 997) % 3000)),
          ]),
        ),
      ),
    );
    expect(await get('/healthz', admin)).toEqual({ status: 200, text: 'ok' });
  });
});
