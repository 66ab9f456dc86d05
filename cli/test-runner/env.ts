/**
 * The environment variables that tie `switchyard test`, the global guard and the kernel-test
 * helpers together, read in one place so the runner and the tests agree on what they mean.
 */

/** The run id the runner picks; every `sy-` name a test makes carries it. */
export const RUN_ID_ENV = 'SY_RUN_ID';

/** Where the global guard writes its findings; set by the runner, read by it after vitest exits. */
export const GUARD_REPORT_ENV = 'SY_GUARD_REPORT';

/** Set to 1 by hand on a machine without root or iproute2 to skip kernel tests; never in CI. */
export const SKIP_KERNEL_ENV = 'SWITCHYARD_SKIP_KERNEL';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether this is a CI run. CI services set `CI=true`; like most tools we read any non-empty
 * value other than `false` and `0` as set.
 */
export function isCi(env: Env): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** Whether the user asked to skip kernel tests. */
export function skipKernelRequested(env: Env): boolean {
  const value = env[SKIP_KERNEL_ENV];
  return value !== undefined && value !== '' && value !== '0';
}

/** Why this environment must not run the suite, or undefined when it may. */
export function refusalReason(env: Env): string | undefined {
  if (skipKernelRequested(env) && isCi(env)) {
    return `${SKIP_KERNEL_ENV}=${env[SKIP_KERNEL_ENV]} is refused when CI is set (CI=${env.CI}): CI must run the kernel tests`;
  }
  return undefined;
}
