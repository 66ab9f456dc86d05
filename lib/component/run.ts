/**
 * The start-up every API client component shares (scheduler, controller manager): logger,
 * kubeconfig → client, optional /metrics + health server, named periodic tasks, run until
 * SIGTERM/SIGINT, then stop the loop and the tasks, close the server and the client, in that
 * order.
 */
import { KubeClient, loadRestConfig } from '../client/index.js';
import {
  type ComponentRegistry,
  createLogger,
  createRegistry,
  type HealthChecks,
  type LogFields,
  type Logger,
  parseListenAddr,
  startObsServer,
} from '../obs/index.js';
import type { ComponentFlags } from './flags.js';
import { PeriodicTask, taskMetrics } from './periodic-task.js';
import { untilSignal } from './signal.js';

/** What `setup` gets: everything built from the common flags. */
export interface ComponentContext {
  readonly log: Logger;
  readonly client: KubeClient;
  readonly metrics: ComponentRegistry;
  /**
   * Adds a named periodic task (lib/component's PeriodicTask: errors logged and counted in
   * `<component>_periodic_task_errors_total{task}`); it starts with the loop and stops with it.
   */
  periodic(name: string, intervalMs: number, run: () => Promise<void> | void): PeriodicTask;
}

/** What `setup` returns: the loop to run and how to tell it is ready. */
export interface ComponentRun {
  /** Runs until `signal` aborts. */
  readonly run: (signal: AbortSignal) => Promise<void>;
  readonly readiness: HealthChecks;
  /** Extra fields of the `started` log line (after `server`). */
  readonly startedFields?: LogFields;
}

/** Options of `runClientComponent`. */
export interface ClientComponentOptions {
  /** Log `component` field, e.g. `controller-manager`. */
  readonly component: string;
  /** Metric prefix (one lower-case word); default `component`. */
  readonly metricsComponent?: string;
  readonly flags: ComponentFlags;
  readonly stderr: NodeJS.WritableStream;
  readonly setup: (ctx: ComponentContext) => ComponentRun;
}

/** Runs a client component until SIGTERM/SIGINT; resolves to the exit status. */
export async function runClientComponent(options: ClientComponentOptions): Promise<number> {
  const { component, flags } = options;
  const log = createLogger({ component, level: flags.logLevel ?? 'info', stream: options.stderr });
  const config = loadRestConfig(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig });
  const client = new KubeClient({ config });
  const metrics = createRegistry({ component: options.metricsComponent ?? component, defaultMetrics: true });
  const tasks: PeriodicTask[] = [];
  const periodic = (name: string, intervalMs: number, fn: () => Promise<void> | void): PeriodicTask => {
    const task = new PeriodicTask({ name, intervalMs, run: fn, logger: log, metrics: taskMetrics(metrics) });
    tasks.push(task);
    return task;
  };
  const { run, readiness, startedFields } = options.setup({ log, client, metrics, periodic });
  const obs = flags.metricsAddr
    ? await startObsServer({ addr: parseListenAddr(flags.metricsAddr), metrics, readiness, logger: log })
    : undefined;
  const ac = new AbortController();
  const running = run(ac.signal);
  for (const t of tasks) t.start();
  log.info('started', { server: config.server, ...startedFields, ...(obs ? { metrics: obs.url } : {}) });
  await untilSignal();
  ac.abort();
  await running;
  await Promise.all(tasks.map((t) => t.stop()));
  await obs?.close();
  client.close();
  return 0;
}
