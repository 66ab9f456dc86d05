/**
 * Starts a throwaway etcd (Debian's etcd-server) for tests: its own data dir, loopback-only
 * client and peer URLs on free ports, stopped and removed by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEtcdStore } from '../../../controlplane/store/index.js';

/** A running etcd. */
export interface TestEtcd {
  readonly endpoint: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts etcd and waits until it answers. Tests skip fsync (`--unsafe-no-fsync`); benchmarks keep it. */
export async function startTestEtcd(options: { readonly fsync?: boolean } = {}): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-etcd-'));
  const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const child: ChildProcess = spawn(
    'etcd',
    [
      '--name',
      'sy',
      '--data-dir',
      join(dir, 'data'),
      '--listen-client-urls',
      endpoint,
      '--advertise-client-urls',
      endpoint,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `sy=http://127.0.0.1:${peer}`,
      '--listen-metrics-urls',
      `http://127.0.0.1:${metrics}`,
      ...(options.fsync ? [] : ['--unsafe-no-fsync']),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const probe = openEtcdStore({ endpoints: [endpoint] });
  const deadline = Date.now() + 20_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited: ${log}`);
      try {
        await probe.revision();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`etcd did not become ready: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await probe.close();
    await stop();
    throw err;
  }
  await probe.close();
  return { endpoint, stop };
}
