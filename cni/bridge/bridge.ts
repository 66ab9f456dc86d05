/**
 * The bridge plugin. ADD runs named steps and registers an undo for each; if any later step
 * fails, the undos run in reverse, so a failed ADD leaves no veth, reservation or nft element
 * (the reference bridge leaves its veth when IPAM fails). DEL is best effort and idempotent:
 * it succeeds with CNI_NETNS empty or gone and without prevResult, and always releases IPAM.
 */
import {
  CniCode,
  CniError,
  familyOf,
  type Result,
  type ResultInterface,
  type ResultIp,
  type ResultRoute,
} from '../../lib/cni/index.js';
import { formatCidr, parseCidr } from '../../lib/net/ip.js';
import { findAddrs, findLink, type IpAddrLink, type IpCommand, nftApply, runBatch } from '../ip/index.js';
import { netnsFault, type Plugin, type PluginCall, resultProblem } from '../skel/index.js';
import { type BridgeConfig, parseBridgeConfig } from './config.js';
import { ipamFor } from './ipam.js';

/**
 * The nft transaction builders, loaded only when ipMasq is on: most networks do not masquerade,
 * and every module evaluated costs start-up time on every CNI call.
 */
function masq(): Promise<typeof import('./masq.js')> {
  return import('./masq.js');
}

import { deleteLink, ensureGateways, hostVethName, setUpContainerSide, setUpHostSide } from './steps.js';

type Undo = () => unknown;

async function runUndos(undos: Undo[]): Promise<void> {
  for (const undo of undos.reverse()) {
    try {
      await undo();
    } catch {
      // Keep undoing: the original error is the one to report.
    }
  }
}

function withDefaultRoutes(
  conf: BridgeConfig,
  ips: readonly ResultIp[],
  routes: readonly ResultRoute[],
): ResultRoute[] {
  const out = [...routes];
  if (!conf.isDefaultGateway) return out;
  for (const a of ips) {
    const fam = familyOf(a.address);
    const dst = fam === '4' ? '0.0.0.0/0' : '::/0';
    if (a.gateway && !out.some((r) => r.dst === dst)) out.push({ dst, gw: a.gateway });
  }
  return out;
}

/** ADD: bridge, veth, IPAM, container addresses and routes, gateway, masquerading; undone on failure. */
export async function bridgeAdd(call: PluginCall<BridgeConfig>): Promise<Result> {
  const { conf, env } = call;
  const host = hostVethName();
  // Fails with code 100 before IPAM when CNI_IFNAME exists in the container (SPEC.md §"ADD").
  const side = setUpHostSide(conf, { host, ifname: env.ifname, netns: env.netns });
  const undos: Undo[] = [() => deleteLink(host)];
  try {
    const ipam = ipamFor(call);
    let ipamResult: Result = { cniVersion: '1.1.0', ips: [], routes: [] };
    if (ipam) {
      ipamResult = await ipam.add();
      undos.push(() => ipam.del());
      // A delegated IPAM's addresses and routes go to `ip` next: hold them to the same rules.
      const bad = resultProblem(ipamResult, 'ipam result');
      if (bad)
        throw new CniError(CniCode.DelegateFailed, `${bad.field}: ${bad.problem}`, { field: bad.field });
    }
    const ips = (ipamResult.ips ?? []).map((a) => ({ ...a, interface: 2 }));
    const routes = withDefaultRoutes(conf, ips, ipamResult.routes ?? []);
    const inner = setUpContainerSide({ netns: env.netns, ifname: env.ifname, ips, routes });
    if (conf.isGateway) ensureGateways(conf, side.bridge, ips);
    if (conf.ipMasq && ips.length > 0) {
      const { masqAdd, masqDel } = await masq();
      nftApply(masqAdd(ips.map((a) => ({ address: a.address, subnet: formatCidr(parseCidr(a.address)) }))));
      undos.push(() => nftApply(masqDel(ips.map((a) => a.address))));
    }
    const iface = (
      name: string,
      link: { address?: string } | undefined,
      sandbox?: string,
    ): ResultInterface => ({
      name,
      ...(link?.address ? { mac: link.address } : {}),
      ...(sandbox ? { sandbox } : {}),
    });
    return {
      cniVersion: '1.1.0',
      interfaces: [
        iface(conf.bridge, side.bridge),
        iface(host, side.veth),
        iface(env.ifname, inner, env.netns),
      ],
      ips,
      // The reference bridge leaves `routes` out when there are none; do the same.
      ...(routes.length > 0 ? { routes } : {}),
      dns: ipamResult.dns ?? call.raw.dns ?? {},
    };
  } catch (err: unknown) {
    await runUndos(undos);
    throw err;
  }
}

/** DEL: remove the container interface (its veth peer goes with it), release IPAM, drop masq elements. */
export async function bridgeDel(call: PluginCall<BridgeConfig>): Promise<void> {
  const { conf, env } = call;
  const addresses = new Set((conf.prevResult?.ips ?? []).map((a) => a.address.split('/')[0] ?? ''));
  if (env.netns !== '' && !netnsFault(env.netns)) {
    // One exec: read the addresses (for ipMasq) and delete the link. A failure means the
    // interface is already gone, which is the goal (DEL is best effort).
    const lines: IpCommand[] = conf.ipMasq ? [['addr', 'show', 'dev', env.ifname]] : [];
    lines.push(['link', 'del', 'dev', env.ifname]);
    const out = runBatch(lines, { netns: env.netns });
    const link = out.shows[0]?.[0] as IpAddrLink | undefined;
    for (const a of link?.addr_info ?? []) if (a.scope !== 'link') addresses.add(a.local);
  }
  const ipam = ipamFor(call);
  const released = ipam ? await ipam.del() : [];
  for (const a of released) addresses.add(a);
  addresses.delete('');
  if (conf.ipMasq && addresses.size > 0) nftApply((await masq()).masqDel([...addresses]));
}

/** CHECK: the interfaces and addresses of prevResult must still be there, and IPAM must agree. */
export async function bridgeCheck(call: PluginCall<BridgeConfig>): Promise<void> {
  const { conf, env } = call;
  const prev = conf.prevResult;
  if (!prev)
    throw new CniError(CniCode.InvalidNetworkConfig, 'prevResult: required for CHECK', {
      field: 'prevResult',
    });
  const inner = findAddrs(env.ifname, { netns: env.netns });
  if (!inner) throw new CniError(CniCode.CheckFailed, `${env.ifname} not found in ${env.netns}`);
  if (!inner.flags?.includes('UP'))
    throw new CniError(CniCode.CheckFailed, `${env.ifname} in ${env.netns} is down`);
  const have = new Set((inner.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
  for (const a of prev.ips ?? []) {
    if (!have.has(a.address))
      throw new CniError(CniCode.CheckFailed, `${env.ifname} lacks address ${a.address}`);
  }
  const hostSide = prev.interfaces?.find((i) => !i.sandbox && i.name !== conf.bridge);
  if (hostSide) {
    const link = findLink(hostSide.name);
    if (link?.master !== conf.bridge) {
      throw new CniError(CniCode.CheckFailed, `${hostSide.name} is not a port of ${conf.bridge}`);
    }
  }
  await ipamFor(call)?.check(prev);
}

/** The bridge as a CNI plugin. */
export const bridgePlugin: Plugin<BridgeConfig> = {
  name: 'bridge',
  // As the reference bridge: MAC only (an IP= for host-local needs IgnoreUnknown=1 there too).
  cniArgs: ['MAC'],
  parse: parseBridgeConfig,
  add: bridgeAdd,
  del: bridgeDel,
  check: bridgeCheck,
  status: async (call) => {
    await ipamFor(call)?.status();
  },
  gc: async (call, valid) => {
    const released = (await ipamFor(call)?.gc(valid)) ?? [];
    if (call.conf.ipMasq && released.length > 0) nftApply((await masq()).masqDel(released));
  },
};
