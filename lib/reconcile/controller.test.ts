import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from './clock.js';
import { Controller, type ReconcileOutcome, type ReconcileResult } from './controller.js';
import { exponentialRateLimiter } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

describe('Controller', () => {
  it('maps results to queue actions and reports outcomes', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock, rateLimiter: exponentialRateLimiter({ baseMs: 100 }) });
    const calls: string[] = [];
    const script: Record<string, ReconcileResult[]> = {
      ok: [{ kind: 'done' }],
      later: [{ kind: 'requeueAfter', ms: 1000 }, { kind: 'done' }],
      flaky: [{ kind: 'retry', cause: new Error('boom') }, { kind: 'done' }],
      bad: [{ kind: 'terminal', cause: new Error('never') }],
    };
    const outcomes: ReconcileOutcome<string>[] = [];
    const ctrl = new Controller<string>({
      name: 't',
      workers: 2,
      queue,
      clock,
      reconcile: async (key) => {
        calls.push(`${key}@${clock.now()}`);
        return script[key]!.shift() ?? { kind: 'done' };
      },
      onOutcome: (o) => outcomes.push(o),
    });
    const ac = new AbortController();
    const running = ctrl.run(ac.signal);
    for (const k of ['ok', 'later', 'flaky', 'bad']) ctrl.enqueue(k);
    await clock.advance(0);
    await clock.advance(100);
    await clock.advance(1000);
    expect(calls.sort()).toEqual(['bad@0', 'flaky@0', 'flaky@100', 'later@0', 'later@1000', 'ok@0']);
    const flaky = outcomes.filter((o) => o.key === 'flaky').map((o) => [o.result.kind, o.requeues]);
    expect(flaky).toEqual([
      ['retry', 1],
      ['done', 0],
    ]);
    ac.abort();
    await running;
  });

  it('a thrown error counts as retry; one key is never reconciled concurrently', async () => {
    const clock = new FakeClock();
    let active = 0;
    let maxActive = 0;
    let n = 0;
    const gates: (() => void)[] = [];
    const ctrl = new Controller<string>({
      name: 't',
      workers: 4,
      clock,
      queue: new WorkQueue({ clock, rateLimiter: exponentialRateLimiter({ baseMs: 10 }) }),
      reconcile: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        n += 1;
        await new Promise<void>((r) => gates.push(r));
        active -= 1;
        if (n === 1) throw new Error('first fails');
        return { kind: 'done' };
      },
    });
    const ac = new AbortController();
    const running = ctrl.run(ac.signal);
    ctrl.enqueue('same');
    await flushMicrotasks();
    ctrl.enqueue('same');
    ctrl.enqueue('same');
    await flushMicrotasks();
    expect(gates.length).toBe(1);
    gates.shift()!();
    await flushMicrotasks();
    // re-added while processing → processed again; the failure also schedules a retry
    expect(gates.length).toBe(1);
    gates.shift()!();
    await clock.advance(10);
    gates.shift()?.();
    await flushMicrotasks();
    expect(maxActive).toBe(1);
    expect(n).toBeGreaterThanOrEqual(2);
    ac.abort();
    await running;
  });

  it('validates workers', () => {
    expect(
      () => new Controller({ name: 'x', workers: 0, reconcile: async () => ({ kind: 'done' }) }),
    ).toThrow(/^workers: must be an integer >= 1, got 0/);
  });
});
