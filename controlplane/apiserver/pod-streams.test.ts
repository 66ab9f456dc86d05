/**
 * kubectl 1.32's logs and exec through the API server to a kubelet endpoint: a test kubelet on
 * loopback (`testing/test-kubelet.ts`) registered as a Node, pods bound to it; `kubectl logs`
 * (with `--tail`, `-f`), `kubectl exec` (exit code, piped stdin, a missing container), the
 * 400s and 204 of pods that cannot stream, and RBAC on pods/exec.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pkiFiles } from './pki.js';
import { type KubectlEnv, useTestServer } from './testing/harness.js';
import { startTestKubelet, type TestKubelet } from './testing/test-kubelet.js';

let kubelet: TestKubelet;

const h = useTestServer({
  setup: async (s) => {
    const pki = pkiFiles(join(s.t.dir, 'data'));
    kubelet = await startTestKubelet({ cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert });
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'stream-node' },
      status: {
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: 'stream-node' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
      },
    };
    expect((await s.api('POST', '/api/v1/nodes', node)).status).toBe(201);
    const status = await s.api(
      'PATCH',
      '/api/v1/nodes/stream-node/status',
      { status: node.status },
      'application/merge-patch+json',
    );
    expect(status.status).toBe(200);
    const pod = (name: string, containers: string[], nodeName?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        ...(nodeName ? { nodeName } : {}),
        containers: containers.map((c) => ({ name: c, image: 'busybox' })),
      },
    });
    for (const p of [
      pod('web', ['c'], 'stream-node'),
      pod('two', ['a', 'b'], 'stream-node'),
      pod('pending', ['c']),
    ])
      expect((await s.api('POST', '/api/v1/namespaces/default/pods', p)).status).toBe(201);
    kubelet.setLog('default/web/c', 'one\ntwo\nthree\n');
  },
});

afterAll(async () => {
  await kubelet?.close();
});

/** kubectl as a child process with stdin and incremental stdout. */
function kubectlProcess(env: KubectlEnv, args: string[], stdin?: string) {
  const child = spawn('kubectl', ['--cache-dir', join(env.home, 'cache'), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: env.home, KUBECONFIG: env.kubeconfig },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (stdin !== undefined) child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill(), 30_000);
  const exited = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
  return { child, exited, stdout: () => stdout };
}

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kubectl logs through the kubelet', () => {
  it('prints the log, with --tail, using the API server client certificate', async () => {
    const all = await h.k('logs', 'web');
    expect(all.stderr).toBe('');
    expect(all.stdout).toBe('one\ntwo\nthree\n');
    expect(kubelet.lastClient()).toBe('admin');
    const tail = await h.k('logs', 'web', '--tail', '2');
    expect(tail.stdout).toBe('two\nthree\n');
    expect(kubelet.requests).toContain('/containerLogs/default/web/c?tailLines=2');
    await h.k('logs', 'web', '--previous', '--since', '10s', '--timestamps', '--limit-bytes', '5');
    expect(kubelet.requests).toContain(
      '/containerLogs/default/web/c?previous=true&timestamps=true&sinceSeconds=10&limitBytes=5',
    );
  });

  it('streams new lines with -f', async () => {
    const p = kubectlProcess(h.env, ['logs', '-f', 'web']);
    await until(() => p.stdout().includes('three\n'));
    kubelet.appendLog('default/web/c', 'four\n');
    await until(() => p.stdout().includes('four\n'));
    kubelet.endFollowers();
    const r = await p.exited;
    expect(r.stdout).toBe('one\ntwo\nthree\nfour\n');
    expect(kubelet.requests).toContain('/containerLogs/default/web/c?follow=true');
  });

  it('answers 400 for a container the pod does not have, naming choices when one is needed, and 204 for an unscheduled pod', async () => {
    const bad = await h.api('GET', '/api/v1/namespaces/default/pods/web/log?container=nope');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toBe('container nope is not valid for pod web');
    const two = await h.api('GET', '/api/v1/namespaces/default/pods/two/log');
    expect(two.json.message).toBe('a container name must be specified for pod two, choose one of: [a b]');
    expect((await h.api('GET', '/api/v1/namespaces/default/pods/pending/log')).status).toBe(204);
    const unscheduled = await h.api(
      'GET',
      '/api/v1/namespaces/default/pods/pending/exec?command=true&stdout=1',
    );
    expect([unscheduled.status, unscheduled.json.message]).toEqual([
      400,
      'pod pending does not have a host assigned',
    ]);
    const plain = await h.api('GET', '/api/v1/namespaces/default/pods/web/exec?command=true&stdout=1');
    expect([plain.status, plain.json.message]).toEqual([400, 'Upgrade request required']);
    const tail = await h.api('GET', '/api/v1/namespaces/default/pods/web/log?tailLines=-1');
    expect(tail.status).toBe(422);
    // The kubelet's 404 becomes a Status.
    const missing = await h.api('GET', '/api/v1/namespaces/default/pods/two/log?container=a');
    expect(missing.status).toBe(404);
    expect(missing.json.kind).toBe('Status');
  });
});

describe('kubectl exec through the kubelet (WebSocket v5)', () => {
  it('returns the exit code of the command', async () => {
    const r = await h.k('exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 3');
    expect(kubelet.requests.some((q) => q.startsWith('/exec/default/web/c?command=sh&command=-c'))).toBe(
      true,
    );
  });

  it('passes piped stdin and closes it at EOF', async () => {
    const r = await kubectlProcess(h.env, ['exec', '-i', 'web', '--', 'cat'], 'hello\nworld\n').exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello\nworld\n');
  });

  it('attaches with -i: stdin reaches the main process, its output comes back', async () => {
    const r = await kubectlProcess(h.env, ['attach', '-i', 'web'], 'attached\n').exited;
    expect(r.stdout).toContain('attached\n');
    expect(kubelet.requests.some((q) => q.startsWith('/attach/default/web/c?input=1&output=1&error=1'))).toBe(
      true,
    );
  });

  it('reports a container the pod does not have as kubectl does', async () => {
    const r = await h.k('exec', 'web', '-c', 'nope', '--', 'true');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container nope is not valid for pod web');
  });

  it('reports a kubelet that cannot be reached: a Status after the upgrade (exec), a 500 (logs)', async () => {
    const status = {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 1 } },
    };
    await h.api('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'gone' },
      status,
    });
    await h.api('PATCH', '/api/v1/nodes/gone/status', { status }, 'application/merge-patch+json');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan' },
      spec: { nodeName: 'gone', containers: [{ name: 'c', image: 'busybox' }] },
    };
    expect((await h.api('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const exec = await h.k('exec', 'orphan', '--', 'true');
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain('error dialing backend');
    const logs = await h.api('GET', '/api/v1/namespaces/default/pods/orphan/log');
    expect(logs.status).toBe(500);
    expect(logs.json.message).toContain('Get "https://127.0.0.1:1/containerLogs/default/orphan/c"');
  });

  it('refuses pods/exec to a user without it (403)', async () => {
    // viewer may read pods (kubectl exec reads the pod first), not exec into them.
    const env = await h.userWithRole('viewer', 'default', [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
    ]);
    await until(() => true);
    const r = await kubectlProcess(env, ['exec', 'web', '--', 'true']).exited;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Forbidden');
    expect(r.stderr).toContain('pods/exec');
  });
});
