import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { CoalescingRunner } from './coalescing-runner.js';

function setup(opts: { burst?: number; fail?: (n: number) => boolean } = {}) {
  const clock = new FakeClock(1_000_000);
  const runs: number[] = [];
  const runner = new CoalescingRunner({
    name: 't',
    clock,
    minIntervalMs: 100,
    maxIntervalMs: 1000,
    retryIntervalMs: 30,
    ...(opts.burst === undefined ? {} : { burst: opts.burst }),
    fn: async () => {
      runs.push(clock.now() - 1_000_000);
      if (opts.fail?.(runs.length)) throw new Error('sync failed');
    },
  });
  return { clock, runs, runner };
}

describe('CoalescingRunner', () => {
  it('runs at start, coalesces a burst of requests, and respects minInterval', async () => {
    const { clock, runs, runner } = setup();
    runner.start();
    await clock.advance(0);
    for (let i = 0; i < 10; i++) runner.run();
    await clock.advance(50);
    expect(runs).toEqual([0]);
    await clock.advance(50);
    expect(runs).toEqual([0, 100]);
    await clock.advance(500);
    expect(runs).toEqual([0, 100]);
    runner.stop();
  });

  it('resyncs every maxInterval without requests', async () => {
    const { clock, runs, runner } = setup();
    runner.start();
    await clock.advance(2500);
    expect(runs).toEqual([0, 1000, 2000]);
    runner.stop();
    await clock.advance(5000);
    expect(runs).toEqual([0, 1000, 2000]);
  });

  it('allows burst calls back to back, then spaces them', async () => {
    const { clock, runs, runner } = setup({ burst: 3 });
    runner.start();
    await clock.advance(0);
    runner.run();
    await clock.advance(0);
    runner.run();
    await clock.advance(0);
    runner.run();
    await clock.advance(0);
    expect(runs).toEqual([0, 0, 0]);
    await clock.advance(100);
    expect(runs).toEqual([0, 0, 0, 100]);
    runner.stop();
  });

  it('retries after a failure at retryInterval and exposes the error', async () => {
    const { clock, runs, runner } = setup({ fail: (n) => n === 1 });
    runner.start();
    await clock.advance(0);
    expect(runner.lastError).toBeInstanceOf(Error);
    // the retry waits for the rate limit (token refills at 100ms), not only the 30ms retry delay
    await clock.advance(100);
    expect(runs).toEqual([0, 100]);
    expect(runner.lastError).toBeUndefined();
    runner.stop();
  });

  it('rejects maxInterval below minInterval naming the field', () => {
    expect(
      () => new CoalescingRunner({ name: 'x', fn: async () => {}, minIntervalMs: 10, maxIntervalMs: 5 }),
    ).toThrow(/^maxIntervalMs: must be >= minIntervalMs/);
  });
});
