/**
 * One builder for the controllers' end-to-end tests: the real API server in-process, simulated
 * nodes (Node objects whose Leases a loop renews), the stand-in kubelet, the real scheduler and,
 * optionally, a controller manager, each with its own client. `stop()` stops them in reverse
 * order, then the server.
 */
import type { ApiServerOptions } from '../../../controlplane/apiserver/index.js';
import { ControllerManager, type ControllerManagerOptions } from '../../../controlplane/controllers/index.js';
import { Scheduler } from '../../../controlplane/scheduler/index.js';
import type { Pod } from '../../../lib/api/index.js';
import type { KubeClient } from '../../../lib/client/index.js';
import { eventually, startTestEnv, type TestEnv } from './env.js';
import { every, runComponent } from './run.js';
import { createSimNode, renewSimLease, SimKubelet, type SimNodeOptions } from './sim-node.js';

/** A controller manager's options without its client (the cluster gives it one). */
export type ManagerOptions = Omit<ControllerManagerOptions, 'client'>;

/** What runs beside the API server. */
export interface SimClusterOptions {
  /** Added to the API server's options, e.g. `{ bootstrapPolicy }`. */
  readonly server?: Partial<ApiServerOptions>;
  /**
   * Run the scheduler and controller managers as their own kubeconfig users
   * (`system:kube-scheduler`, `system:kube-controller-manager`), as the lab does; default admin.
   */
  readonly componentUsers?: boolean;
  readonly nodes: readonly string[];
  /** Capacity and labels of every node. */
  readonly node?: SimNodeOptions;
  /**
   * The nodes whose Lease is renewed and whose pods the kubelet serves; a test that deletes a
   * name from it stops that node's "kubelet". Default: `nodes`' Leases are renewed and the
   * kubelet serves every node, including those a test adds later.
   */
  readonly alive?: Set<string>;
  readonly leaseRenewMs: number;
  readonly kubeletSyncMs: number;
  /** How often the kubelet writes its nodes' status (default: never). */
  readonly kubeletNodeSyncMs?: number;
  /** Whether a pod reports Ready (default: always). */
  readonly ready?: (pod: Pod) => boolean;
  readonly unschedulableRetryMs: number;
  /** A controller manager started last and waited for until it leads; none when omitted. */
  readonly manager?: ManagerOptions;
}

/** A controller manager started by {@link SimCluster.startManager}. */
export interface RunningManager {
  readonly manager: ControllerManager;
  /** Stops the manager and closes its client. */
  stop(): Promise<void>;
}

/** A running simulated cluster. */
export interface SimCluster extends TestEnv {
  readonly kubelet: SimKubelet;
  /** The manager of `SimClusterOptions.manager`. */
  readonly manager: ControllerManager | undefined;
  /** Starts another controller manager with its own client; the caller stops it. */
  startManager(options: ManagerOptions): RunningManager;
}

/** Starts the server, the nodes, the kubelet, the scheduler and the manager, in that order. */
export async function startSimCluster(o: SimClusterOptions): Promise<SimCluster> {
  const env = await startTestEnv(o.server);
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s();
    await env.stop();
  };
  const componentClient = (user: string): KubeClient =>
    o.componentUsers ? env.clientAs(user) : env.newClient();
  const startManager = (options: ManagerOptions): RunningManager => {
    const client = componentClient('controller-manager');
    const { component, stop } = runComponent(new ControllerManager({ ...options, client }), client);
    return { manager: component, stop };
  };
  try {
    const renewed = o.alive ?? o.nodes;
    for (const n of o.nodes) await createSimNode(env.client, n, o.node);
    stops.push(
      every(o.leaseRenewMs, () => Promise.all([...renewed].map((n) => renewSimLease(env.client, n)))),
    );
    const kubeletClient = env.newClient();
    const kubelet = new SimKubelet({
      client: kubeletClient,
      ...(o.alive ? { nodes: o.alive } : {}),
      ...(o.ready ? { ready: o.ready } : {}),
    });
    stops.push(async () => kubeletClient.close());
    stops.push(every(o.kubeletSyncMs, () => kubelet.sync()));
    if (o.kubeletNodeSyncMs !== undefined) stops.push(every(o.kubeletNodeSyncMs, () => kubelet.syncNodes()));
    const schedulerClient = componentClient('scheduler');
    const scheduler = new Scheduler({
      client: schedulerClient,
      unschedulableRetryMs: o.unschedulableRetryMs,
    });
    stops.push(runComponent(scheduler, schedulerClient).stop);
    let manager: ControllerManager | undefined;
    if (o.manager) {
      const running = startManager(o.manager);
      stops.push(running.stop);
      manager = running.manager;
      await eventually('the controller manager leads', () => running.manager.leading);
    }
    return { ...env, kubelet, manager, startManager, stop };
  } catch (err: unknown) {
    await stop();
    throw err;
  }
}
