/**
 * Service address repair, the part a client of the API can do (kube-apiserver's
 * ipallocator/controller/repair.go and portallocator/controller/repair.go run inside the API
 * server against its allocation bitmap): every Service's ClusterIPs and NodePorts are checked
 * against all the others, and each value held twice is reported with a Warning Event on the
 * Service that took it last and a log line. Releasing leaked allocations needs the API server's
 * allocation records, which this API does not serve; the API server reclaims a stale
 * reservation itself when a new Service asks for it.
 */
import type { Event as KubeEvent, Service } from '../../lib/api/index.js';
import { keyOf } from '../../lib/api/meta.js';
import { formatTime } from '../../lib/api/time.js';
import { eventsResource } from '../../lib/client/index.js';
import { watch } from '../../lib/component/index.js';
import type { ReconcileResult } from '../../lib/reconcile/index.js';
import { type ControllerContext, type RunningController, startController } from './context.js';

/** One value held by more than one Service. */
export interface Duplicate {
  readonly kind: 'ClusterIP' | 'NodePort';
  readonly value: string;
  /** Holders, oldest first (`namespace/name`). */
  readonly services: readonly string[];
}

/** Pure: ClusterIPs and NodePorts (per protocol) held by more than one Service. */
export function findDuplicates(services: readonly Service[]): Duplicate[] {
  const holders = new Map<string, Service[]>();
  const add = (k: string, s: Service): void => {
    holders.set(k, [...(holders.get(k) ?? []), s]);
  };
  for (const s of services) {
    const ips = new Set([...(s.spec.clusterIPs ?? []), ...(s.spec.clusterIP ? [s.spec.clusterIP] : [])]);
    for (const ip of ips) if (ip !== 'None' && ip !== '') add(`ClusterIP|${ip}`, s);
    const ports = new Set(
      (s.spec.ports ?? []).filter((p) => p.nodePort).map((p) => `${p.protocol ?? 'TCP'}/${p.nodePort}`),
    );
    for (const p of ports) add(`NodePort|${p}`, s);
  }
  const out: Duplicate[] = [];
  for (const [k, list] of holders) {
    if (list.length < 2) continue;
    const [kind, value] = k.split('|') as [Duplicate['kind'], string];
    const sorted = [...list].sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    );
    out.push({ kind, value, services: sorted.map(keyOf) });
  }
  return out.sort((a, b) => (a.kind + a.value < b.kind + b.value ? -1 : 1));
}

/** Starts the repair loop (one key: the whole Service set; also every `periodMs`, default 3 min). */
export function serviceRepairController(
  ctx: ControllerContext,
  options: { readonly periodMs?: number } = {},
): RunningController {
  const { informers: inf, client } = ctx;
  const reported = new Set<string>();
  const reconcile = async (): Promise<ReconcileResult> => {
    const services = inf.services.cache.list();
    for (const d of findDuplicates(services)) {
      const last = d.services.at(-1) ?? '';
      const svc = inf.services.cache.get(last);
      const id = `${d.kind}|${d.value}|${svc?.metadata.uid ?? last}`;
      if (!svc || reported.has(id)) continue;
      reported.add(id);
      const message = `${d.kind} ${d.value} is allocated to more than one Service: ${d.services.join(', ')}`;
      ctx.logger.error('duplicate service allocation', {
        kind: d.kind,
        value: d.value,
        services: d.services,
      });
      const now = formatTime(ctx.clock.now());
      const event: KubeEvent = {
        metadata: { generateName: `${svc.metadata.name}.`, namespace: svc.metadata.namespace ?? 'default' },
        involvedObject: {
          kind: 'Service',
          apiVersion: 'v1',
          namespace: svc.metadata.namespace ?? 'default',
          name: svc.metadata.name ?? '',
          uid: svc.metadata.uid ?? '',
        },
        reason: d.kind === 'ClusterIP' ? 'ClusterIPAlreadyAllocated' : 'PortAlreadyAllocated',
        message,
        type: 'Warning',
        source: { component: 'service-repair' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      await client.resource(eventsResource).create(event, { namespace: svc.metadata.namespace ?? 'default' });
    }
    return { kind: 'requeueAfter', ms: options.periodMs ?? 180_000 };
  };
  return startController(ctx, {
    name: 'servicerepair',
    reconcile,
    workers: 1,
    watches: [watch(inf.services, { on: ['add', 'update'], keys: () => ['services'] })],
  });
}
