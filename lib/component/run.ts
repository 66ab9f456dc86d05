/**
 * The start-up every API client component shares (scheduler, controller manager): logger,
 * kubeconfig → client, optional /metrics + health server, run until SIGTERM/SIGINT, then stop
 * the loop, close the server and the client, in that order.
 */
import { KubeClient, loadKubeconfig } from '../client/index.js';
import {
  type ComponentRegistry,
  createLogger,
  createRegistry,
  type HealthChecks,
  type LogFields,
  type Logger,
  type LogLevel,
  parseListenAddr,
  startObsServer,
} from '../obs/index.js';
import { untilSignal } from './signal.js';

/** The flags every client component takes. */
export interface ComponentFlags {
  readonly kubeconfig?: string;
  readonly logLevel?: LogLevel;
  /** `HOST:PORT` for /metrics, /healthz and /readyz; none when absent. */
  readonly metricsAddr?: string;
}

/** What `setup` gets: everything built from the common flags. */
export interface ComponentContext {
  readonly log: Logger;
  readonly client: KubeClient;
  readonly metrics: ComponentRegistry;
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
  const config = loadKubeconfig(flags.kubeconfig === undefined ? {} : { path: flags.kubeconfig });
  const client = new KubeClient({ config });
  const metrics = createRegistry({ component: options.metricsComponent ?? component, defaultMetrics: true });
  const { run, readiness, startedFields } = options.setup({ log, client, metrics });
  const obs = flags.metricsAddr
    ? await startObsServer({ addr: parseListenAddr(flags.metricsAddr), metrics, readiness, logger: log })
    : undefined;
  const ac = new AbortController();
  const running = run(ac.signal);
  log.info('started', { server: config.server, ...startedFields, ...(obs ? { metrics: obs.url } : {}) });
  await untilSignal();
  ac.abort();
  await running;
  await obs?.close();
  client.close();
  return 0;
}
