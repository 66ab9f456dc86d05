/**
 * kubectl 1.32's port-forward and its SPDY fallbacks through the API server to a kubelet
 * endpoint (`testing/test-kubelet.ts`, which serves `/portForward` as SPDY/3.1 with lib/spdy
 * and joins each forwarded connection to a port on loopback): `kubectl port-forward` over the
 * WebSocket tunnel (`SPDY/3.1+portforward.k8s.io`) and over a plain SPDY POST
 * (KUBECTL_PORT_FORWARD_WEBSOCKETS=false), both carrying an HTTP request to a local server;
 * `kubectl exec` over SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) with its exit code and
 * piped stdin; a pod that is not running refused.
 */
import { spawn } from 'node:child_process';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pkiFiles } from './pki.js';
import { type KubectlEnv, useTestServer } from './testing/harness.js';
import { startTestKubelet, type TestKubelet } from './testing/test-kubelet.js';

let kubelet: TestKubelet;
let web: Server;
let webPort = 0;

const h = useTestServer({
  setup: async (s) => {
    const pki = pkiFiles(join(s.t.dir, 'data'));
    kubelet = await startTestKubelet({ cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert });
    web = createServer((req, res) => res.end(`hello from ${req.url}\n`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webPort = (web.address() as AddressInfo).port;
    const status = {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
    };
    await s.api('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fwd-node' } });
    expect(
      (await s.api('PATCH', '/api/v1/nodes/fwd-node/status', { status }, 'application/merge-patch+json'))
        .status,
    ).toBe(200);
    for (const [name, phase] of [
      ['web', 'Running'],
      ['idle', 'Pending'],
    ] as const) {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { nodeName: 'fwd-node', containers: [{ name: 'c', image: 'busybox' }] },
      };
      expect((await s.api('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
      const patched = await s.api(
        'PATCH',
        `/api/v1/namespaces/default/pods/${name}/status`,
        { status: { phase } },
        'application/merge-patch+json',
      );
      expect(patched.status).toBe(200);
    }
  },
});

afterAll(async () => {
  await kubelet?.close();
  web?.close();
});

/** kubectl as a child process, with extra environment, stdin and incremental output. */
function kubectl(
  env: KubectlEnv,
  args: string[],
  o: { extraEnv?: Record<string, string>; stdin?: string } = {},
) {
  const child = spawn('kubectl', ['--cache-dir', join(env.home, 'cache'), ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: env.home,
      KUBECONFIG: env.kubeconfig,
      ...o.extraEnv,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (o.stdin !== undefined) child.stdin.end(o.stdin);
  const timer = setTimeout(() => child.kill(), 30_000);
  const exited = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function until<T>(what: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Runs `kubectl port-forward pod/web :<webPort>` and fetches two pages through it. */
async function forwardTwice(extraEnv: Record<string, string>): Promise<string[]> {
  const p = kubectl(h.env, ['port-forward', 'pod/web', `:${webPort}`], { extraEnv });
  try {
    const local = await until(() => /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(p.stdout())?.[1]);
    return [await httpGet(Number(local), '/one'), await httpGet(Number(local), '/two')];
  } finally {
    p.child.kill();
    await p.exited;
  }
}

describe('kubectl port-forward through the kubelet', () => {
  it('carries HTTP requests over the WebSocket tunnel', async () => {
    const before = kubelet.spdy.length;
    expect(await forwardTwice({})).toEqual(['hello from /one\n', 'hello from /two\n']);
    expect(kubelet.spdy.slice(before)).toEqual(['portforward.k8s.io /portForward/default/web']);
    // The API server's client certificate, not the caller's credentials.
    expect(kubelet.lastClient()).toBe('admin');
  }, 40_000);

  it('carries them over SPDY when websockets are turned off', async () => {
    const env = { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
    const before = kubelet.spdy.length;
    expect(await forwardTwice(env)).toEqual(['hello from /one\n', 'hello from /two\n']);
    expect(kubelet.spdy.slice(before)).toEqual(['portforward.k8s.io /portForward/default/web']);
  }, 40_000);

  it('needs RBAC on pods/portforward: a user who may only read pods is refused (403)', async () => {
    const reader = await h.userWithRole('reader', 'default', [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
    const p = kubectl(reader, ['port-forward', 'pod/web', `:${webPort}`]);
    const r = await p.exited;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "web" is forbidden');
    expect(r.stderr).toContain('pods/portforward');
  }, 40_000);

  it('refuses a pod that is not running', async () => {
    const raw = await h.api('GET', '/api/v1/namespaces/default/pods/idle/portforward');
    expect(raw.status).toBe(400);
    expect(raw.json.message).toBe(
      'unable to forward port because pod is not running. Current status=Pending',
    );
  });
});

describe('kubectl exec over SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', () => {
  const extraEnv = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };

  it('returns the exit code and output', async () => {
    const r = await kubectl(h.env, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], {
      extraEnv,
    }).exited;
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 3');
    expect(kubelet.spdy.at(-1)).toBe('v4.channel.k8s.io /exec/default/web/c');
  }, 40_000);

  it('passes piped stdin and closes it at EOF', async () => {
    const r = await kubectl(h.env, ['exec', '-i', 'web', '--', 'cat'], { extraEnv, stdin: 'hi\nthere\n' })
      .exited;
    expect([r.code, r.stdout]).toEqual([0, 'hi\nthere\n']);
  }, 40_000);
});
