/**
 * The host forwarder and the component supervisor against a real namespace: relaying into it,
 * the connection cap, the idle timeout, errors naming the namespace; health probes from inside
 * it; starting, failing and stopping detached components.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNetns, createTcpServerIn, deleteNetns, runInNetns } from '../lib/netns/index.js';
import { describeKernel, uniqueName } from '../test/harness/kernel.js';
import type { ComponentSpec } from './components.js';
import { startForwarder } from './forward.js';
import { isZombie, processStartTicks } from './owner.js';
import { pidsNamingNetns } from './procs.js';
import { isRunning, probeHealth, startComponent, stopProcess, waitHealthy } from './supervise.js';

function portOf(server: Server): number {
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with what the peer sent until it closed the connection. */
function untilClosed(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    s.on('data', (b: Buffer) => {
      got += b.toString();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
}

describeKernel('lab forwarder and supervisor', () => {
  const ns = uniqueName('fw');
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-fw-'));
  let echo: Server;
  let echoPort = 0;

  beforeAll(async () => {
    createNetns(ns);
    await runInNetns(ns, { cmd: 'ip', args: ['link', 'set', 'lo', 'up'] }, { check: true });
    echo = await createTcpServerIn(ns, { host: '127.0.0.1', port: 0 });
    echo.on('connection', (s: Socket) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    echoPort = portOf(echo);
  });

  afterAll(async () => {
    await new Promise((r) => echo.close(r));
    deleteNetns(ns, { ignoreMissing: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('relays a connection into the namespace, caps connections and closes idle ones', async () => {
    const errors: string[] = [];
    const fwd = await startForwarder({
      listen: { host: '127.0.0.1', port: 0 },
      netns: ns,
      to: { host: '127.0.0.1', port: echoPort },
      maxConnections: 1,
      idleMs: 300,
      onError: (m) => errors.push(m),
    });
    try {
      const a = await open(fwd.port);
      const reply = new Promise<string>((resolve) => a.once('data', (b: Buffer) => resolve(b.toString())));
      a.write('ping');
      expect(await reply).toBe('ping');
      expect(fwd.active()).toBe(1);
      // Over the cap: closed at once, nothing relayed.
      const b = await open(fwd.port);
      expect(await untilClosed(b)).toBe('');
      expect(errors).toEqual(['connection cap 1 reached; closing a new connection']);
      // Idle past 300 ms: closed by the forwarder.
      const started = Date.now();
      await untilClosed(a);
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(fwd.active()).toBe(0);
    } finally {
      await fwd.close();
    }
  });

  it('closes the client and names the namespace when the far side refuses', async () => {
    const errors: string[] = [];
    const fwd = await startForwarder({
      listen: { host: '127.0.0.1', port: 0 },
      netns: ns,
      to: { host: '127.0.0.1', port: 1 },
      onError: (m) => errors.push(m),
    });
    try {
      expect(await untilClosed(await open(fwd.port))).toBe('');
      expect(errors).toEqual([`connect ECONNREFUSED 127.0.0.1:1 in network namespace "${ns}"`]);
    } finally {
      await fwd.close();
    }
  });

  it('probes health from inside the namespace', async () => {
    const http = createHttpServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? 200 : 503;
      res.end('ok');
    });
    // The listening socket lives in the namespace; the HTTP server just parses its connections.
    const server = await createTcpServerIn(ns, { host: '127.0.0.1', port: 0 });
    server.on('connection', (s: Socket) => http.emit('connection', s));
    const port = portOf(server);
    try {
      const probe = { scheme: 'http', host: '127.0.0.1', port } as const;
      expect(await probeHealth(ns, { ...probe, path: '/healthz' })).toEqual({ ok: true, detail: '200' });
      expect(await probeHealth(ns, { ...probe, path: '/readyz' })).toEqual({ ok: false, detail: '503' });
      // The same port in the root namespace is someone else's (or nobody's): not this server.
      expect(
        (await probeHealth(undefined, { ...probe, path: '/healthz' }, { timeoutMs: 500 })).detail,
      ).not.toBe('200');
    } finally {
      await new Promise((r) => server.close(r));
      http.close();
    }
  });

  function spec(name: string, args: readonly string[]): ComponentSpec {
    return {
      name,
      target: 'control-plane',
      namespace: ns,
      args,
      health: { scheme: 'http', host: '127.0.0.1', port: 1, path: '/healthz' },
      log: join(tmp, 'logs', `${name}.log`),
    };
  }

  it('a component that exits is reported with its log; a running one is stopped', async () => {
    const dying = spec('dying', ['echo boom; exit 3']);
    const rec = await startComponent(dying, ['/bin/sh', '-c']);
    await expect(waitHealthy(dying, rec, { stateDir: tmp, timeoutMs: 10_000 })).rejects.toThrow(
      `dying (pid ${rec.pid}) exited; see ${dying.log}`,
    );
    expect(readFileSync(dying.log, 'utf8')).toBe('boom\n');

    // The namespace name on the command line, as the forwarder carries it, so leftovers are found.
    // A process that keeps that argument for its whole life (`sh -c 'exec sleep'` would drop it
    // at the exec, racing the check below).
    const sleeper = spec('sleeper', ['setTimeout(() => {}, 60_000)', ns]);
    const running = await startComponent(sleeper, [process.execPath, '-e']);
    expect(isRunning(running)).toBe(true);
    // Until the child has exec'd, /proc shows the forked parent's command line: wait for the exec.
    const deadline = Date.now() + 5000;
    while (pidsNamingNetns([ns]).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(pidsNamingNetns([ns])).toEqual([running.pid]);
    await expect(waitHealthy(sleeper, running, { stateDir: tmp, timeoutMs: 300 })).rejects.toThrow(
      `sleeper not healthy within 300 ms (/healthz: connect ECONNREFUSED 127.0.0.1:1 in network namespace "${ns}"); see ${sleeper.log}`,
    );
    await stopProcess(running, 1000);
    expect(isRunning(running)).toBe(false);
    expect(processStartTicks(running.pid) === undefined || isZombie(running.pid)).toBe(true);
  });
});
