/**
 * `switchyard test`: type-check, lint and format check, then every test (unit, fake-based and
 * real-kernel), ending with one plain `N passed, N failed` line (cli/test-runner).
 */
import { join } from 'node:path';
import type { Command } from '../command.js';
import { runSuite } from '../test-runner/index.js';

export const testCommand: Command = {
  name: 'test',
  summary: 'type-check, lint and run every test (CI runs exactly this)',
  usage: `usage: switchyard test [VITEST_ARGS…]

Runs tsc --noEmit, biome check and vitest. Arguments are passed to vitest, e.g.
  switchyard test lib/nft        only the tests under lib/nft
Kernel tests need root; they fail (never skip) when they cannot run. SWITCHYARD_SKIP_KERNEL=1
skips them on a machine without root; it is refused when CI is set. Every skipped test is
named and counted. A namespace, process or root-namespace change left by the run counts as a
failure. The last run's vitest results stay in .switchyard/test-results.json.`,
  run(args, ctx) {
    const bin = (name: string): string => join(ctx.root, 'node_modules', '.bin', name);
    return runSuite({
      root: ctx.root,
      checks: [
        { title: 'type-check (tsc)', command: bin('tsc'), args: ['-p', 'tsconfig.json', '--noEmit'] },
        { title: 'lint and format (biome)', command: bin('biome'), args: ['check', '.'] },
      ],
      vitest: bin('vitest'),
      vitestArgs: args,
      env: process.env,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
    });
  },
};
