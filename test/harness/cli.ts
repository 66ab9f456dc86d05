/**
 * Runs the real `switchyard` CLI in tests: bundles cli/main.ts once (as scripts/build.mjs does,
 * native packages external) and spawns it with a given environment, collecting its output.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What a finished CLI run left behind. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Bundles the CLI into `outdir` (which must sit inside node_modules so the bundle resolves its
 * external packages from the repository) and resolves with the bundle's path.
 */
export async function buildCli(outdir: string): Promise<string> {
  const bundle = join(outdir, 'switchyard.mjs');
  await build({
    entryPoints: [join(repoRoot, 'cli', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return bundle;
}

/** Runs a command to completion with stdin closed (or fed `input`), collecting its output. */
export function runCommand(
  argv: readonly string[],
  options: { readonly env: NodeJS.ProcessEnv; readonly input?: string },
): Promise<CliResult> {
  const [cmd, ...args] = argv;
  return new Promise((done, fail) => {
    const child = spawn(cmd ?? 'true', args, {
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
