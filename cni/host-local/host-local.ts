/**
 * host-local IPAM: the operations over a store, used by the host-local executable and, in
 * process, by the bridge plugin. Every operation runs under the network's lock, so ADD, DEL and
 * GC of one network are serialised across processes (SPEC.md §3: plugins must lock shared state).
 */
import { type Attachment, CniCode, CniError, type Result, type ResultIp } from '../../lib/cni/index.js';
import { addressBits } from '../../lib/net/ip.js';
import { allocate, requestProblem } from './allocator.js';
import type { IpamConfig, Range } from './config.js';
import { formatCidr, formatIp, type Ip, parseIp, sameIp } from './ip.js';
import { DiskStore } from './store.js';

/** Who an address is for: the runtime's (containerID, ifname) pair. */
export interface IpamAttachment {
  readonly containerId: string;
  readonly ifname: string;
}

/** An attachment plus the store to use (default: the config's dataDir/network). */
export interface IpamRequest extends IpamAttachment {
  readonly store?: DiskStore;
}

/** The store of the config's network. */
export function storeFor(conf: IpamConfig): DiskStore {
  return new DiskStore(conf.dataDir, conf.network);
}

function rangeOf(conf: IpamConfig, setIndex: number, ip: Ip): Range | undefined {
  return conf.rangeSets[setIndex]?.find(
    (r) => ip.value >= r.start.value && ip.value <= r.end.value && ip.family === r.start.family,
  );
}

function setIndexOf(conf: IpamConfig, ip: Ip): number {
  return conf.rangeSets.findIndex((set) =>
    set.some((r) => ip.family === r.start.family && ip.value >= r.start.value && ip.value <= r.end.value),
  );
}

/**
 * Allocates one address per range set for the attachment. Requested addresses are honoured
 * (each must fall in some set); a failure in a later set releases the earlier ones.
 */
export async function ipamAdd(conf: IpamConfig, att: IpamRequest): Promise<Result> {
  const store = att.store ?? storeFor(conf);
  return store.withLock(() => {
    const reservations = store.list();
    const taken = new Set(reservations.map((r) => r.ip));
    const isReserved = (ip: Ip): boolean => taken.has(formatIp(ip));
    const made: string[] = [];
    const ips: ResultIp[] = [];
    try {
      for (const [i, set] of conf.rangeSets.entries()) {
        const held = reservations.find((r) => {
          const ip = parseIp(r.ip);
          return (
            r.containerId === att.containerId && r.ifname === att.ifname && ip && setIndexOf(conf, ip) === i
          );
        });
        if (held) {
          throw new CniError(
            CniCode.DuplicateAllocation,
            `${held.ip} has been allocated to ${att.containerId}, duplicate allocation is not allowed`,
          );
        }
        const asked = conf.requested.find((ip) => setIndexOf(conf, ip) === i);
        let ip: Ip | undefined;
        if (asked) {
          const problem = requestProblem(set, { ip: asked, isReserved });
          if (problem) throw new CniError(CniCode.NoAddressAvailable, problem);
          ip = asked;
        } else {
          const lastText = store.lastReserved(i);
          const last = lastText === undefined ? undefined : parseIp(lastText);
          ip = allocate({ set, isReserved, reservedCount: taken.size, lastReserved: last });
        }
        if (!ip) {
          const first = set[0];
          const what = first ? formatCidr(first.subnet.network, first.subnet.prefix) : `range set ${i}`;
          throw new CniError(CniCode.NoAddressAvailable, `no IP addresses available in range set: ${what}`);
        }
        const text = formatIp(ip);
        if (!store.reserve({ ip: text, containerId: att.containerId, ifname: att.ifname, rangeSet: i })) {
          throw new CniError(CniCode.NoAddressAvailable, `requested IP address ${text} is already allocated`);
        }
        made.push(text);
        taken.add(text);
        const range = rangeOf(conf, i, ip);
        ips.push({
          address: formatCidr(ip, range?.subnet.prefix ?? addressBits(ip.family)),
          ...(range?.gateway && !sameIp(range.gateway, ip) ? { gateway: formatIp(range.gateway) } : {}),
        });
      }
      return {
        cniVersion: '1.1.0',
        ips,
        ...(conf.routes.length > 0 ? { routes: conf.routes } : {}),
        ...(conf.dns ? { dns: conf.dns } : {}),
      };
    } catch (err: unknown) {
      for (const text of made) store.release(text);
      throw err;
    }
  });
}

/** Releases whatever the attachment holds; nothing held is fine (DEL is idempotent). */
export async function ipamDel(conf: IpamConfig, att: IpamRequest): Promise<string[]> {
  const store = att.store ?? storeFor(conf);
  return store.withLock(() => store.releaseAttachment(att.containerId, att.ifname));
}

/** CHECK: the attachment must hold exactly the addresses the previous result lists. */
export async function ipamCheck(
  conf: IpamConfig,
  att: IpamRequest & { readonly prev?: Result | undefined },
): Promise<void> {
  const store = att.store ?? storeFor(conf);
  const prev = att.prev;
  const held = await store.withLock(() =>
    store.list().filter((r) => r.containerId === att.containerId && r.ifname === att.ifname),
  );
  if (held.length === 0) {
    throw new CniError(
      CniCode.CheckFailed,
      `host-local: no address reserved for ${att.containerId}/${att.ifname}`,
    );
  }
  for (const ip of prev?.ips ?? []) {
    const addr = ip.address.split('/')[0] ?? '';
    const parsed = parseIp(addr);
    if (parsed && setIndexOf(conf, parsed) >= 0 && !held.some((h) => h.ip === formatIp(parsed))) {
      throw new CniError(
        CniCode.CheckFailed,
        `host-local: ${addr} is not reserved for ${att.containerId}/${att.ifname}`,
      );
    }
  }
}

/** GC: releases every reservation whose attachment is not in `valid`; returns what it released. */
export async function ipamGc(
  conf: IpamConfig,
  opts: { readonly valid: readonly Attachment[]; readonly store?: DiskStore },
): Promise<string[]> {
  const store = opts.store ?? storeFor(conf);
  const valid = opts.valid;
  const keep = new Set(valid.map((a) => `${a.containerID}\u0000${a.ifname}`));
  return store.withLock(() => {
    const gone = store.list().filter((r) => !keep.has(`${r.containerId}\u0000${r.ifname}`));
    for (const r of gone) store.release(r.ip);
    return gone.map((r) => r.ip);
  });
}

/** STATUS: fails with code 50 when some range set has no free address left. */
export async function ipamStatus(conf: IpamConfig, store = storeFor(conf)): Promise<void> {
  const reservations = store.list();
  const taken = new Set(reservations.map((r) => r.ip));
  for (const [i, set] of conf.rangeSets.entries()) {
    const free = allocate({ set, isReserved: (ip) => taken.has(formatIp(ip)), reservedCount: taken.size });
    if (!free) throw new CniError(CniCode.NotAvailable, `host-local: range set ${i} has no free address`);
  }
}
