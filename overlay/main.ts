/**
 * `switchyard overlay` as a function: lib/component's client-component kit around one
 * coalesced whole-state sync. Any Node event asks for a sync; at least one runs every
 * `--resync-period`, re-reading the kernel, so an entry changed by hand is restored. A sync
 * finds the underlay (address, device, MTU), publishes the node's own annotations when they
 * differ, and runs syncKernel (observe → plan → apply, forwarding, masquerade).
 */
import { Counter, Gauge } from 'prom-client';
import { nodesResource, SharedInformerFactory } from '../lib/client/index.js';
import {
  type ComponentContext,
  type ComponentFlags,
  type ComponentRun,
  coalescedSync,
  runClientComponent,
} from '../lib/component/index.js';
import { notFound } from '../lib/errors/index.js';
import { createNetlink, type Netlink } from '../lib/netlink/index.js';
import type { Nft } from '../lib/nft/index.js';
import { HealthChecks } from '../lib/obs/index.js';
import { findUnderlay, overlayNft, syncKernel, type Underlay } from './apply.js';
import type { OverlayConfig } from './config.js';
import { type OverlayNode, publicationPatch, toOverlayNode, vtepMacFor } from './model.js';
import { type PlanInput, peersOf } from './plan.js';

/** Shortest gap between two event-driven syncs (a burst of Node updates is one sync). */
export const MIN_SYNC_INTERVAL_MS = 200;

/** Kernel handles; tests pass their own, the command makes the real ones. */
export interface OverlayDeps {
  readonly nl: Netlink;
  readonly nft: Nft;
}

/** The underlay for this sync: from `--iface`, `--node-ip`, or the own Node's InternalIP. */
async function underlayOf(
  config: OverlayConfig,
  deps: OverlayDeps,
  self: OverlayNode | undefined,
): Promise<Underlay> {
  const u = config.underlay;
  if (u.kind === 'iface') return findUnderlay(deps.nl, config.netns, { iface: u.iface });
  const nodeIP = u.kind === 'ip' ? u.ip : self?.nodeIP;
  // Retried by the sync loop: the kubelet may not have reported the node's addresses yet.
  if (!nodeIP) throw notFound('InternalIP of node', `${config.nodeName} (or give --node-ip or --iface)`);
  return findUnderlay(deps.nl, config.netns, { nodeIP });
}

/** The overlay's loop, for runClientComponent (or a test's own context). */
export function overlaySetup(
  config: OverlayConfig,
  deps: OverlayDeps,
): (ctx: ComponentContext) => ComponentRun {
  return ({ log, client, metrics }) => {
    const informers = new SharedInformerFactory(client, {
      onError: (informer, err) => log.warn('informer error', { informer, error: String(err) }),
    });
    const nodes = informers.informerFor({ resource: nodesResource, transform: toOverlayNode });
    const changes = new Counter({
      name: metrics.name('kernel_changes', 'total'),
      help: 'Kernel changes made by syncs, by action kind (0 on a converged node).',
      labelNames: ['kind'] as const,
      registers: [metrics.registry],
    });
    const peers = new Gauge({
      name: metrics.name('peer', 'entries'),
      help: 'Other nodes this node programs a route to.',
      registers: [metrics.registry],
    });
    const vtepMac = vtepMacFor(config.nodeName);
    let synced = false;

    const sync = async (): Promise<void> => {
      const all = nodes.cache.list();
      const self = all.find((n) => n.name === config.nodeName);
      const underlay = await underlayOf(config, deps, self);
      const patch = publicationPatch(self, {
        backend: config.backend,
        publicIP: underlay.nodeIP,
        ...(config.backend === 'vxlan' ? { vtepMac } : {}),
      });
      if (patch) {
        await client.resource(nodesResource).patch(config.nodeName, patch, { type: 'merge' });
        log.info('published node annotations', { node: config.nodeName, nodeIP: underlay.nodeIP });
      }
      const input: PlanInput = {
        backend: config.backend,
        vni: config.vni,
        clusterCIDR: config.clusterCIDR,
        nodeName: config.nodeName,
        ...(self?.podCIDR ? { podCIDR: self.podCIDR } : {}),
        nodeIP: underlay.nodeIP,
        underlayDev: underlay.dev,
        underlayMtu: underlay.mtu,
        vtepMac,
        nodes: all,
      };
      const result = await syncKernel({ nl: deps.nl, nft: deps.nft, ns: config.netns }, input);
      peers.set(peersOf(input).length);
      for (const a of result.actions) changes.inc({ kind: a.kind });
      if (result.masquerade) changes.inc({ kind: 'masquerade-table' });
      if (result.forwarding) changes.inc({ kind: 'ip-forward' });
      if (result.actions.length > 0 || result.masquerade || result.forwarding)
        log.info('kernel changed', {
          actions: result.actions.map((a) => a.kind),
          masquerade: result.masquerade,
          forwarding: result.forwarding,
        });
      synced = true;
    };

    return {
      readiness: new HealthChecks()
        .add('informers-synced', () => informers.synced)
        .add('kernel-synced', () => synced),
      startedFields: { node: config.nodeName, backend: config.backend },
      run: async (signal) => {
        const running = informers.run(signal);
        await informers.waitForSync(signal);
        const loop = coalescedSync({
          name: 'kernel',
          sources: [nodes],
          sync,
          minIntervalMs: MIN_SYNC_INTERVAL_MS,
          maxIntervalMs: config.resyncPeriodMs,
          retryIntervalMs: 1000,
          logger: log,
          metrics,
        });
        signal.addEventListener('abort', () => loop.stop(), { once: true });
        await running;
        loop.stop();
      },
    };
  };
}

/** Runs the overlay agent until a signal; returns the exit status. */
export async function runOverlay(
  config: OverlayConfig,
  flags: ComponentFlags,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  const nl = createNetlink();
  try {
    return await runClientComponent({
      component: 'overlay',
      flags,
      stderr,
      setup: overlaySetup(config, { nl, nft: overlayNft(config.netns) }),
    });
  } finally {
    nl.dispose();
  }
}
