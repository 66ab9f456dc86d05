/**
 * API servers as child processes, for tests that need the server's own process (kill -9, its
 * RSS, its file descriptors) or the CLI entry: bundle a small TypeScript entry with esbuild into
 * node_modules/.cache (so the child resolves better-sqlite3 and yaml from the repository), and
 * wait for the child's "listening" log line.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const apiserverDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The `switchyard apiserver` entry: the data dir from argv[2], a free loopback port, logs on
 * stderr; `hook` (statements) runs before the server starts.
 */
export function apiServerEntry(hook = ''): string {
  return (
    "import { runApiServer } from './main.ts';\n" +
    hook +
    "process.exitCode = await runApiServer({ dataDir: process.argv[2], listen: '127.0.0.1:0' }, process.stderr);\n"
  );
}

/** Where `bundleEntry(name, …)` writes its bundle (one per test process). */
export function bundlePath(name: string): string {
  return join(
    apiserverDir,
    '..',
    '..',
    'node_modules',
    '.cache',
    'switchyard-apiserver-test',
    `${name}-${process.pid}.mjs`,
  );
}

/** Bundles `source` (TypeScript, imports resolved from the apiserver folder) and returns the bundle's path. */
export async function bundleEntry(name: string, source: string): Promise<string> {
  const outfile = bundlePath(name);
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    stdin: { contents: source, resolveDir: apiserverDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** A child API server's coordinates, from its log line and data dir. */
export interface ChildServer {
  readonly url: string;
  readonly port: number;
  readonly caCertPath: string;
  readonly adminToken: string;
  readonly kubeconfig: string;
}

/**
 * Resolves when `child` (started on `dataDir`) logs "listening"; rejects when it exits first or
 * after `timeoutMs`. `onStderr` sees every chunk of its stderr, before and after.
 */
export function whenListening(
  child: ChildProcess,
  dataDir: string,
  timeoutMs: number,
  onStderr: (chunk: string) => void = () => {},
): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    let err = '';
    let listening = false;
    const timer = setTimeout(() => reject(new Error(`apiserver did not start: ${err}`)), timeoutMs);
    child.stderr?.on('data', (c: Buffer) => {
      const text = c.toString();
      onStderr(text);
      if (listening) return;
      err += text;
      const line = err.split('\n').find((l) => l.includes('"listening"'));
      if (!line) return;
      listening = true;
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      const token = readFileSync(join(dataDir, 'tokens.csv'), 'utf8').split(',')[0] as string;
      resolve({
        url,
        port: Number(new URL(url).port),
        caCertPath: join(dataDir, 'pki', 'ca.crt'),
        adminToken: token,
        kubeconfig: join(dataDir, 'admin.kubeconfig'),
      });
    });
    child.on('exit', (code) => reject(new Error(`apiserver exited with ${code}: ${err}`)));
  });
}
