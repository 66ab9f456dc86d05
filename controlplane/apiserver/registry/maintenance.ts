/**
 * The registry's maintenance, each a plain function a server runs as a named task: re-arming
 * grace-period timers after a restart, the Event TTL sweep (kube-apiserver's --event-ttl) and
 * one pass of the Service address repair (kube-apiserver's ClusterIP/NodePort repair loops).
 */

import type { JsonObject } from '../../../lib/api/json.js';
import { metaOf, metaString } from '../object-meta.js';
import type { RepairReport, ServiceAddresses } from '../service-addresses.js';
import { decode, prefixOf } from './codec.js';
import type { RegistryContext } from './context.js';
import type { GraceTimers } from './graceful.js';
import { scan } from './scan.js';

/** Re-arms grace timers after a restart: every pod past or within its grace period. */
export async function resumeGracefulDeletions(ctx: RegistryContext, grace: GraceTimers): Promise<void> {
  const info = ctx.resources.lookup('', 'v1', 'pods');
  if (!info) return;
  const pods = await ctx.store.list(prefixOf(info, undefined));
  for (const kv of pods.items) {
    const pod = decode(kv);
    const deadline = metaString(pod, 'deletionTimestamp');
    if (deadline === undefined) continue;
    const left = Math.max(0, (Date.parse(deadline) - ctx.now().getTime()) / 1000);
    grace.schedule(info, metaString(pod, 'namespace'), metaString(pod, 'name') ?? '', left);
  }
}

/**
 * Deletes Events older than `ttlMs` (kube-apiserver's --event-ttl, default 1 h, done there with
 * etcd leases); returns how many went. Age is taken from the last time the event was seen.
 */
export async function sweepEvents(ctx: RegistryContext, ttlMs: number): Promise<number> {
  const info = ctx.resources.lookup('', 'v1', 'events');
  if (!info) return 0;
  const cutoff = ctx.now().getTime() - ttlMs;
  let removed = 0;
  for await (const kv of scan(ctx.store, prefixOf(info, undefined))) {
    const ev = JSON.parse(kv.value) as JsonObject;
    const seen = [ev.lastTimestamp, ev.eventTime, metaOf(ev).creationTimestamp].find(
      (t) => typeof t === 'string',
    );
    if (typeof seen === 'string' && Date.parse(seen) < cutoff) {
      await ctx.store.delete(kv.key, kv.modRevision).then(
        () => removed++,
        () => undefined,
      );
    }
  }
  return removed;
}

/** One pass of the Service address repair loop (leaked reservations, duplicates). */
export function repairServiceAddresses(addresses: ServiceAddresses): Promise<RepairReport> {
  return addresses.withLock(() => addresses.repair());
}
