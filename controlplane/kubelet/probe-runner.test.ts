/**
 * probe-runner.ts against real sockets on loopback: an httpGet readiness probe makes the
 * container ready once the server answers 200, a tcpSocket liveness probe that cannot connect
 * reports a liveness failure after failureThreshold runs, startup gates readiness, the next due
 * time comes back for the requeue, and states are dropped with their containers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriClient } from '../../lib/cri/index.js';
import { emptyObservation } from './observed.js';
import { ProbeRunner, runProbe } from './probe-runner.js';
import { ctr, kubeletPod, sandbox, T0 } from './testing/fixtures.js';

let server: Server;
let port = 0;
let status = 503;
// No runtime is contacted by httpGet and tcpSocket probes; the client never dials.
const cri = new CriClient('/nonexistent/containerd.sock');

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(status).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  cri.close();
  await new Promise((r) => server.close(r));
});

function probed(probes: Record<string, unknown>) {
  const pod = kubeletPod({
    containers: [
      { name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: port }], ...probes },
    ],
  });
  const running = ctr(pod, 'app', { id: 'c1', state: 'CONTAINER_RUNNING', startedAt: T0 });
  return { pod, observed: { ...emptyObservation(pod), sandboxes: [sandbox(pod)], containers: [running] } };
}

describe('runProbe', () => {
  it('runs httpGet and tcpSocket against the target and names a bad port', async () => {
    status = 200;
    const spec = {
      handler: { httpGet: { port: 'http', path: '/' } },
      initialDelaySeconds: 0,
      periodSeconds: 1,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 1,
    };
    const target = { containerId: 'c1', podIP: '127.0.0.1', ports: [{ name: 'http', containerPort: port }] };
    expect((await runProbe(cri, spec, target)).result).toBe('success');
    expect((await runProbe(cri, { ...spec, handler: { tcpSocket: { port } } }, target)).result).toBe(
      'success',
    );
    expect(await runProbe(cri, { ...spec, handler: { tcpSocket: { port: 'nope' } } }, target)).toEqual({
      result: 'failure',
      message: 'unknown port nope',
    });
    expect((await runProbe(cri, spec, { ...target, podIP: undefined })).message).toBe(
      'the pod has no IP yet',
    );
  });
});

describe('ProbeRunner', () => {
  it('makes a container ready once its readiness probe succeeds, and returns the next due time', async () => {
    const { pod, observed } = probed({
      readinessProbe: { httpGet: { port: 'http', path: '/healthz' }, periodSeconds: 2 },
    });
    const runner = new ProbeRunner(cri);
    status = 503;
    const first = await runner.sync(pod, observed, '127.0.0.1', T0 + 1000);
    expect(first.views.get('c1')).toEqual({ ready: false, started: true });
    expect(first.nextAt).toBe(T0 + 3000);
    status = 200;
    // Not due yet: nothing runs, still unready.
    expect((await runner.sync(pod, observed, '127.0.0.1', T0 + 2000)).views.get('c1')?.ready).toBe(false);
    const due = await runner.sync(pod, observed, '127.0.0.1', Date.now() + 10_000);
    expect(due.views.get('c1')).toEqual({ ready: true, started: true });
    expect(due.failures.size).toBe(0);
  });

  it('reports a liveness failure after failureThreshold failed runs', async () => {
    const { pod, observed } = probed({
      livenessProbe: { tcpSocket: { port: 1 }, periodSeconds: 1, failureThreshold: 2 },
    });
    const runner = new ProbeRunner(cri);
    const now = Date.now() + 60_000;
    expect((await runner.sync(pod, observed, '127.0.0.1', now)).failures.size).toBe(0);
    const second = await runner.sync(pod, observed, '127.0.0.1', now + 1000);
    expect(second.failures.get('c1')).toBe('liveness');
    runner.retain(new Set());
    expect((await runner.sync(pod, observed, '127.0.0.1', now + 2000)).failures.size).toBe(0);
  });

  it('holds readiness until the startup probe succeeded', async () => {
    status = 503;
    const { pod, observed } = probed({
      startupProbe: { httpGet: { port: 'http' }, periodSeconds: 1, failureThreshold: 30 },
      readinessProbe: { tcpSocket: { port } },
    });
    const runner = new ProbeRunner(cri);
    const now = Date.now() + 60_000;
    expect((await runner.sync(pod, observed, '127.0.0.1', now)).views.get('c1')).toEqual({
      ready: false,
      started: false,
    });
    status = 200;
    const up = await runner.sync(pod, observed, '127.0.0.1', now + 1000);
    expect(up.views.get('c1')).toEqual({ ready: true, started: true });
  });
});
