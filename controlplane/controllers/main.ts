/**
 * `switchyard controller-manager` as a function: kubeconfig → client, optional /metrics and
 * health server, leader election, run until SIGTERM/SIGINT (then the Lease is released so a
 * standby takes over at once).
 */
import { Gauge } from 'prom-client';
import { KubeClient, loadKubeconfig } from '../../lib/client/index.js';
import { invalid } from '../../lib/errors/index.js';
import {
  createLogger,
  createRegistry,
  HealthChecks,
  type LogLevel,
  parseListenAddr,
  startObsServer,
} from '../../lib/obs/index.js';
import { CONTROLLERS, ControllerManager, type ControllerName } from './manager.js';
import { ipamConfig } from './node-ipam.js';

/** Parsed `controller-manager` flags. */
export interface ControllerManagerFlags {
  readonly kubeconfig?: string;
  readonly logLevel?: LogLevel;
  readonly metricsAddr?: string;
  /** Comma list of controllers, default all. */
  readonly controllers?: string;
  readonly clusterCidr?: string;
  readonly nodeCidrMaskSize?: number;
  readonly leaderElect?: boolean;
  readonly nodeMonitorGracePeriodSeconds?: number;
  readonly podEvictionTimeoutSeconds?: number;
}

/** Parses `--controllers a,b` against the known names. */
export function parseControllers(text: string): ControllerName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(CONTROLLERS as readonly string[]).includes(n))
      throw invalid('--controllers', `unknown controller "${n}"; known: ${CONTROLLERS.join(', ')}`);
  return names as ControllerName[];
}

function untilSignal(): Promise<void> {
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

/** Runs the controller manager until a signal; returns the exit status. */
export async function runControllerManager(
  flags: ControllerManagerFlags,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  const log = createLogger({
    component: 'controller-manager',
    level: flags.logLevel ?? 'info',
    stream: stderr,
  });
  const ipam = ipamConfig({
    ...(flags.clusterCidr ? { clusterCidr: flags.clusterCidr } : {}),
    ...(flags.nodeCidrMaskSize ? { nodeMaskSize: flags.nodeCidrMaskSize } : {}),
  });
  const config = loadKubeconfig(flags.kubeconfig === undefined ? {} : { path: flags.kubeconfig });
  const client = new KubeClient({ config });
  const manager = new ControllerManager({
    client,
    logger: log,
    leaderElection: flags.leaderElect === false ? false : {},
    ...(flags.controllers ? { controllers: parseControllers(flags.controllers) } : {}),
    nodeIpam: { clusterCidr: ipam.clusterCidr, nodeMaskSize: ipam.nodeMaskSize },
    nodeLifecycle: {
      ...(flags.nodeMonitorGracePeriodSeconds
        ? { gracePeriodMs: flags.nodeMonitorGracePeriodSeconds * 1000 }
        : {}),
      ...(flags.podEvictionTimeoutSeconds
        ? { evictionTimeoutMs: flags.podEvictionTimeoutSeconds * 1000 }
        : {}),
    },
  });
  const metrics = createRegistry({ component: 'controllermanager', defaultMetrics: true });
  new Gauge({
    name: metrics.name('leader', 'info'),
    help: '1 while this instance holds the leader Lease and runs the controllers.',
    registers: [metrics.registry],
    collect() {
      this.set(manager.leading ? 1 : 0);
    },
  });
  const readiness = new HealthChecks().add('informers-synced', () => manager.informers.synced);
  const obs = flags.metricsAddr
    ? await startObsServer({ addr: parseListenAddr(flags.metricsAddr), metrics, readiness, logger: log })
    : undefined;
  const ac = new AbortController();
  const running = manager.run(ac.signal);
  log.info('started', {
    server: config.server,
    identity: manager.identity,
    ...(obs ? { metrics: obs.url } : {}),
  });
  await untilSignal();
  ac.abort();
  await running;
  await obs?.close();
  client.close();
  return 0;
}
