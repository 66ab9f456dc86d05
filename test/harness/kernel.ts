/**
 * Helpers for tests that need the real kernel: a per-run id so parallel runs never collide,
 * unique `sy-` names, and a loud failure when the machine cannot run them (CI must never skip
 * kernel tests silently).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { isCi, RUN_ID_ENV, SKIP_KERNEL_ENV, skipKernelRequested } from '../../cli/test-runner/env.js';

/** The id of this test run; the global guard sets it so every test process shares it. */
export function runId(): string {
  let id = process.env[RUN_ID_ENV];
  if (!id) {
    id = randomBytes(3).toString('hex');
    process.env[RUN_ID_ENV] = id;
  }
  return id;
}

let counter = 0;

/**
 * A namespace name unique to this run and process: `sy-<run>-<tag><n>`. Keep tags short;
 * names also seed interface names, which the kernel limits to 15 bytes.
 */
export function uniqueName(tag: string): string {
  counter += 1;
  return `sy-${runId()}-${tag}${process.pid.toString(36)}${counter}`;
}

/** Why kernel tests cannot run here, or undefined when they can. */
export function kernelUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'kernel tests need root (uid 0)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'kernel tests need iproute2 (`ip netns`)';
  }
  return undefined;
}

/**
 * `describe` for tests that need root and the kernel. When they cannot run it still
 * registers a failing test naming the reason, unless SWITCHYARD_SKIP_KERNEL=1 is set by hand
 * outside CI (the runner refuses it in CI and names every skipped test), so a machine without
 * the kernel features fails loudly.
 */
export function describeKernel(name: string, fn: () => void): void {
  const reason = kernelUnavailableReason();
  if (reason === undefined) {
    describe(name, fn);
    return;
  }
  if (skipKernelRequested(process.env) && !isCi(process.env)) {
    describe.skip(name, fn);
    return;
  }
  const refused = skipKernelRequested(process.env) ? ` (${SKIP_KERNEL_ENV} is ignored when CI is set)` : '';
  describe(name, () => {
    it('can run on this machine', () => {
      throw new Error(`${name}: ${reason}${refused}`);
    });
  });
}
