/**
 * The pure allocator: picks one free address from a range set. Round-robin like the reference
 * plugin: the search starts just after the set's last reserved address and wraps, so a freed
 * address is not handed out again at once (conntrack and ARP caches still point at it).
 */

import type { Range, RangeSet } from './config.js';
import { formatIp, type Ip, sameIp } from './ip.js';

/** What the allocator needs to know about the store. */
export interface AllocateInput {
  readonly set: RangeSet;
  /** True when the address is reserved already. */
  readonly isReserved: (ip: Ip) => boolean;
  /** How many addresses are reserved: bounds the search in huge (IPv6) ranges. */
  readonly reservedCount: number;
  /** The last address handed out from this set, if any. */
  readonly lastReserved?: Ip | undefined;
}

/** The reason a requested address cannot be used, or undefined when it can. */
export function requestProblem(
  set: RangeSet,
  req: { readonly ip: Ip; readonly isReserved: (ip: Ip) => boolean },
): string | undefined {
  const { ip, isReserved } = req;
  const range = set.find(
    (r) => ip.family === r.start.family && ip.value >= r.start.value && ip.value <= r.end.value,
  );
  if (!range) return `requested IP address ${formatIp(ip)} is not in the range set`;
  if (sameIp(range.gateway, ip)) return `requested IP address ${formatIp(ip)} is the gateway`;
  if (isReserved(ip)) return `requested IP address ${formatIp(ip)} is already allocated`;
  return undefined;
}

function usable(range: Range, ip: Ip): boolean {
  if (sameIp(range.gateway, ip)) return false;
  // Never hand out the subnet's own address (nor, for IPv4, its broadcast: rangeEnd stops before it).
  return ip.value !== range.subnet.network.value;
}

/**
 * Returns a free address from the set, or undefined when the set is exhausted. The search
 * visits at most `reservedCount + 2·ranges + 1` candidates: every candidate that fails is
 * reserved, a gateway or a network address, so after that many one must have been free.
 */
export function allocate(input: AllocateInput): Ip | undefined {
  const { set } = input;
  if (set.length === 0) return undefined;
  let ri = 0;
  let next: Ip | undefined;
  const last = input.lastReserved;
  if (last) {
    const at = set.findIndex(
      (r) => last.family === r.start.family && last.value >= r.start.value && last.value <= r.end.value,
    );
    if (at >= 0) {
      ri = at;
      next = { family: last.family, value: last.value + 1n };
    }
  }
  let budget = BigInt(input.reservedCount + 2 * set.length + 1);
  const total = set.reduce((n, r) => n + (r.end.value - r.start.value + 1n), 0n);
  if (total < budget) budget = total + 1n;
  for (let i = 0n; i < budget; i++) {
    const range = set[ri] as Range;
    if (!next || next.value > range.end.value || next.value < range.start.value) {
      if (next && next.value > range.end.value) {
        ri = (ri + 1) % set.length;
      }
      next = (set[ri] as Range).start;
    }
    const cur = set[ri] as Range;
    if (usable(cur, next) && !input.isReserved(next)) return next;
    next = { family: next.family, value: next.value + 1n };
  }
  return undefined;
}
