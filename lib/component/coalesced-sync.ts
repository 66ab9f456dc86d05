/**
 * Loop kind (b), a coalesced whole-state sync, for components that rebuild everything from a
 * snapshot (a proxy's rules, a DNS table): any event of the watched informers requests a sync;
 * requests collapse and are rate-bounded by lib/reconcile's CoalescingRunner (at most one sync
 * per `minIntervalMs` on average, at least one per `maxIntervalMs`, a failure retried). A
 * failed sync is logged (`sync failed`) and counted in `<component>_sync_errors_total{sync}`.
 */
import { Counter, Histogram } from 'prom-client';
import { messageOf } from '../errors/index.js';
import { type ComponentRegistry, type Logger, perRegistry } from '../obs/index.js';
import { type Clock, CoalescingRunner } from '../reconcile/index.js';
import type { EventSource } from './keyed-controller.js';

/** The counters of a component's syncs. */
interface SyncMetrics {
  readonly errors: Counter<'sync'>;
  readonly duration: Histogram<'sync'>;
}

const syncMetrics = perRegistry(
  (metrics): SyncMetrics => ({
    errors: new Counter({
      name: metrics.name('sync_errors', 'total'),
      help: 'Whole-state syncs that failed (each one is also logged and retried).',
      labelNames: ['sync'] as const,
      registers: [metrics.registry],
    }),
    duration: new Histogram({
      name: metrics.name('sync_duration', 'seconds'),
      help: 'Time one whole-state sync took.',
      labelNames: ['sync'] as const,
      registers: [metrics.registry],
    }),
  }),
);

/** Options of `coalescedSync`. */
export interface CoalescedSyncOptions {
  readonly name: string;
  /** Rebuilds the whole state from the caches. A rejection is logged, counted and retried. */
  readonly sync: () => Promise<void>;
  /** Informers whose every event requests a sync. */
  readonly sources: readonly EventSource<unknown>[];
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly burst?: number;
  readonly retryIntervalMs?: number;
  readonly logger: Logger;
  readonly metrics?: ComponentRegistry;
  readonly clock?: Clock;
}

/** A started sync loop. */
export interface CoalescedSync {
  readonly name: string;
  readonly runner: CoalescingRunner;
  /** Stops the runner and detaches from the sources. */
  stop(): void;
}

/** Starts the sync loop: one sync at once, then one per coalesced burst of events. */
export function coalescedSync(o: CoalescedSyncOptions): CoalescedSync {
  const m = o.metrics ? syncMetrics(o.metrics) : undefined;
  const runner = new CoalescingRunner({
    name: o.name,
    fn: o.sync,
    minIntervalMs: o.minIntervalMs,
    maxIntervalMs: o.maxIntervalMs,
    ...(o.burst !== undefined ? { burst: o.burst } : {}),
    ...(o.retryIntervalMs !== undefined ? { retryIntervalMs: o.retryIntervalMs } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    onSync: ({ durationMs, error }) => {
      m?.duration.observe({ sync: o.name }, durationMs / 1000);
      if (error === undefined) return;
      m?.errors.inc({ sync: o.name });
      o.logger.warn('sync failed', { sync: o.name, error: messageOf(error) });
    },
  });
  const request = (): void => runner.run();
  const detachers = o.sources.map((s) =>
    s.addEventHandler({ onAdd: request, onUpdate: request, onDelete: request }),
  );
  runner.start();
  return {
    name: o.name,
    runner,
    stop() {
      for (const d of detachers) d();
      runner.stop();
    },
  };
}
