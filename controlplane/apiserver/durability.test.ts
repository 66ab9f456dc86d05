/**
 * Process-crash safety: the server runs as a child process on the embedded store; 16 writers
 * create objects as fast as they can; the child is killed with SIGKILL mid-storm and restarted
 * on the same data dir. Every write that was acknowledged (201) must be there.
 *
 * This covers a crash of the process only: the kernel's page cache outlives it, so the test
 * passes even with the store's fsync switched off. Power loss is tested at the store, below
 * the file system (`controlplane/store/sqlite-power-loss.test.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/harness/cluster/apiserver.js';
import { apiServerEntry, bundleEntry, type ChildServer, whenListening } from './testing/child-server.js';

let bundle: string;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-apiserver-crash-'));
  bundle = await bundleEntry('server', apiServerEntry());
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundle, { force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly server: ChildServer;
}

async function startChild(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, [bundle, dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  return { child, server: await whenListening(child, dataDir, 20_000) };
}

describe('durability of acknowledged writes', () => {
  it('keeps every acknowledged write across kill -9 during a 16-writer storm', async () => {
    const dataDir = join(dir, 'data');
    const first = await startChild(dataDir);
    const acked: string[] = [];
    let stop = false;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          const r = await call(first.server, 'POST', '/api/v1/namespaces/default/configmaps', {
            body: { metadata: { name }, data: { i: String(i) } },
          });
          if (r.status === 201) acked.push(name);
        } catch {
          return; // the server is gone
        }
      }
    };
    const started = Date.now();
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 1500));
    const atKill = acked.length;
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    const seconds = (Date.now() - started) / 1000;
    expect(atKill).toBeGreaterThan(100);

    const second = await startChild(dataDir);
    try {
      const list = await call(second.server, 'GET', '/api/v1/namespaces/default/configmaps');
      const present = new Set(
        (list.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name),
      );
      const lost = acked.filter((n) => !present.has(n));
      expect(lost).toEqual([]);
      console.log(
        `crash test: ${acked.length} acknowledged writes in ${seconds.toFixed(1)}s (${Math.round(acked.length / seconds)}/s over HTTPS), ${present.size} present after restart, 0 lost`,
      );
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});
