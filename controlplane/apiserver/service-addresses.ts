/**
 * ClusterIP and NodePort bookkeeping for Services: picks values (the pure allocator in
 * service-alloc.ts) and reserves each under /registry/allocations/… with a create-if-absent,
 * so API servers sharing one etcd never hand out a value twice; the in-process lock keeps this
 * server's own concurrent writes from racing. A reservation left behind by a crash is reclaimed
 * when its owner no longer holds the value.
 */

import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { isAlreadyExists } from '../../lib/errors/index.js';
import type { Store } from '../store/index.js';
import { metaString } from './object-meta.js';
import { keyOf, prefixOf } from './registry/codec.js';
import { MAX_CONFLICT_RETRIES, RETRY, retryOnConflict } from './registry/retry.js';
import type { ResourceRegistry } from './resources.js';
import { allocateService, type Ipv4Range } from './service-alloc.js';
import { ApiError, invalidError } from './status.js';

/** Age after which an unowned reservation is reclaimed (far beyond any request's 60 s deadline). */
const RECLAIM_AFTER_MS = 5 * 60_000;

/** Where reservations live: `/registry/allocations/ip/<addr>` and `/registry/allocations/port/<n>`. */
const ALLOCATIONS_PREFIX = '/registry/allocations/';

/** What one repair pass did: leaked reservations released, values held by two Services. */
export interface RepairReport {
  readonly released: readonly string[];
  readonly duplicates: readonly { readonly value: string; readonly services: readonly string[] }[];
}

/** What the allocator works with. */
export interface ServiceAddressesOptions {
  readonly store: Store;
  readonly resources: ResourceRegistry;
  readonly serviceRange: Ipv4Range;
  readonly nodePortRange: readonly [number, number];
  readonly random: () => number;
  readonly now: () => Date;
}

/** The ClusterIP and NodePorts a Service holds, as `ip/<addr>` and `port/<n>` reservation names. */
export function allocatedValues(svc: JsonObject): string[] {
  const spec = isJsonObject(svc.spec) ? svc.spec : {};
  const out: string[] = [];
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIP !== 'None') {
    out.push(`ip/${spec.clusterIP}`);
  }
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (isJsonObject(p) && typeof p.nodePort === 'number') out.push(`port/${p.nodePort}`);
  }
  return out;
}

/**
 * Allocation and reservation of Service addresses and ports (the Service strategy's allocator,
 * strategies/types.ts `Allocator`).
 */
export class ServiceAddresses {
  readonly #o: ServiceAddressesOptions;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(options: ServiceAddressesOptions) {
    this.#o = options;
  }

  /** Runs `fn` alone among this server's Service writes. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Allocates ClusterIP and NodePorts for a Service and reserves them in the store under
   * /registry/allocations/… with a create-if-absent, so API servers sharing one etcd never hand
   * out the same value twice (the in-process lock alone only covers this server). Returns the
   * reservations made, to be released if the Service write then fails. With `dryRun` the values
   * are chosen among the free ones but nothing is reserved (apiserver's dry-run allocators).
   */
  async allocate(
    svc: JsonObject,
    old: JsonObject | undefined,
    options: { readonly dryRun?: boolean } = {},
  ): Promise<string[]> {
    const info = this.#o.resources.lookup('', 'v1', 'services');
    if (!info) return [];
    const all = await this.#o.store.list(prefixOf(info, undefined));
    const clusterIPs = new Set<string>();
    const nodePorts = new Set<number>();
    const uid = metaString(svc, 'uid') ?? '';
    for (const kv of all.items) {
      const o = JSON.parse(kv.value) as JsonObject;
      if (metaString(o, 'uid') === uid) continue;
      for (const v of allocatedValues(o)) {
        if (v.startsWith('ip/')) clusterIPs.add(v.slice(3));
        else nodePorts.add(Number(v.slice(5)));
      }
    }
    const requested = structuredClone(isJsonObject(svc.spec) ? svc.spec : {});
    const held = new Set(old ? allocatedValues(old) : []);
    // A lost race (another API server reserved a value first) allocates again, up to 21 times.
    return retryOnConflict(async (mayRetry) => {
      const spec = structuredClone(requested);
      const errs = allocateService({
        spec,
        ...(old && isJsonObject(old.spec) ? { old: old.spec } : {}),
        state: { clusterIPs, nodePorts },
        range: this.#o.serviceRange,
        nodePortMin: this.#o.nodePortRange[0],
        nodePortMax: this.#o.nodePortRange[1],
        random: this.#o.random,
      });
      if (errs.length > 0) throw invalidError(info, metaString(svc, 'name') ?? '', errs);
      svc.spec = spec;
      if (options.dryRun) return [];
      const reserved: string[] = [];
      let lost: string | undefined;
      for (const v of allocatedValues(svc)) {
        if (held.has(v)) continue;
        if (await this.#reserve(v, uid, metaString(svc, 'namespace') ?? '', metaString(svc, 'name') ?? '')) {
          reserved.push(v);
        } else {
          lost = v;
          break;
        }
      }
      if (lost === undefined) return reserved;
      // Another API server got there first: treat the value as taken and allocate again.
      await this.release(reserved, uid);
      if (lost.startsWith('ip/')) clusterIPs.add(lost.slice(3));
      else nodePorts.add(Number(lost.slice(5)));
      if (!mayRetry)
        throw new ApiError(
          500,
          'InternalError',
          'Internal error occurred: could not reserve service addresses',
        );
      return RETRY;
    }, MAX_CONFLICT_RETRIES + 1);
  }

  /** Creates the reservation of `value` for a Service; false when a live Service holds it. */
  async #reserve(value: string, uid: string, namespace: string, name: string): Promise<boolean> {
    const key = `${ALLOCATIONS_PREFIX}${value}`;
    const record = JSON.stringify({ uid, namespace, name, at: this.#o.now().getTime() });
    for (;;) {
      try {
        await this.#o.store.create(key, record);
        return true;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const cur = await this.#o.store.get(key);
      if (!cur) continue;
      const owner = JSON.parse(cur.value) as { uid: string; namespace: string; name: string; at?: number };
      if (owner.uid === uid) return true;
      // A young reservation may belong to a create still in flight on another server: it is
      // taken. Only one older than the grace period with no Service holding it is reclaimed.
      if (this.#o.now().getTime() - (owner.at ?? 0) < RECLAIM_AFTER_MS) return false;
      const info = this.#o.resources.lookup('', 'v1', 'services');
      const holder = info && (await this.#o.store.get(keyOf(info, owner.namespace, owner.name)));
      const live = holder && (JSON.parse(holder.value) as JsonObject);
      if (live && metaString(live, 'uid') === owner.uid && allocatedValues(live).includes(value)) {
        return false;
      }
      // A reservation left by a crash or a failed write: reclaim it.
      await this.#o.store.delete(key, cur.modRevision).catch(() => undefined);
    }
  }

  /**
   * The repair loop (kube-apiserver runs the same for ClusterIPs and NodePorts): every
   * reservation is checked against the Services that exist. One that no live Service holds and
   * that is older than the grace period (a create may still be in flight on another server) is a
   * leak and is released; a value two Services both hold is reported as a duplicate.
   */
  async repair(): Promise<RepairReport> {
    const info = this.#o.resources.lookup('', 'v1', 'services');
    if (!info) return { released: [], duplicates: [] };
    const holders = new Map<string, string[]>();
    const services = await this.#o.store.list(prefixOf(info, undefined));
    for (const kv of services.items) {
      const svc = JSON.parse(kv.value) as JsonObject;
      const who = `${metaString(svc, 'namespace') ?? ''}/${metaString(svc, 'name') ?? ''}`;
      for (const v of allocatedValues(svc)) holders.set(v, [...(holders.get(v) ?? []), who]);
    }
    const duplicates = [...holders.entries()]
      .filter(([, who]) => who.length > 1)
      .map(([value, who]) => ({ value, services: who.sort() }));
    const released: string[] = [];
    const now = this.#o.now().getTime();
    const reservations = await this.#o.store.list(ALLOCATIONS_PREFIX);
    for (const kv of reservations.items) {
      const value = kv.key.slice(ALLOCATIONS_PREFIX.length);
      if (holders.has(value)) continue;
      const owner = JSON.parse(kv.value) as { at?: number };
      if (now - (owner.at ?? 0) < RECLAIM_AFTER_MS) continue;
      try {
        await this.#o.store.delete(kv.key, kv.modRevision);
        released.push(value);
      } catch {
        // Changed meanwhile (re-reserved by a create): not a leak any more.
      }
    }
    return { released, duplicates };
  }

  /** The reservations `svc` holds (`allocatedValues`). */
  held(svc: JsonObject): string[] {
    return allocatedValues(svc);
  }

  /** Drops reservations owned by `uid`. */
  async release(values: readonly string[], uid: string): Promise<void> {
    for (const v of values) {
      const key = `${ALLOCATIONS_PREFIX}${v}`;
      const cur = await this.#o.store.get(key).catch(() => undefined);
      if (cur && (JSON.parse(cur.value) as { uid: string }).uid === uid) {
        await this.#o.store.delete(key, cur.modRevision).catch(() => undefined);
      }
    }
  }
}
