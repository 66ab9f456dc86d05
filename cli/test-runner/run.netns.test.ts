/**
 * The runner and the global guard end to end: small throwaway vitest projects, each with its own
 * config and the real guard in globalSetup, run through `runSuite` (what `switchyard test` runs).
 * The guard of these projects watches a namespace of the test's own in place of the root
 * namespace, so the "root route" case changes nothing of the machine's. Inner run ids extend
 * this run's id, so the outer guard would still catch anything the inner one missed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { describeKernel, uniqueName } from '../../test/harness/kernel.js';
import { runSuite } from './run.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const guardModule = join(repo, 'test', 'harness', 'global-guard.ts');

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function netnsList(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i += 1) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface Project {
  readonly dir: string;
  /** The namespace the project's guard watches in place of the root namespace. */
  readonly rootNetns: string;
  /** The id the runner gives the project's run. */
  readonly runId: string;
}

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/**
 * A vitest project in a temporary directory: `package.json`, a config running the global guard
 * (unless `config` replaces it) and the given test files.
 */
function project(files: Record<string, string>, config?: string): Project {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-runner-'));
  const rootNetns = uniqueName('root');
  const runId = uniqueName('r').slice('sy-'.length);
  execFileSync('ip', ['netns', 'add', rootNetns]);
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const ns of netnsList().filter((n) => n === rootNetns || n.startsWith(`sy-${runId}`))) {
      execFileSync('ip', ['netns', 'delete', ns]);
    }
  });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(dir, 'guard.ts'),
    `import { guardSetup } from ${JSON.stringify(guardModule)};\nexport default guardSetup({ rootNetns: ${JSON.stringify(rootNetns)} });\n`,
  );
  writeFileSync(
    join(dir, 'vitest.config.ts'),
    config ??
      `import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: { include: ['**/*.test.ts'], exclude: ['node_modules/**'], pool: 'forks', globalSetup: ['./guard.ts'] },
});
`,
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, rootNetns, runId };
}

/** The environment of the outer test minus what the outer vitest and runner set. */
function innerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VITEST') || key.startsWith('SY_') || key === 'CI' || key === 'SWITCHYARD_SKIP_KERNEL')
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

async function run(p: Project, env = innerEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = collector();
  const err = collector();
  const code = await runSuite({
    root: p.dir,
    checks: [],
    vitest: join(repo, 'node_modules', '.bin', 'vitest'),
    vitestArgs: [],
    env,
    runId: p.runId,
    stdout: out.stream,
    stderr: err.stream,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describeKernel('switchyard test runner and global guard', () => {
  it('fails a run that leaves a namespace and a process, names both, and removes them', async () => {
    const p = project({
      'ok.test.ts': `import { it } from 'vitest';\nit('passes', () => {});\n`,
      'leak.test.ts': `import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
it('passes but leaves state behind', () => {
  const id = process.env.SY_RUN_ID;
  execFileSync('ip', ['netns', 'add', \`sy-\${id}-leak\`]);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', \`sy-\${id}-sleeper\`], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  writeFileSync(new URL('./sleeper.pid', import.meta.url), String(child.pid));
});
`,
    });
    const result = await run(p);
    const pid = Number(readFileSync(join(p.dir, 'sleeper.pid'), 'utf8'));
    cleanups.push(() => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toBe('2 passed, 2 failed');
    expect(result.stdout).toContain(
      `  guard: network namespace sy-${p.runId}-leak was left (the guard removed it)\n`,
    );
    expect(result.stdout).toMatch(
      new RegExp(
        `  guard: process ${pid} was left running \\(the guard killed it\\): .*sy-${p.runId}-sleeper\n`,
      ),
    );
    expect(netnsList().filter((n) => n.startsWith(`sy-${p.runId}`))).toEqual([]);
    expect(await waitGone(pid)).toBe(true);
  });

  it('fails a run that adds a route to the (stand-in) root namespace and names the route', async () => {
    const p = project({
      'ok.test.ts': `import { it } from 'vitest';\nit('passes', () => {});\n`,
    });
    writeFileSync(
      join(p.dir, 'route.test.ts'),
      `import { execFileSync } from 'node:child_process';
import { it } from 'vitest';
it('adds a route to the root namespace', () => {
  execFileSync('ip', ['-n', ${JSON.stringify(p.rootNetns)}, 'route', 'add', 'blackhole', '198.51.100.0/24']);
});
`,
    );
    const result = await run(p);
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toBe('2 passed, 1 failed');
    expect(result.stdout).toContain(
      `  guard: network namespace ${p.rootNetns} (standing in for the root namespace) routes: added blackhole 198.51.100.0/24\n`,
    );
    // The stand-in root namespace is the test's own; removing it leaves nothing behind.
    cleanups
      .splice(0)
      .reverse()
      .forEach((cleanup) => {
        cleanup();
      });
    expect(netnsList().filter((n) => n === p.rootNetns || n.startsWith(`sy-${p.runId}`))).toEqual([]);
    expect(existsSync(p.dir)).toBe(false);
  });

  it('passes a clean run and names and counts every skipped and todo test', async () => {
    const p = project({
      'skip.test.ts': `import { describe, it } from 'vitest';
it('passes', () => {});
describe('group', () => {
  it.skip('is skipped', () => {});
  it.todo('is still to do');
});
`,
    });
    const result = await run(p);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').slice(-4)).toEqual([
      'skipped (2):',
      '  skip.test.ts › group › is skipped',
      '  skip.test.ts › group › is still to do',
      '1 passed, 0 failed, 2 skipped',
    ]);
    // The run's results stay readable, and its own working files are gone.
    const results = JSON.parse(readFileSync(join(p.dir, '.switchyard', 'test-results.json'), 'utf8'));
    expect(results.numPassedTests).toBe(1);
    expect(execFileSync('ls', ['-A', join(p.dir, '.switchyard')], { encoding: 'utf8' })).toBe(
      'test-results.json\n',
    );
  });

  it("never reports an earlier run's results as this run's", async () => {
    const p = project(
      { 'ok.test.ts': `import { it } from 'vitest';\nit('passes', () => {});\n` },
      `throw new Error('this config is broken on purpose');\n`,
    );
    const stale = join(p.dir, '.switchyard', 'test-results.json');
    mkdirSync(dirname(stale));
    writeFileSync(
      stale,
      JSON.stringify({
        numPassedTests: 999,
        numFailedTests: 0,
        startTime: Date.now() + 3_600_000,
        testResults: [],
      }),
    );
    const result = await run(p);
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toBe('0 passed, 2 failed');
    expect(result.stdout).toMatch(
      /\n {2}vitest: no results \(vitest wrote no .*results\.json; exited with status 1\)\n/,
    );
    expect(result.stdout).toContain('\n  guard: no report');
    expect(result.stdout).not.toContain('999');
    expect(existsSync(stale)).toBe(false);
  });

  it('fails a run whose vitest config does not run the guard', async () => {
    const p = project(
      { 'ok.test.ts': `import { it } from 'vitest';\nit('passes', () => {});\n` },
      `export default { test: { include: ['**/*.test.ts'], exclude: ['node_modules/**'] } };\n`,
    );
    const result = await run(p);
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toBe('1 passed, 1 failed');
    expect(result.stdout).toContain('\n  guard: no report, so nothing proves this run left no namespace');
  });

  it('fails a plain `vitest run` (without the runner) that leaves a namespace, and names it', async () => {
    const p = project({
      'leak.test.ts': `import { execFileSync } from 'node:child_process';
import { it } from 'vitest';
it('leaves a namespace', () => {
  execFileSync('ip', ['netns', 'add', \`sy-\${process.env.SY_RUN_ID}-leak\`]);
});
`,
    });
    const child = spawnSync(join(repo, 'node_modules', '.bin', 'vitest'), ['run'], {
      cwd: p.dir,
      env: { ...innerEnv(), SY_RUN_ID: p.runId },
      encoding: 'utf8',
    });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain(
      `guard: the suite left state behind:\n  network namespace sy-${p.runId}-leak was left (the guard removed it)\n`,
    );
    expect(netnsList().filter((n) => n.startsWith(`sy-${p.runId}`))).toEqual([]);
  });

  it('refuses SWITCHYARD_SKIP_KERNEL when CI is set, before running anything', async () => {
    const p = project({
      'ok.test.ts': `import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
it('passes', () => writeFileSync(new URL('./ran', import.meta.url), ''));
`,
    });
    const result = await run(p, innerEnv({ CI: 'true', SWITCHYARD_SKIP_KERNEL: '1' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'failed (1):',
        '  refused: SWITCHYARD_SKIP_KERNEL=1 is refused when CI is set (CI=true): CI must run the kernel tests',
        '0 passed, 1 failed',
        '',
      ].join('\n'),
    );
    expect(result.stderr).toBe('');
    expect(existsSync(join(p.dir, 'ran'))).toBe(false);
  });
});
