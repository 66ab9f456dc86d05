/**
 * `switchyard scheduler` as a function: kubeconfig → client, optional /metrics + health
 * server, run until SIGTERM/SIGINT. Kept here (not in cli/) so tests and the lab can start it.
 */
import { Counter } from 'prom-client';
import { KubeClient, loadKubeconfig } from '../../lib/client/index.js';
import {
  createLogger,
  createRegistry,
  HealthChecks,
  type LogLevel,
  parseListenAddr,
  startObsServer,
} from '../../lib/obs/index.js';
import { Scheduler } from './scheduler.js';

/** Parsed `scheduler` flags. */
export interface SchedulerFlags {
  readonly kubeconfig?: string;
  readonly logLevel?: LogLevel;
  readonly metricsAddr?: string;
  readonly schedulerName?: string;
}

/** Resolves when the process gets SIGTERM or SIGINT. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Runs the scheduler until a signal; returns the exit status. */
export async function runScheduler(flags: SchedulerFlags, stderr: NodeJS.WritableStream): Promise<number> {
  const log = createLogger({ component: 'scheduler', level: flags.logLevel ?? 'info', stream: stderr });
  const config = loadKubeconfig(flags.kubeconfig === undefined ? {} : { path: flags.kubeconfig });
  const client = new KubeClient({ config });
  const metrics = createRegistry({ component: 'scheduler', defaultMetrics: true });
  const attempts = new Counter({
    name: metrics.name('schedule_attempts', 'total'),
    help: 'Scheduling cycles by result (scheduled, unschedulable).',
    labelNames: ['result'],
    registers: [metrics.registry],
  });
  const scheduler = new Scheduler({
    client,
    logger: log,
    ...(flags.schedulerName ? { schedulerName: flags.schedulerName } : {}),
    onDecision: (_pod, d) => attempts.inc({ result: d.kind === 'bind' ? 'scheduled' : 'unschedulable' }),
  });
  const readiness = new HealthChecks().add('informers-synced', () => scheduler.synced);
  const obs = flags.metricsAddr
    ? await startObsServer({ addr: parseListenAddr(flags.metricsAddr), metrics, readiness, logger: log })
    : undefined;
  const ac = new AbortController();
  const running = scheduler.run(ac.signal);
  log.info('started', { server: config.server, ...(obs ? { metrics: obs.url } : {}) });
  await untilSignal();
  ac.abort();
  await running;
  await obs?.close();
  client.close();
  return 0;
}
