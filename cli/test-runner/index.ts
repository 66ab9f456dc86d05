/**
 * The test runner (`switchyard test`, `npm test`): checks, vitest, and one verdict over them and
 * the global guard's findings. The guard (../global-guard.ts) and the kernel-test helpers
 * (../kernel.ts) share its environment variables (env.ts) and report file (guard-report.ts).
 */
export {
  GUARD_REPORT_ENV,
  isCi,
  RUN_ID_ENV,
  refusalReason,
  SKIP_KERNEL_ENV,
  skipKernelRequested,
} from './env.js';
export { type GuardOutcome, type GuardReport, readGuardReport, writeGuardReport } from './guard-report.js';
export { runSuite, type SuiteOptions, type SuiteStep } from './run.js';
export {
  type CheckOutcome,
  closingLine,
  formatSummary,
  parseVitestReport,
  type Summary,
  summarize,
  type TestCase,
  type VitestOutcome,
  type VitestReport,
} from './summary.js';
