/**
 * The kubelet's streaming bridges against a real containerd 1.6 (lab/containerd.ts) in a
 * throwaway `sy-` namespace: a busybox pod runs an httpd; a small local HTTP server hands
 * upgrade requests to `remoteCommandHandler` and `portForwardHandler` as the kubelet's server
 * will. containerd's streaming server listens on loopback inside the node's namespace, so the
 * handlers reach it through a `socat` started there (their injected dialer). Checked: a v5
 * exec's exit code as a NonZeroExitCode Status, stdin passed and closed by `[255, 0]`, a tty
 * with a resize, a SPDY exec spliced to containerd (kubectl's fallback), and port-forward of
 * the httpd as kubectl speaks it (error + data streams with `port` and `requestID`).
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUSYBOX_IMAGE } from '../../../lab/images/index.js';
import type { CriClient } from '../../../lib/cri/index.js';
import { createLogger } from '../../../lib/obs/index.js';
import { dialUrl, SpdySession, type SpdyStream, upgradeRequest } from '../../../lib/spdy/index.js';
import {
  Channel,
  ChannelSession,
  connectWebSocket,
  decodeStatus,
  type SessionOutcome,
  V5_PROTOCOL,
} from '../../../lib/streaming/index.js';
import { startTestRuntime, type TestRuntime } from '../../../test/harness/containerd.js';
import { describeKernel } from '../../../test/harness/kernel.js';
import { toKubeletPod } from '../model.js';
import { observeRuntime } from '../observe.js';
import { apiPod } from '../testing/fixtures.js';
import { startPodOnce } from '../testing/run-pod.js';
import { portForwardHandler } from './port-forward.js';
import { remoteCommandHandler } from './remote-command.js';

/** A connection to loopback `port` inside namespace `ns`, through socat's stdio. */
function dialInto(ns: string): (url: URL) => Promise<Duplex> {
  return async (url) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'socat', '-t', '30', '-', `TCP:127.0.0.1:${url.port}`], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const d = Duplex.from({ readable: child.stdout, writable: child.stdin });
    // The duplex ends when socat's output does; destroying it then would drop what it still buffers.
    d.on('close', () => child.kill());
    return d;
  };
}

interface Outcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: SessionOutcome | undefined;
}

describeKernel('the kubelet streaming bridges on a real containerd', () => {
  let rt: TestRuntime | undefined;
  let server: Server | undefined;
  let port = 0;
  let containerId = '';
  let tickerId = '';
  let sandboxId = '';

  const cri = (): CriClient => {
    if (!rt) throw new Error('containerd did not start');
    return rt.cri;
  };

  beforeAll(async () => {
    rt = await startTestRuntime({
      tag: 'ks',
      bridge: 'sykst0',
      subnet: '10.89.0.0/24',
      images: ['busybox', 'pause'],
    });
    const pod = toKubeletPod(
      apiPod(
        {
          containers: [
            {
              name: 'web',
              image: BUSYBOX_IMAGE,
              command: [
                'sh',
                '-c',
                'mkdir -p /www && echo hello from the pod > /www/index.html && exec httpd -f -p 8080 -h /www',
              ],
            },
            {
              name: 'ticker',
              image: BUSYBOX_IMAGE,
              command: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'],
            },
          ],
          terminationGracePeriodSeconds: 1,
        },
        { name: 'streams', namespace: 'default', uid: `uid-streams-${rt.host}` },
      ),
    );
    const result = await startPodOnce(cri(), pod, join(rt.dir, 'pods'));
    expect(result.outcomes.filter((o) => o.failure)).toEqual([]);
    const end = Date.now() + 20_000;
    for (;;) {
      const o = (await observeRuntime(cri())).get(pod.uid);
      const running = (name: string) =>
        o?.containers.find((c) => c.name === name && c.state === 'CONTAINER_RUNNING');
      const web = running('web');
      const ticker = running('ticker');
      if (web && ticker && o?.sandboxes[0]) {
        containerId = web.id;
        tickerId = ticker.id;
        sandboxId = o.sandboxes[0].id;
        break;
      }
      if (Date.now() > end) throw new Error('the pod did not start');
      await sleep(200);
    }
    const deps = { cri: cri(), log: createLogger({ level: 'error' }), dial: dialInto(rt.host) };
    const exec = remoteCommandHandler(deps);
    const forward = portForwardHandler(deps);
    server = createServer();
    server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://kubelet');
      const q = url.searchParams;
      if (url.pathname === '/portForward') {
        void forward(req, socket, head, { sandboxId, ports: [] });
        return;
      }
      void exec(req, socket, head, {
        kind: url.pathname === '/attach' ? 'attach' : 'exec',
        containerId: q.get('container') ?? containerId,
        command: q.getAll('command'),
        stdin: q.get('input') === '1',
        stdout: q.get('output') === '1',
        stderr: q.get('error') === '1',
        tty: q.get('tty') === '1',
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  }, 180_000);

  afterAll(async () => {
    server?.close();
    await rt?.stop();
  }, 60_000);

  /** The kubelet's query for a command and the streams asked for (`input=1` …). */
  function query(command: string[], flags: string[]): string {
    const q = new URLSearchParams();
    for (const c of command) q.append('command', c);
    for (const f of flags) q.set(f, '1');
    return q.toString();
  }

  /** A v5 exec as our API server makes it; `drive` talks to the session once it is open. */
  async function exec(query: string, drive: (s: ChannelSession) => void = () => undefined): Promise<Outcome> {
    const ws = await connectWebSocket({
      secure: false,
      host: '127.0.0.1',
      port,
      path: `/exec?${query}`,
      protocols: [V5_PROTOCOL],
    });
    const session = new ChannelSession(ws);
    let stdout = '';
    let stderr = '';
    let status: SessionOutcome | undefined;
    const closed = new Promise<void>((r) => {
      session.onClose = () => r();
    });
    session.onData = (ch, d) => {
      if (ch === Channel.stdout) stdout += d.toString();
      else if (ch === Channel.stderr) stderr += d.toString();
      else if (ch === Channel.error) status = decodeStatus(d);
    };
    drive(session);
    await closed;
    return { stdout, stderr, status };
  }

  it('returns a command exit code as a NonZeroExitCode Status', async () => {
    const r = await exec(query(['sh', '-c', 'echo out; echo err >&2; exit 3'], ['output', 'error']));
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', status: { exitCode: 3 } });
  }, 30_000);

  it('passes stdin and closes it on [255, 0]: cat echoes and exits 0', async () => {
    const r = await exec(query(['cat'], ['input', 'output', 'error']), (s) => {
      s.write(Channel.stdin, 'hello\n');
      s.write(Channel.stdin, 'world\n');
      s.closeChannel(Channel.stdin);
    });
    expect(r).toEqual({ stdout: 'hello\nworld\n', stderr: '', status: { exitCode: 0 } });
  }, 30_000);

  it('carries megabytes both ways intact (windows and backpressure)', async () => {
    let bytes = 0;
    const big = await exec(query(['head', '-c', '3000000', '/dev/zero'], ['output']), (s) => {
      const prev = s.onData;
      s.onData = (ch, d) => {
        if (ch === Channel.stdout) bytes += d.length;
        else prev(ch, d);
      };
    });
    expect([bytes, big.status]).toEqual([3_000_000, { exitCode: 0 }]);
    const counted = await exec(query(['wc', '-c'], ['input', 'output']), (s) => {
      const chunk = Buffer.alloc(64 * 1024, 'y');
      for (let i = 0; i < 32; i++) s.write(Channel.stdin, chunk);
      s.closeChannel(Channel.stdin);
    });
    expect([counted.stdout.trim(), counted.status]).toEqual([String(32 * 64 * 1024), { exitCode: 0 }]);
  }, 60_000);

  it('runs a tty with the size a resize message set', async () => {
    const r = await exec(query(['sh', '-c', 'sleep 1; stty size'], ['output', 'tty', 'error']), (s) => {
      s.write(Channel.resize, JSON.stringify({ Width: 123, Height: 45 }));
    });
    expect(r.stdout).toBe('45 123\r\n');
    expect(r.status).toEqual({ exitCode: 0 });
  }, 30_000);

  it('starts a tty whose client sends no size once the wait for one is over', async () => {
    const started = Date.now();
    const r = await exec(query(['echo', 'hi'], ['output', 'tty', 'error']));
    expect(r.stdout).toBe('hi\r\n');
    expect(r.status).toEqual({ exitCode: 0 });
    // containerd holds a tty exec until the resize stream exists; the bridge opens it after 1 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  }, 30_000);

  it("attaches to a container's output; the client leaving ends the session", async () => {
    const ws = await connectWebSocket({
      secure: false,
      host: '127.0.0.1',
      port,
      path: `/attach?container=${tickerId}&output=1`,
      protocols: [V5_PROTOCOL],
    });
    const session = new ChannelSession(ws);
    let out = '';
    const ticks = new Promise<void>((resolve) => {
      session.onData = (ch, d) => {
        if (ch === Channel.stdout) out += d.toString();
        if (out.includes('tick\ntick\n')) resolve();
      };
    });
    const closed = new Promise<number>((r) => {
      session.onClose = (info) => r(info.code);
    });
    await ticks;
    ws.close();
    expect(await closed).toBe(1000);
  }, 30_000);

  it('answers 404 for a container the runtime does not have, before any upgrade', async () => {
    const ws = connectWebSocket({
      secure: false,
      host: '127.0.0.1',
      port,
      path: '/exec?container=nope&command=true&output=1',
      protocols: [V5_PROTOCOL],
    });
    await expect(ws).rejects.toMatchObject({ status: 404 });
  }, 30_000);

  /** A SPDY session to our server, as kubectl opens one. */
  async function spdy(path: string, version: string): Promise<SpdySession> {
    const answer = await upgradeRequest({
      dial: dialUrl(new URL(`http://127.0.0.1:${port}`)),
      method: 'POST',
      path,
      host: `127.0.0.1:${port}`,
      headers: { 'X-Stream-Protocol-Version': [version] },
    });
    if (!answer.upgraded) throw new Error(`refused: ${answer.rawHead.toString()} ${answer.body.toString()}`);
    expect(answer.headers['x-stream-protocol-version']).toBe(version);
    return new SpdySession(answer.socket, { role: 'client', head: answer.head });
  }

  function read(s: SpdyStream): Promise<string> {
    let text = '';
    s.onData = (d) => {
      text += d.toString();
    };
    return new Promise((resolve) => {
      s.onEnd = () => resolve(text);
      s.onReset = () => resolve(text);
    });
  }

  it('splices a SPDY exec (kubectl fallback) to containerd byte for byte', async () => {
    const session = await spdy(
      `/exec?${query(['sh', '-c', 'cat; exit 4'], ['input', 'output'])}`,
      'v4.channel.k8s.io',
    );
    const error = session.openStream({ streamType: 'error' });
    const stdin = session.openStream({ streamType: 'stdin' });
    const stdout = session.openStream({ streamType: 'stdout' });
    const status = read(error);
    const out = read(stdout);
    stdin.end(Buffer.from('via spdy\n'));
    expect(await out).toBe('via spdy\n');
    expect(decodeStatus(Buffer.from(await status))).toEqual({ exitCode: 4 });
    session.destroy();
  }, 30_000);

  it('forwards a port of the pod: an HTTP request reaches its httpd', async () => {
    const session = await spdy('/portForward', 'portforward.k8s.io');
    const error = session.openStream({ streamType: 'error', port: '8080', requestID: '0' });
    error.end();
    const errors = read(error);
    const data = session.openStream({ streamType: 'data', port: '8080', requestID: '0' });
    const answer = read(data);
    data.write(Buffer.from('GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n'));
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.[01] 200 OK/);
    expect(text).toContain('hello from the pod\n');
    // A port nobody listens on: the error stream says so.
    const e2 = session.openStream({ streamType: 'error', port: '9', requestID: '1' });
    e2.end();
    const failed = read(e2);
    session.openStream({ streamType: 'data', port: '9', requestID: '1' });
    expect(await failed).toMatch(/9/);
    session.destroy();
    expect(await Promise.race([errors, sleep(10, 'open')])).toBeDefined();
  }, 30_000);
});
