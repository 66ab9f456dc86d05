/**
 * Probe scheduling and result accounting against upstream's prober worker (worker.go,
 * worker_test.go in mind), and the httpGet/tcpSocket probes against real local servers.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSpec } from './model.js';
import { probeHttp } from './probe-http.js';
import { probeTcp } from './probe-tcp.js';
import {
  initialProbeState,
  type ProbedContainer,
  type ProbeKind,
  type ProbeState,
  probeDue,
  probeVerdict,
  recordOutcome,
  resolveProbePort,
} from './probes.js';

const spec = (over: Partial<ProbeSpec> = {}): ProbeSpec => ({
  handler: { tcpSocket: { port: 80 } },
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
  ...over,
});
const T = 1_000_000;
const running = (over: Partial<ProbedContainer> = {}): ProbedContainer => ({
  id: 'c1',
  running: true,
  startedAt: T,
  started: true,
  ...over,
});

/** Drives one worker through outcomes at its own schedule; returns the results after each run. */
function drive(kind: ProbeKind, s: ProbeSpec, outcomes: ('success' | 'failure')[]): ProbeState['result'][] {
  let state: ProbeState | undefined;
  let now = T;
  const results: ProbeState['result'][] = [];
  // A startup probe runs while the container has not started yet.
  const c = running({ started: kind !== 'startup' });
  for (const outcome of outcomes) {
    const due = probeDue(kind, s, state, c, now);
    if (!due.due) {
      now = due.nextAt!;
      const again = probeDue(kind, s, due.state, c, now);
      expect(again.due).toBe(true);
      state = recordOutcome(kind, s, again.state, outcome, now);
    } else state = recordOutcome(kind, s, due.state, outcome, now);
    results.push(state.result);
    now += s.periodSeconds * 1000;
  }
  return results;
}

describe('probe results and thresholds', () => {
  it('start values: readiness failure, liveness success, startup unknown', () => {
    expect(
      (['readiness', 'liveness', 'startup'] as const).map((k) => initialProbeState(k, 'c').result),
    ).toEqual(['failure', 'success', 'unknown']);
  });

  const cases: {
    name: string;
    kind: ProbeKind;
    spec: ProbeSpec;
    outcomes: ('success' | 'failure')[];
    results: ProbeState['result'][];
  }[] = [
    {
      name: 'readiness turns ready after successThreshold successes in a row',
      kind: 'readiness',
      spec: spec({ successThreshold: 2 }),
      outcomes: ['success', 'failure', 'success', 'success'],
      results: ['failure', 'failure', 'failure', 'success'],
    },
    {
      name: 'readiness turns unready after failureThreshold failures in a row, and back',
      kind: 'readiness',
      spec: spec(),
      outcomes: ['success', 'failure', 'failure', 'failure', 'success'],
      results: ['success', 'success', 'success', 'failure', 'success'],
    },
    {
      name: 'liveness fails only after failureThreshold failures in a row',
      kind: 'liveness',
      spec: spec(),
      outcomes: ['failure', 'failure', 'success', 'failure', 'failure', 'failure'],
      results: ['success', 'success', 'success', 'success', 'success', 'failure'],
    },
    {
      name: 'startup succeeds on the first success',
      kind: 'startup',
      spec: spec(),
      outcomes: ['failure', 'success'],
      results: ['unknown', 'success'],
    },
  ];
  it.each(cases)('$name', ({ kind, spec: s, outcomes, results }) => {
    expect(drive(kind, s, outcomes)).toEqual(results);
  });

  it('a liveness failure holds the worker until the container is replaced', () => {
    const s = spec({ failureThreshold: 1 });
    const failed = recordOutcome('liveness', s, initialProbeState('liveness', 'c1'), 'failure', T);
    expect(failed).toMatchObject({ result: 'failure', onHold: true });
    expect(probeDue('liveness', s, failed, running(), T + 60_000).due).toBe(false);
    const replaced = probeDue(
      'liveness',
      s,
      failed,
      running({ id: 'c2', startedAt: T + 30_000 }),
      T + 60_000,
    );
    expect(replaced.due).toBe(true);
    expect(replaced.state).toMatchObject({ containerId: 'c2', result: 'success', onHold: false });
  });
});

describe('probe scheduling', () => {
  it('waits initialDelaySeconds after the start, then runs every periodSeconds', () => {
    const s = spec({ initialDelaySeconds: 5, periodSeconds: 3 });
    const first = probeDue('readiness', s, undefined, running(), T + 1000);
    expect(first).toMatchObject({ due: false, nextAt: T + 5000 });
    const atDelay = probeDue('readiness', s, first.state, running(), T + 5000);
    expect(atDelay.due).toBe(true);
    const ran = recordOutcome('readiness', s, atDelay.state, 'success', T + 5000);
    expect(probeDue('readiness', s, ran, running(), T + 7000)).toMatchObject({
      due: false,
      nextAt: T + 8000,
    });
    expect(probeDue('readiness', s, ran, running(), T + 8000).due).toBe(true);
  });

  it('the startup probe gates readiness and liveness, and stops once the container started', () => {
    const notStarted = running({ started: false });
    expect(probeDue('readiness', spec(), undefined, notStarted, T).due).toBe(false);
    expect(probeDue('liveness', spec(), undefined, notStarted, T).due).toBe(false);
    expect(probeDue('startup', spec(), undefined, notStarted, T).due).toBe(true);
    expect(probeDue('startup', spec(), undefined, running(), T).due).toBe(false);
    expect(probeDue('readiness', spec(), undefined, running(), T).due).toBe(true);
  });

  it('nothing runs for a container that is not running', () => {
    expect(probeDue('liveness', spec(), undefined, running({ running: false }), T).due).toBe(false);
  });
});

describe('probeVerdict', () => {
  const ok = (kind: ProbeKind, result: ProbeState['result']): ProbeState => ({
    ...initialProbeState(kind, 'c1'),
    result,
  });
  const cases = [
    {
      name: 'no probes: started and ready while running',
      specs: {},
      states: {},
      verdict: { started: true, ready: true },
    },
    {
      name: 'readiness not yet succeeded',
      specs: { readiness: spec() },
      states: { readiness: ok('readiness', 'failure') },
      verdict: { started: true, ready: false },
    },
    {
      name: 'startup pending: neither started nor ready',
      specs: { startup: spec(), readiness: spec() },
      states: { readiness: ok('readiness', 'success') },
      verdict: { started: false, ready: false },
    },
    {
      name: 'startup failed: restart',
      specs: { startup: spec() },
      states: { startup: ok('startup', 'failure') },
      verdict: { started: false, ready: false, failed: 'startup' },
    },
    {
      name: 'liveness failed: restart',
      specs: { liveness: spec() },
      states: { liveness: ok('liveness', 'failure') },
      verdict: { started: true, ready: true, failed: 'liveness' },
    },
  ];
  it.each(cases)('$name', ({ specs, states, verdict }) => {
    expect(probeVerdict(specs, states, true)).toEqual(verdict);
  });
  it('a container that is not running is neither started nor ready', () => {
    expect(probeVerdict({}, {}, false)).toEqual({ started: false, ready: false });
  });
});

describe('resolveProbePort', () => {
  const ports = [{ name: 'http', containerPort: 8080 }];
  it.each([
    [80, 80],
    ['http', 8080],
    ['8081', 8081],
    ['metrics', undefined],
    [0, undefined],
  ] as const)('%s → %s', (port, want) => {
    expect(resolveProbePort(port, ports)).toBe(want);
  });
});

describe('httpGet and tcpSocket probes against real sockets', () => {
  let server: Server;
  let port = 0;
  const seen: {
    path: string;
    ua: string | undefined;
    accept: string | undefined;
    custom: string | undefined;
  }[] = [];
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      seen.push({
        path: req.url ?? '',
        ua: req.headers['user-agent'],
        accept: req.headers.accept,
        custom: req.headers['x-probe'] as string | undefined,
      });
      if (req.url === '/healthz') res.end('ok');
      else if (req.url === '/redirect') res.writeHead(302, { Location: '/healthz' }).end();
      else if (req.url === '/away') res.writeHead(301, { Location: 'http://example.invalid/' }).end();
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 2000);
      else res.writeHead(500).end('boom');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const target = (path: string) => ({ scheme: 'HTTP' as const, host: '127.0.0.1', port, path });

  it('200 is success, with upstream headers; the probe headers are sent', async () => {
    const r = await probeHttp({ ...target('/healthz'), headers: [{ name: 'X-Probe', value: 'yes' }] }, 1000);
    expect(r).toEqual({ result: 'success', message: 'ok' });
    expect(seen.at(-1)).toEqual({ path: '/healthz', ua: 'kube-probe/1.32', accept: '*/*', custom: 'yes' });
  });

  it('500 is failure', async () => {
    expect(await probeHttp(target('/broken'), 1000)).toEqual({
      result: 'failure',
      message: 'HTTP probe failed with statuscode: 500',
    });
  });

  it('a redirect on the same host is followed; one to another host counts as success', async () => {
    expect((await probeHttp(target('/redirect'), 1000)).result).toBe('success');
    expect(seen.at(-1)?.path).toBe('/healthz');
    expect(await probeHttp(target('/away'), 1000)).toMatchObject({ result: 'success' });
  });

  it('no answer within the timeout is failure', async () => {
    const started = Date.now();
    const r = await probeHttp(target('/slow'), 200);
    expect(r.result).toBe('failure');
    expect(r.message).toMatch(/deadline exceeded/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('tcpSocket: an open port is success, a closed one failure', async () => {
    expect(await probeTcp('127.0.0.1', port, 1000)).toEqual({ result: 'success', message: '' });
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await probeTcp('127.0.0.1', closedPort, 1000)).toEqual({
      result: 'failure',
      message: `dial tcp 127.0.0.1:${closedPort}: ECONNREFUSED`,
    });
    expect((await probeHttp({ ...target('/'), port: closedPort }, 1000)).result).toBe('failure');
  });
});
