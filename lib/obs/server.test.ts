import { connect } from 'node:net';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  createRegistry,
  formatListenAddr,
  HealthChecks,
  type ObsServer,
  parseListenAddr,
  startObsServer,
} from './index.js';

describe('parseListenAddr', () => {
  it('accepts IPv4, bracketed IPv6 and host names', () => {
    expect(parseListenAddr('127.0.0.1:9090')).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(parseListenAddr('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddr('localhost:8080')).toEqual({ host: 'localhost', port: 8080 });
    expect(formatListenAddr({ host: '::1', port: 5 })).toBe('[::1]:5');
  });
  it('names the flag and the problem', () => {
    expect(() => parseListenAddr('127.0.0.1')).toThrow(
      '--metrics-addr: invalid address "127.0.0.1": want HOST:PORT, with IPv6 hosts in brackets ([::1]:9090)',
    );
    expect(() => parseListenAddr('127.0.0.1:70000')).toThrow('port must be 0–65535');
    expect(() => parseListenAddr('::1:80')).toThrow(/want HOST:PORT/);
    expect(() => parseListenAddr('[10.0.0.1]:80')).toThrow(/not an IPv6 address/);
    expect(() => parseListenAddr('bad_host:80')).toThrow(/not an IP address or host name/);
  });
});

describe('obs server on a real socket', () => {
  let server: ObsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics, /healthz and /readyz', async () => {
    const metrics = createRegistry({ component: 'proxy' });
    new Counter({
      name: metrics.name('syncs', 'total'),
      help: 'Syncs run.',
      registers: [metrics.registry],
    }).inc();
    let ready = false;
    const readiness = new HealthChecks().add('informers-synced', () => ready).add('nft', () => undefined);
    const lines: string[] = [];
    server = await startObsServer({
      addr: parseListenAddr('127.0.0.1:0'),
      metrics,
      readiness,
      logger: createLogger({ stream: { write: (l: string) => lines.push(l) } }),
    });
    expect(server.addr.port).toBeGreaterThan(0);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      msg: 'obs server listening',
      addr: formatListenAddr(server.addr),
    });

    const m = await fetch(`${server.url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(await m.text()).toContain(
      '# HELP switchyard_proxy_syncs_total Syncs run.\n# TYPE switchyard_proxy_syncs_total counter\nswitchyard_proxy_syncs_total 1',
    );

    const h = await fetch(`${server.url}/healthz`);
    expect([h.status, await h.text()]).toEqual([200, 'healthz check passed\n']);
    const l = await fetch(`${server.url}/livez`);
    expect([l.status, await l.text()]).toEqual([200, 'livez check passed\n']);

    const r1 = await fetch(`${server.url}/readyz`);
    expect([r1.status, await r1.text()]).toEqual([
      503,
      '[-]informers-synced failed: not ready\n[+]nft ok\nreadyz check failed\n',
    ]);
    ready = true;
    const r2 = await fetch(`${server.url}/readyz?verbose`);
    expect([r2.status, await r2.text()]).toEqual([
      200,
      '[+]informers-synced ok\n[+]nft ok\nreadyz check passed\n',
    ]);

    server.liveness.add('loop', () => {
      throw new Error('event loop stalled');
    });
    const h2 = await fetch(`${server.url}/healthz`);
    expect([h2.status, await h2.text()]).toEqual([
      503,
      '[-]loop failed: event loop stalled\nhealthz check failed\n',
    ]);
    const l2 = await fetch(`${server.url}/livez`);
    expect([l2.status, await l2.text()]).toEqual([
      503,
      '[-]loop failed: event loop stalled\nlivez check failed\n',
    ]);

    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(server.liveness.remove('loop')).toBe(true);
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('bounds a hanging check by the check timeout', async () => {
    const readiness = new HealthChecks().add('hang', () => new Promise<boolean>(() => undefined));
    server = await startObsServer({
      addr: { host: '127.0.0.1', port: 0 },
      metrics: createRegistry({ component: 'dns' }),
      readiness,
      checkTimeoutMs: 50,
    });
    const started = Date.now();
    const r = await fetch(`${server.url}/readyz`);
    expect([r.status, await r.text()]).toEqual([
      503,
      '[-]hang failed: timed out after 50 ms\nreadyz check failed\n',
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('drops a client that never finishes its request headers', async () => {
    server = await startObsServer({
      addr: { host: '127.0.0.1', port: 0 },
      metrics: createRegistry({ component: 'dns' }),
      requestTimeoutMs: 200,
    });
    const { port } = server.addr;
    const started = Date.now();
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'));
      let data = '';
      sock.on('data', (d) => {
        data += d.toString();
      });
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
      setTimeout(() => {
        sock.destroy();
        reject(new Error('server kept a half-sent request open'));
      }, 5000);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('rejects bad options naming the field', async () => {
    await expect(
      startObsServer({
        addr: { host: '127.0.0.1', port: 0 },
        metrics: createRegistry({ component: 'dns' }),
        checkTimeoutMs: 0,
      }),
    ).rejects.toThrow('checkTimeoutMs: must be a positive integer, got 0');
  });
});
