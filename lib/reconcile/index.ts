export { type Clock, FakeClock, flushMicrotasks, realClock, type TimerHandle } from './clock.js';
export { CoalescingRunner, type CoalescingRunnerOptions } from './coalescing-runner.js';
export {
  Controller,
  type ControllerOptions,
  describeResult,
  type ReconcileOutcome,
  type ReconcileResult,
} from './controller.js';
export {
  type ExponentialRateLimiterOptions,
  exponentialRateLimiter,
  type RateLimiter,
} from './rate-limiter.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
