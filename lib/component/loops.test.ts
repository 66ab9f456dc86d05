/**
 * The kit's three loop kinds on a fake clock and a hand-driven event source: the keyed
 * controller's watches, the coalesced sync (CoalescingRunner through the kit) and the periodic
 * task whose failures are logged and counted. Also the common flags.
 */
import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../api/index.js';
import type { EventHandler } from '../client/index.js';
import { createLogger, createRegistry } from '../obs/index.js';
import { FakeClock, flushMicrotasks } from '../reconcile/index.js';
import {
  CLIENT_FLAGS,
  coalescedSync,
  componentFlagsUsage,
  keyedController,
  LEADER_ELECTION_FLAGS,
  PeriodicTask,
  readComponentFlags,
  taskMetrics,
  watch,
} from './index.js';

/** An informer stand-in: events are pushed by hand to every registered handler. */
class Source<S> {
  readonly handlers = new Set<EventHandler<S>>();
  addEventHandler(h: EventHandler<S>): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  add(obj: S): void {
    for (const h of this.handlers) void h.onAdd?.(obj);
  }
  update(old: S, obj: S): void {
    for (const h of this.handlers) void h.onUpdate?.(old, obj);
  }
  delete(obj: S): void {
    for (const h of this.handlers) void h.onDelete?.(obj, { finalStateUnknown: false });
  }
}

const cm = (name: string, labels: Record<string, string> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', labels },
});

/** A logger writing into `lines`. */
function memoryLog(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    component: 'demo',
    stream: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
  });
  return { log, lines };
}

describe('keyedController', () => {
  it('maps events to keys (own key by default, custom keys, chosen events, delays) and detaches', async () => {
    const clock = new FakeClock();
    const own = new Source<ConfigMap>();
    const other = new Source<ConfigMap>();
    const seen: string[] = [];
    const running = keyedController({
      name: 'demo',
      clock,
      reconcile: async (key) => {
        seen.push(key);
        return { kind: 'done' };
      },
      watches: [
        watch(own, { on: ['add', 'update'] }),
        watch(other, {
          keys: (o, old) =>
            [o.metadata.labels?.owner, old?.metadata.labels?.owner].filter((k) => k !== undefined),
          delayMs: 100,
        }),
      ],
    });
    expect(running.name).toBe('demo');
    const ac = new AbortController();
    const done = running.controller.run(ac.signal);
    own.add(cm('a'));
    own.delete(cm('b')); // not watched
    other.update(cm('x', { owner: 'ns/old' }), cm('x', { owner: 'ns/new' }));
    await clock.advance(0);
    expect(seen).toEqual(['ns/a']);
    await clock.advance(100);
    expect(seen.sort()).toEqual(['ns/a', 'ns/new', 'ns/old']);
    running.detach();
    expect(own.handlers.size + other.handlers.size).toBe(0);
    ac.abort();
    await done;
  });
});

describe('coalescedSync', () => {
  it('syncs at start, collapses a burst of events into one sync, and logs and counts failures', async () => {
    const clock = new FakeClock(1000);
    const source = new Source<ConfigMap>();
    const { log, lines } = memoryLog();
    const metrics = createRegistry({ component: 'demo' });
    let syncs = 0;
    let fail = false;
    const sync = coalescedSync({
      name: 'rules',
      sources: [source],
      minIntervalMs: 100,
      maxIntervalMs: 10_000,
      logger: log,
      metrics,
      clock,
      sync: async () => {
        syncs += 1;
        if (fail) throw new Error('kernel said no');
      },
    });
    await clock.advance(0);
    expect(syncs).toBe(1);
    for (let i = 0; i < 10; i++) source.add(cm(`c${i}`));
    await clock.advance(100);
    expect(syncs).toBe(2);
    fail = true;
    source.delete(cm('c0'));
    await clock.advance(100);
    expect(syncs).toBe(3);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'sync failed', sync: 'rules', error: 'kernel said no' }),
    );
    expect(await metrics.registry.metrics()).toContain('switchyard_demo_sync_errors_total{sync="rules"} 1');
    fail = false;
    await clock.advance(100); // the retry
    expect(syncs).toBe(4);
    sync.stop();
    expect(source.handlers.size).toBe(0);
  });
});

describe('PeriodicTask', () => {
  it('runs every interval, never overlapping; a failure is logged and counted, and the task goes on', async () => {
    const clock = new FakeClock();
    const { log, lines } = memoryLog();
    const metrics = createRegistry({ component: 'demo' });
    let runs = 0;
    const task = new PeriodicTask({
      name: 'sweep',
      intervalMs: 1000,
      clock,
      logger: log,
      metrics: taskMetrics(metrics),
      run: async () => {
        runs += 1;
        if (runs === 2) throw new Error('store closed');
      },
    });
    task.start();
    await clock.advance(999);
    expect(runs).toBe(0);
    await clock.advance(1);
    expect(runs).toBe(1);
    await clock.advance(1000);
    expect(runs).toBe(2);
    expect(task.failures).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'periodic task failed',
        task: 'sweep',
        error: 'store closed',
      }),
    );
    await clock.advance(1000);
    expect(runs).toBe(3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchyard_demo_periodic_task_errors_total{task="sweep"} 1');
    expect(text).toContain('switchyard_demo_periodic_task_runs_total{task="sweep"} 3');
    await task.stop();
    await clock.advance(5000);
    await flushMicrotasks();
    expect(runs).toBe(3);
  });
});

describe('common flags', () => {
  it('reads the client and leader-election flags, durations in s, ms or m', () => {
    expect(
      readComponentFlags({
        kubeconfig: '/k',
        'log-level': 'warn',
        'metrics-addr': '127.0.0.1:0',
        'leader-elect-lease-duration': '15s',
        'leader-elect-renew-deadline': '10000ms',
        'leader-elect-retry-period': '2',
        'leader-elect-resource-name': 'lease',
      }),
    ).toEqual({
      kubeconfig: '/k',
      logLevel: 'warn',
      metricsAddr: '127.0.0.1:0',
      leaderElection: {
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2000,
        name: 'lease',
      },
    });
    expect(readComponentFlags({ 'no-leader-elect': true })).toEqual({ leaderElect: false });
    expect(() => readComponentFlags({ 'leader-elect-retry-period': 'soon' })).toThrow(
      /--leader-elect-retry-period/,
    );
  });

  it('prints one aligned usage line per flag of the chosen groups', () => {
    const lines = componentFlagsUsage(42, { ...CLIENT_FLAGS, ...LEADER_ELECTION_FLAGS }).split('\n');
    expect(lines).toHaveLength(9);
    for (const line of lines) expect(line[41]).toBe(' ');
  });
});
