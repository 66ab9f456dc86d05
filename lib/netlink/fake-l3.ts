/**
 * The fake's addresses and routes: pure functions over one `World`, with the kernel's
 * answers (EEXIST for duplicates, EADDRNOTAVAIL/ESRCH for deleting what is not there,
 * ENETDOWN/ENETUNREACH for unusable next hops, as fib_create_info and
 * ip6_route_info_create decide them).
 */
import { parseCidr, parseIp } from './codec/ip.js';
import {
  addConnected,
  byIndex,
  byName,
  E,
  type FAddress,
  type FRoute,
  fail,
  mustLink,
  removeConnected,
  type World,
} from './fake-state.js';
import type { AddressNorm, RouteNorm } from './specs.js';
import type { Address, AddressFilter, Route, RouteFilter } from './types.js';
import { RouteTable } from './types.js';

/** The addresses of a world, sorted by link index, family, address. */
export function listAddressesIn(w: World, filter: AddressFilter): Address[] {
  const out: Address[] = [];
  for (const a of w.addresses) {
    const link = byIndex(w, a.index)?.name ?? `if${a.index}`;
    if (filter.link !== undefined && filter.link !== link) continue;
    if (filter.family !== undefined && filter.family !== a.family) continue;
    out.push({
      link,
      family: a.family,
      address: a.address,
      scope: a.scope,
      ...(a.broadcast ? { broadcast: a.broadcast } : {}),
    });
  }
  return out.sort((a, b) => {
    const ia = byName(w, a.link)?.index ?? 0;
    const ib = byName(w, b.link)?.index ?? 0;
    return ia - ib || a.family - b.family || a.address.localeCompare(b.address);
  });
}

/** Adds an address (and its connected route when the link is up). */
export function addAddressIn(w: World, a: AddressNorm, detail: string): void {
  const l = mustLink(w, a.link, 'RTM_NEWADDR', detail);
  // IPv4 refuses the same address and prefix twice; IPv6 the same address.
  const dup = w.addresses.some(
    (x) =>
      x.index === l.index &&
      x.family === a.cidr.family &&
      (a.cidr.family === 4 ? x.address === a.address : x.address.split('/')[0] === a.cidr.ip),
  );
  if (dup) fail('RTM_NEWADDR', E.EEXIST, detail);
  const added: FAddress = {
    index: l.index,
    family: a.cidr.family,
    address: a.address,
    scope: a.scope,
    ...(a.broadcast ? { broadcast: a.broadcast } : {}),
  };
  w.addresses.push(added);
  addConnected(w, added);
}

/** Deletes an address (and its connected route); EADDRNOTAVAIL when missing. */
export function deleteAddressIn(w: World, a: AddressNorm, detail: string): void {
  const l = mustLink(w, a.link, 'RTM_DELADDR', detail);
  const found = w.addresses.find((x) => x.index === l.index && x.address === a.address);
  if (!found) fail('RTM_DELADDR', E.EADDRNOTAVAIL, detail);
  removeConnected(w, found);
  w.addresses = w.addresses.filter((x) => x !== found);
}

/** The routes of a world, sorted by table, family, dst, metric. */
export function listRoutesIn(w: World, filter: RouteFilter): Route[] {
  return w.routes
    .filter(
      (r) =>
        (filter.table === undefined || r.table === filter.table) &&
        (filter.family === undefined || r.family === filter.family),
    )
    .map((r) => {
      const { oif, ...rest } = r;
      const dev = oif === undefined ? undefined : byIndex(w, oif)?.name;
      return { ...rest, ...(dev ? { dev } : {}) };
    })
    .sort(
      (a, b) =>
        a.table - b.table ||
        a.family - b.family ||
        a.dst.localeCompare(b.dst) ||
        (a.metric ?? 0) - (b.metric ?? 0),
    );
}

/** True when `ip` lies inside the network `cidr` (both the same family). */
function contains(cidr: string, ip: string): boolean {
  const net = parseCidr('dst', cidr);
  const addr = parseIp('gateway', ip);
  if (net.family !== addr.family) return false;
  for (let bit = 0; bit < net.prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if (((net.bytes[bit >> 3] as number) & mask) !== ((addr.bytes[bit >> 3] as number) & mask)) return false;
  }
  return true;
}

/** Checks a route against the world and resolves its device, as the kernel would. */
function resolveRoute(w: World, r: RouteNorm, detail: string): FRoute {
  let oif: number | undefined;
  if (r.dev !== undefined) {
    const dev = mustLink(w, r.dev, 'RTM_NEWROUTE', detail);
    if (r.family === 4 && !dev.up && r.type === 'unicast') fail('RTM_NEWROUTE', E.ENETDOWN, detail);
    oif = dev.index;
  }
  if (r.gateway !== undefined && !r.onlink) {
    const gw = parseIp('gateway', r.gateway);
    // The gateway must be on a connected (device-only) route, unless `onlink` says so.
    const via = w.routes.find(
      (x) =>
        x.family === r.family &&
        x.table === RouteTable.main &&
        x.gateway === undefined &&
        x.oif !== undefined &&
        (oif === undefined || x.oif === oif) &&
        contains(x.dst, gw.ip),
    );
    if (!via) fail('RTM_NEWROUTE', E.ENETUNREACH, detail);
    oif ??= via.oif;
  }
  if (r.src !== undefined && !w.addresses.some((a) => a.address.split('/')[0] === r.src)) {
    fail('RTM_NEWROUTE', E.EINVAL, detail);
  }
  // IPv6 user routes default to metric 1024 (IP6_RT_PRIO_USER).
  const metric = r.metric ?? (r.family === 6 ? 1024 : undefined);
  return {
    family: r.family,
    dst: r.dst,
    table: r.table,
    type: r.type,
    scope: r.family === 6 ? 'universe' : r.scope,
    protocol: r.protocol,
    ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
    ...(oif !== undefined ? { oif } : {}),
    ...(r.src !== undefined ? { src: r.src } : {}),
    ...(metric !== undefined ? { metric } : {}),
    onlink: r.onlink,
  };
}

function sameKey(a: FRoute, b: FRoute): boolean {
  return a.family === b.family && a.table === b.table && a.dst === b.dst && a.metric === b.metric;
}

/** Adds a route; EEXIST for the same key (IPv6: also the same next hop, else a sibling). */
export function addRouteIn(w: World, r: RouteNorm, detail: string): void {
  const route = resolveRoute(w, r, detail);
  const clash = w.routes.some(
    (x) => sameKey(x, route) && (x.family === 4 || (x.gateway === route.gateway && x.oif === route.oif)),
  );
  if (clash) fail('RTM_NEWROUTE', E.EEXIST, detail);
  w.routes.push(route);
}

/** Adds or replaces the route with the same key. */
export function replaceRouteIn(w: World, r: RouteNorm, detail: string): void {
  const route = resolveRoute(w, r, detail);
  const i = w.routes.findIndex((x) => sameKey(x, route));
  if (i === -1) w.routes.push(route);
  else w.routes[i] = route;
}

/** Deletes the first route matching the key and every field given; ESRCH when none. */
export function deleteRouteIn(
  w: World,
  r: RouteNorm & { readonly typeGiven: boolean },
  detail: string,
): void {
  const oif = r.dev === undefined ? undefined : mustLink(w, r.dev, 'RTM_DELROUTE', detail).index;
  const i = w.routes.findIndex(
    (x) =>
      x.family === r.family &&
      x.table === r.table &&
      x.dst === r.dst &&
      (r.metric === undefined || x.metric === r.metric) &&
      (r.gateway === undefined || x.gateway === r.gateway) &&
      (oif === undefined || x.oif === oif) &&
      (!r.scopeGiven || x.scope === r.scope) &&
      (!r.typeGiven || x.type === r.type),
  );
  if (i === -1) fail('RTM_DELROUTE', E.ESRCH, detail);
  w.routes.splice(i, 1);
}
