/**
 * `switchyard test`: type-check, lint and format check, then every test (unit, fake-based and
 * real-kernel), ending with one plain `N passed, N failed` line.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, CommandContext } from '../command.js';

function step(ctx: CommandContext, title: string, cmd: string, args: readonly string[]): Promise<number> {
  ctx.stderr.write(`\n== ${title}\n`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ctx.root, stdio: 'inherit' });
    child.on('error', (err) => {
      ctx.stderr.write(`${title}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

interface VitestJson {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numTodoTests: number;
}

export const testCommand: Command = {
  name: 'test',
  summary: 'type-check, lint and run every test (CI runs exactly this)',
  usage: `usage: switchyard test [VITEST_ARGS…]

Runs tsc --noEmit, biome check and vitest. Arguments are passed to vitest, e.g.
  switchyard test lib/nft        only the tests under lib/nft
Kernel tests need root; they fail (never skip) when they cannot run.`,
  async run(args, ctx) {
    const bin = (name: string): string => join(ctx.root, 'node_modules', '.bin', name);
    const typecheck = await step(ctx, 'type-check (tsc)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
    const lint = await step(ctx, 'lint and format (biome)', bin('biome'), ['check', '.']);
    mkdirSync(join(ctx.root, '.switchyard'), { recursive: true });
    const results = join(ctx.root, '.switchyard', 'test-results.json');
    const tests = await step(ctx, 'tests (vitest)', bin('vitest'), [
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${results}`,
      ...args,
    ]);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    try {
      const json = JSON.parse(readFileSync(results, 'utf8')) as VitestJson;
      passed = json.numPassedTests;
      failed = json.numFailedTests;
      skipped = json.numPendingTests + json.numTodoTests;
    } catch {
      failed = Math.max(failed, 1);
    }
    // Failures outside a test (type errors, lint, the global guard) count as one failure each.
    failed += Number(typecheck !== 0) + Number(lint !== 0) + Number(tests !== 0 && failed === 0);
    ctx.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    return failed === 0 ? 0 : 1;
  },
};
