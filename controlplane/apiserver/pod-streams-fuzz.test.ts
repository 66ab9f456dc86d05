/**
 * Upgraded connections must not hurt the API server: seeded random bytes — valid frames, mutated
 * frames, garbage, oversize messages — after a real WebSocket upgrade to pods/exec (relayed to a
 * loopback test kubelet running `cat`), and random upgrade request heads (bad keys, versions,
 * subprotocols, SPDY, upgrades of ordinary paths with bodies). Afterwards the server still
 * answers, no request failed as a bug (`switchyard_apiserver_request_panics_total` stays 0),
 * an ordinary request with upgrade headers is answered normally and closes its connection, and
 * an upgrade pipelined behind an ordinary request waits for that answer.
 */
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { CloseCode, encodeFrame, Opcode } from '../../lib/streaming/index.js';
import { pkiFiles } from './pki.js';
import { useTestServer } from './testing/harness.js';
import { startTestKubelet, type TestKubelet } from './testing/test-kubelet.js';

let kubelet: TestKubelet;

const h = useTestServer({
  setup: async (s) => {
    const pki = pkiFiles(join(s.t.dir, 'data'));
    kubelet = await startTestKubelet({ cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert });
    const status = {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
    };
    await s.api('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status });
    await s.api('PATCH', '/api/v1/nodes/n/status', { status }, 'application/merge-patch+json');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { nodeName: 'n', containers: [{ name: 'c', image: 'x' }] },
    };
    expect((await s.api('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
  },
});

afterAll(async () => {
  await kubelet?.close();
});

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends `head` then `rest` on a fresh TLS connection; resolves with what came back once it closes (or after 3 s). */
function exchange(head: string, rest: Buffer[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const port = h.t.server.port;
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got));
    });
    socket.on('secureConnect', async () => {
      socket.write(head);
      for (const r of rest) {
        await new Promise((res) => setTimeout(res, 1));
        if (!socket.writable) break;
        socket.write(r);
      }
      setTimeout(() => socket.end(), 50);
    });
  });
}

const upgradeHead = (token: string, path: string, extra: string[] = []): string =>
  [
    `GET ${path} HTTP/1.1`,
    'Host: x',
    `Authorization: Bearer ${token}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol: v5.channel.k8s.io',
    ...extra,
    '',
    '',
  ].join('\r\n');

describe('upgraded connections under random input', () => {
  it('survives random frames after a real exec upgrade and random upgrade heads', async () => {
    const token = h.t.server.adminToken;
    const exec = '/api/v1/namespaces/default/pods/p/exec?command=cat&stdin=true&stdout=true&stderr=true';
    // A fixed seed keeps the suite repeatable; SWITCHYARD_FUZZ_SEED=N explores another.
    const seed = Number(process.env.SWITCHYARD_FUZZ_SEED ?? 20261205);
    const r = rng(Number.isInteger(seed) ? seed : 20261205);
    const statuses = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const frames: Buffer[] = [];
      for (let j = Math.floor(r() * 8); j > 0; j--) {
        const len = r() < 0.1 ? 2_000_000 : Math.floor(r() * 300);
        const payload = Buffer.from(Array.from({ length: Math.min(len, 400) }, () => Math.floor(r() * 256)));
        const body = len > 400 ? Buffer.concat([payload, Buffer.alloc(len - 400)]) : payload;
        const opcode = [Opcode.binary, Opcode.text, Opcode.ping, Opcode.continuation, Opcode.close, 3][
          Math.floor(r() * 6)
        ] as number;
        let f = encodeFrame(opcode, opcode >= 8 ? body.subarray(0, 125) : body, {
          mask: r() < 0.9,
          fin: r() < 0.8,
        });
        if (r() < 0.3) {
          f = Buffer.from(f);
          f[Math.floor(r() * f.length)] = Math.floor(r() * 256);
        }
        if (r() < 0.2) f = f.subarray(0, Math.floor(r() * f.length));
        frames.push(f);
      }
      const out = await exchange(upgradeHead(token, exec), frames);
      const line = out.subarray(0, 12).toString('latin1');
      statuses.set(line, (statuses.get(line) ?? 0) + 1);
      expect(line).toBe('HTTP/1.1 101');
    }
    const heads = [
      upgradeHead(token, exec, ['Sec-WebSocket-Version: 8']),
      upgradeHead(token, exec).replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'),
      upgradeHead(token, exec).replace('v5.channel.k8s.io', 'v4.channel.k8s.io'),
      upgradeHead(token, exec).replace('Upgrade: websocket', 'Upgrade: SPDY/3.1'),
      upgradeHead(token, exec).replace('GET', 'POST'),
      upgradeHead('nope', exec),
      upgradeHead(token, '/api/v1/namespaces/default/pods/p/exec'),
      upgradeHead(token, '/api/v1/namespaces/default/pods/missing/exec?stdout=1'),
      upgradeHead(token, '/api/v1/namespaces/default/pods/p/portforward'),
      upgradeHead(token, '/api/v1/namespaces/default/configmaps', ['Content-Length: 5']).replace(
        'GET',
        'POST',
      ),
      upgradeHead(token, '/%zz'),
    ];
    for (const head of heads) {
      const out = (await exchange(head, [Buffer.from('hello')])).toString('latin1');
      const code = Number(out.slice(9, 12));
      expect(code, `${head.split('\r\n')[0]} → ${out.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(code).toBeLessThan(500);
      expect(out).toContain('"kind":"Status"');
    }
    // An ordinary request with upgrade headers: answered as ever, then the connection closes.
    const list = (await exchange(upgradeHead(token, '/api/v1/namespaces/default/pods'), [])).toString(
      'latin1',
    );
    expect(list.slice(0, 12)).toBe('HTTP/1.1 200');
    expect(list).toContain('"kind":"PodList"');
    // An upgrade pipelined behind an ordinary request waits for its answer, then upgrades.
    const ordinary = `GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    const both = (await exchange(ordinary + upgradeHead(token, exec), [])).toString('latin1');
    expect(both.slice(0, 12)).toBe('HTTP/1.1 200');
    expect(both).toContain('HTTP/1.1 101 Switching Protocols');
    // Still serving, and nothing failed as a bug.
    const metrics = await h.api('GET', '/metrics');
    expect(metrics.text).toMatch(/switchyard_apiserver_request_panics_total 0/);
    expect((await h.k('get', 'pods')).stdout).toContain('p ');
    expect(CloseCode.tooBig).toBe(1009);
  });
});
