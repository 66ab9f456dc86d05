/**
 * `switchyard controller-manager` as a function: the shared client-component start-up
 * (lib/component) around the ControllerManager (leader election; on SIGTERM/SIGINT the Lease is
 * released so a standby takes over at once) and a leader gauge.
 */
import { Gauge } from 'prom-client';
import { type ComponentFlags, runClientComponent } from '../../lib/component/index.js';
import { invalid } from '../../lib/errors/index.js';
import { HealthChecks } from '../../lib/obs/index.js';
import { CONTROLLERS, ControllerManager, type ControllerName } from './manager.js';
import { ipamConfig } from './node-ipam.js';

/** Parsed `controller-manager` flags. */
export interface ControllerManagerFlags extends ComponentFlags {
  /** Comma list of controllers, default all. */
  readonly controllers?: string;
  readonly clusterCidr?: string;
  readonly nodeCidrMaskSize?: number;
  /** Each controller as its own kube-system service account (`--use-service-account-credentials`). */
  readonly useServiceAccountCredentials?: boolean;
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

/** Runs the controller manager until a signal; returns the exit status. */
export async function runControllerManager(
  flags: ControllerManagerFlags,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  const ipam = ipamConfig({
    ...(flags.clusterCidr ? { clusterCidr: flags.clusterCidr } : {}),
    ...(flags.nodeCidrMaskSize ? { nodeMaskSize: flags.nodeCidrMaskSize } : {}),
  });
  return runClientComponent({
    component: 'controller-manager',
    metricsComponent: 'controllermanager',
    flags,
    stderr,
    setup: ({ log, client, metrics }) => {
      const manager = new ControllerManager({
        client,
        logger: log,
        leaderElection: flags.leaderElect === false ? false : { ...flags.leaderElection },
        useServiceAccountCredentials: flags.useServiceAccountCredentials === true,
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
      new Gauge({
        name: metrics.name('leader', 'info'),
        help: '1 while this instance holds the leader Lease and runs the controllers.',
        registers: [metrics.registry],
        collect() {
          this.set(manager.leading ? 1 : 0);
        },
      });
      return {
        run: (signal) => manager.run(signal),
        readiness: new HealthChecks().add('informers-synced', () => manager.informers.synced),
        startedFields: { identity: manager.identity },
      };
    },
  });
}
