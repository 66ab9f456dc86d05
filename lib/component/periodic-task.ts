/**
 * Loop kind (c), a named periodic task: `run` every `intervalMs` (the next run is timed from the
 * end of the last, so runs never overlap); a failure is logged (`periodic task failed`, with
 * the task name) and counted in `<component>_periodic_task_errors_total{task}`, never
 * swallowed. Timers do not keep the process alive.
 */
import { Counter } from 'prom-client';
import { messageOf } from '../errors/index.js';
import { type Logger, perRegistry } from '../obs/index.js';
import { type Clock, realClock, type TimerHandle } from '../reconcile/index.js';

/** The counters of a component's periodic tasks (one set per registry). */
export interface TaskMetrics {
  /** `<component>_periodic_task_runs_total{task}`. */
  readonly runs: Counter<'task'>;
  /** `<component>_periodic_task_errors_total{task}`. */
  readonly errors: Counter<'task'>;
}

/** The task counters registered in `metrics` (made on first use). */
export const taskMetrics = perRegistry(
  (metrics): TaskMetrics => ({
    runs: new Counter({
      name: metrics.name('periodic_task_runs', 'total'),
      help: 'Runs of each named periodic task.',
      labelNames: ['task'] as const,
      registers: [metrics.registry],
    }),
    errors: new Counter({
      name: metrics.name('periodic_task_errors', 'total'),
      help: 'Runs of each named periodic task that failed (each one is also logged).',
      labelNames: ['task'] as const,
      registers: [metrics.registry],
    }),
  }),
);

/** Options of `PeriodicTask`. */
export interface PeriodicTaskOptions {
  readonly name: string;
  readonly intervalMs: number;
  readonly run: () => Promise<void> | void;
  readonly logger: Logger;
  /** Counters to update (none when absent: the failure is still logged). */
  readonly metrics?: TaskMetrics;
  readonly clock?: Clock;
}

/** A named task run at a fixed interval until stopped. */
export class PeriodicTask {
  readonly name: string;
  readonly #o: PeriodicTaskOptions;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #failures = 0;

  constructor(options: PeriodicTaskOptions) {
    this.name = options.name;
    this.#o = options;
    this.#clock = options.clock ?? realClock;
  }

  /** Failed runs since creation. */
  get failures(): number {
    return this.#failures;
  }

  /** Starts the task; the first run is one interval from now. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#arm();
  }

  /** Stops scheduling and waits for a run in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Runs once now (waiting for a run in flight first); resolves when done, never rejects. */
  async runNow(): Promise<void> {
    while (this.#running) await this.#running;
    const run = this.#once();
    this.#running = run;
    try {
      await run;
    } finally {
      if (this.#running === run) this.#running = undefined;
    }
  }

  #arm(): void {
    if (this.#stopped) return;
    const timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.runNow().then(() => this.#arm());
    }, this.#o.intervalMs);
    // A periodic task never holds the process open on its own.
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  async #once(): Promise<void> {
    const labels = { task: this.name };
    this.#o.metrics?.runs.inc(labels);
    try {
      await this.#o.run();
    } catch (err: unknown) {
      this.#failures += 1;
      this.#o.metrics?.errors.inc(labels);
      this.#o.logger.warn('periodic task failed', { task: this.name, error: messageOf(err) });
    }
  }
}
