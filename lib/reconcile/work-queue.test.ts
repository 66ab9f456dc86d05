import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from './clock.js';
import { exponentialRateLimiter } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('dedups keys that are already queued', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands one key to two workers; a re-add while processing is processed after done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a'); // arrives while a worker holds it
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => {
      second = k;
    });
    await flushMicrotasks();
    expect(second).toBeUndefined();
    q.done('a');
    await flushMicrotasks();
    expect(second).toBe('a');
  });

  it('addAfter delays a key and keeps the earliest of two delays', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    await clock.advance(49);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    await clock.advance(1000);
    expect(q.length).toBe(1);
  });

  it('rate-limited requeues back off exponentially per key and forget resets', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({
      clock,
      rateLimiter: exponentialRateLimiter({ baseMs: 10, maxMs: 40 }),
    });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      while (q.length === 0) await clock.advance(1);
      delays.push(clock.now() - start);
      const k = await q.get();
      q.done(k!);
    }
    expect(delays).toEqual([10, 20, 40, 40]);
    expect(q.numRequeues('k')).toBe(4);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('shutdown wakes waiting getters and ignores later adds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    const waiting = q.get();
    q.addAfter('late', 10);
    q.shutdown();
    expect(await waiting).toBeUndefined();
    q.add('x');
    await clock.advance(100);
    expect(q.length).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('rejects a bad limiter configuration with the field name', () => {
    expect(() => exponentialRateLimiter({ baseMs: 0 })).toThrow(/^baseMs: must be > 0/);
  });
});

describe('WorkQueue at volume', () => {
  it('keeps FIFO order and dedup over many keys', async () => {
    const q = new WorkQueue<number>();
    for (let i = 0; i < 5000; i++) q.add(i % 3000);
    expect(q.length).toBe(3000);
    const out: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const k = (await q.get())!;
      out.push(k);
      q.done(k);
    }
    expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(q.length).toBe(0);
  });
});
