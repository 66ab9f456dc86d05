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
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/harness/cluster/apiserver.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
let bundle: string;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-apiserver-crash-'));
  // Bundled into node_modules/.cache so the child resolves better-sqlite3 and yaml from the repo.
  const out = join(root, 'node_modules', '.cache', 'switchyard-apiserver-test');
  mkdirSync(out, { recursive: true });
  bundle = join(out, `server-${process.pid}.mjs`);
  await build({
    stdin: {
      contents:
        "import { runApiServer } from './main.ts';\n" +
        "process.exitCode = await runApiServer({ dataDir: process.argv[2], listen: '127.0.0.1:0' }, process.stderr);\n",
      resolveDir: here,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: bundle,
    logLevel: 'error',
  });
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundle, { force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly server: { url: string; caCertPath: string; adminToken: string };
}

function startChild(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, [bundle, dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`apiserver did not start: ${err}`)), 20_000);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const line = err.split('\n').find((l) => l.includes('"listening"'));
      if (!line) return;
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      const token = readFileSync(join(dataDir, 'tokens.csv'), 'utf8').split(',')[0] as string;
      resolve({ child, server: { url, caCertPath: join(dataDir, 'pki', 'ca.crt'), adminToken: token } });
    });
    child.on('exit', (code) => reject(new Error(`apiserver exited with ${code}: ${err}`)));
  });
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
