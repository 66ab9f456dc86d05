/**
 * The kernel adapter's addresses and routes: RTM_NEWADDR/DELADDR/GETADDR and
 * RTM_NEWROUTE/DELROUTE/GETROUTE.
 */
import { decodeAddress, encodeAddress } from './codec/addr.js';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IFA_F_NODAD,
  NLM_F,
  RTM,
  RTN,
  RTPROT,
  SCOPE,
} from './codec/constants.js';
import { encodeIfAddr, encodeRtMsg } from './codec/headers.js';
import { parseIp } from './codec/ip.js';
import { protocolName, routeTypeName, scopeName } from './codec/names.js';
import { decodeRoute, encodeRoute } from './codec/route.js';
import { CREATE, type Kernel, where } from './kernel-ctx.js';
import { type AddressNorm, normalizeAddress, normalizeRoute, type RouteNorm } from './specs.js';
import type { Address, AddressFilter, AddressSpec, NsRef, Route, RouteFilter, RouteSpec } from './types.js';

export async function listAddresses(
  k: Kernel,
  ns: NsRef,
  filter: AddressFilter = {},
): Promise<readonly Address[]> {
  const family = filter.family === 4 ? AF_INET : filter.family === 6 ? AF_INET6 : AF_UNSPEC;
  const [names, bodies] = await Promise.all([
    k.names(ns),
    k.t.dump(ns, {
      type: RTM.GETADDR,
      body: encodeIfAddr({ family, prefixLen: 0, flags: 0, scope: 0, index: 0 }),
      detail: `listing addresses ${where(ns)}`,
    }),
  ]);
  const out: Address[] = [];
  for (const body of bodies) {
    const r = decodeAddress(body);
    if (!r) continue;
    const link = names.get(r.index) ?? `if${r.index}`;
    if (filter.link !== undefined && link !== filter.link) continue;
    if (filter.family !== undefined && r.family !== filter.family) continue;
    out.push({
      link,
      family: r.family,
      address: r.address,
      scope: r.scope,
      ...(r.broadcast ? { broadcast: r.broadcast } : {}),
    });
  }
  return out;
}

async function changeAddress(
  k: Kernel,
  ns: NsRef,
  a: AddressNorm,
  type: number,
  flags: number,
): Promise<void> {
  const index = await k.index(ns, a.link);
  const body = encodeAddress({
    index,
    family: a.cidr.family,
    bytes: a.cidr.bytes,
    prefix: a.cidr.prefix,
    scope: SCOPE[a.scope],
    ...(a.broadcast !== undefined ? { broadcast: parseIp('broadcast', a.broadcast).bytes } : {}),
    flags: a.noDad ? IFA_F_NODAD : 0,
  });
  await k.t.request(ns, {
    type,
    body,
    flags,
    detail: `address ${a.address} on "${a.link}" ${where(ns)}`,
  });
}

export async function addAddress(k: Kernel, ns: NsRef, spec: AddressSpec): Promise<void> {
  await changeAddress(k, ns, normalizeAddress(spec), RTM.NEWADDR, CREATE);
}

export async function deleteAddress(k: Kernel, ns: NsRef, spec: AddressSpec): Promise<void> {
  await changeAddress(k, ns, normalizeAddress(spec), RTM.DELADDR, 0);
}

export async function listRoutes(k: Kernel, ns: NsRef, filter: RouteFilter = {}): Promise<readonly Route[]> {
  const family = filter.family === 4 ? AF_INET : filter.family === 6 ? AF_INET6 : AF_UNSPEC;
  const header = {
    family,
    dstLen: 0,
    srcLen: 0,
    tos: 0,
    table: 0,
    protocol: 0,
    scope: 0,
    type: 0,
    flags: 0,
  };
  const [names, bodies] = await Promise.all([
    k.names(ns),
    k.t.dump(ns, {
      type: RTM.GETROUTE,
      body: encodeRtMsg(header),
      detail: `listing routes ${where(ns)}`,
    }),
  ]);
  const out: Route[] = [];
  for (const body of bodies) {
    const r = decodeRoute(body);
    const type = r ? routeTypeName(r.type) : undefined;
    if (!r || !type) continue;
    if (filter.table !== undefined && r.table !== filter.table) continue;
    if (filter.family !== undefined && r.family !== filter.family) continue;
    out.push({
      family: r.family,
      dst: r.dst,
      table: r.table,
      type,
      scope: scopeName(r.scope),
      protocol: protocolName(r.protocol),
      ...(r.gateway ? { gateway: r.gateway } : {}),
      ...(r.oif !== undefined ? { dev: names.get(r.oif) ?? `if${r.oif}` } : {}),
      ...(r.src ? { src: r.src } : {}),
      ...(r.metric !== undefined ? { metric: r.metric } : {}),
      onlink: r.onlink,
    });
  }
  return out;
}

async function changeRoute(
  k: Kernel,
  ns: NsRef,
  r: RouteNorm,
  op: { type: number; flags: number; del: boolean },
): Promise<void> {
  const oif = r.dev === undefined ? undefined : await k.index(ns, r.dev);
  const body = encodeRoute({
    family: r.family,
    dst: r.cidr.bytes,
    dstLen: r.cidr.prefix,
    table: r.table,
    type: RTN[r.type],
    // A delete matches any scope and protocol unless the caller named them (RT_SCOPE_NOWHERE
    // and RTPROT_UNSPEC are the kernel's wildcards in fib_table_delete).
    scope: op.del && !r.scopeGiven ? SCOPE.nowhere : SCOPE[r.scope],
    protocol: op.del ? RTPROT.unspec : RTPROT[r.protocol],
    ...(r.gateway !== undefined ? { gateway: parseIp('gateway', r.gateway).bytes } : {}),
    ...(oif !== undefined ? { oif } : {}),
    ...(r.src !== undefined ? { src: parseIp('src', r.src).bytes } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
    onlink: r.onlink,
  });
  const via = r.gateway ? ` via ${r.gateway}` : '';
  const dev = r.dev ? ` dev ${r.dev}` : '';
  await k.t.request(ns, {
    type: op.type,
    body,
    flags: op.flags,
    detail: `route ${r.dst}${via}${dev} table ${r.table} ${where(ns)}`,
  });
}

export async function addRoute(k: Kernel, ns: NsRef, spec: RouteSpec): Promise<void> {
  await changeRoute(k, ns, normalizeRoute(spec), { type: RTM.NEWROUTE, flags: CREATE, del: false });
}

export async function replaceRoute(k: Kernel, ns: NsRef, spec: RouteSpec): Promise<void> {
  const flags = NLM_F.CREATE | NLM_F.REPLACE;
  await changeRoute(k, ns, normalizeRoute(spec), { type: RTM.NEWROUTE, flags, del: false });
}

export async function deleteRoute(k: Kernel, ns: NsRef, spec: RouteSpec): Promise<void> {
  await changeRoute(k, ns, normalizeRoute(spec, 'delete'), { type: RTM.DELROUTE, flags: 0, del: true });
}
