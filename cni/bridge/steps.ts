/**
 * The named steps of a bridge ADD. Each step is one `ip -json -batch` (changes plus the reads
 * that follow them), so a whole ADD costs two execs in the common case: the host side (bridge,
 * veth, port flags) and the container side (addresses, routes). The bridge lives in the
 * plugin's (the runtime's) namespace; the container is reached through CNI_NETNS by path.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CniCode, CniError, familyOf, type ResultIp, type ResultRoute } from '../../lib/cni/index.js';
import { isAlreadyExists } from '../../lib/errors/index.js';
import { parseCidr } from '../../lib/net/ip.js';
import {
  type IpAddrLink,
  type IpCommand,
  type IpLink,
  ip,
  localLinkNames,
  runBatch,
  spawnSync,
} from '../ip/index.js';
import type { BridgeConfig } from './config.js';

/**
 * A fresh host-side veth name: `veth` + 8 hex digits, as the reference bridge uses. Math.random
 * is enough (a collision fails the ADD cleanly with EEXIST) and avoids loading node:crypto.
 */
export function hostVethName(): string {
  return `veth${Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0')}`;
}

/** What the host-side step leaves for the next steps and the result. */
export interface HostSide {
  readonly bridge: IpAddrLink | undefined;
  readonly veth: IpLink | undefined;
}

function hostLines(
  conf: BridgeConfig,
  o: { host: string; ifname: string; netns: string },
  createBridge: boolean,
) {
  const lines: IpCommand[] = [];
  const mtu = conf.mtu === undefined ? [] : ['mtu', String(conf.mtu)];
  if (createBridge) {
    lines.push([
      'link',
      'add',
      'name',
      conf.bridge,
      ...mtu,
      'type',
      'bridge',
      ...(conf.vlan ? ['vlan_filtering', '1'] : []),
    ]);
  }
  lines.push(['link', 'set', 'dev', conf.bridge, 'up', ...(conf.promiscMode ? ['promisc', 'on'] : [])]);
  const vethLine = lines.length;
  const mac = conf.mac === undefined ? [] : ['address', conf.mac];
  lines.push([
    'link',
    'add',
    o.host,
    ...mtu,
    'type',
    'veth',
    'peer',
    'name',
    o.ifname,
    ...mtu,
    ...mac,
    'netns',
    o.netns,
  ]);
  lines.push(['link', 'set', 'dev', o.host, 'master', conf.bridge]);
  if (conf.hairpinMode) lines.push(['link', 'set', 'dev', o.host, 'type', 'bridge_slave', 'hairpin', 'on']);
  lines.push(['link', 'set', 'dev', o.host, 'up']);
  lines.push(['addr', 'show', 'dev', conf.bridge], ['link', 'show', 'dev', o.host]);
  return { lines, vethLine };
}

/**
 * Ensures the bridge (created if missing, up, promisc) and creates the veth pair with its peer
 * named `ifname` inside `netns`, enslaved, hairpin set, up. The veth creation doubles as the
 * spec's "interface already exists" check (EEXIST from the peer's namespace), and it runs
 * before IPAM. On a failure after the veth exists, the veth is deleted again.
 */
export function setUpHostSide(
  conf: BridgeConfig,
  o: { host: string; ifname: string; netns: string },
): HostSide {
  let createBridge = !localLinkNames().has(conf.bridge);
  for (let attempt = 0; ; attempt++) {
    const { lines, vethLine } = hostLines(conf, o, createBridge);
    const out = runBatch(lines);
    if (out.ok) {
      if (conf.vlan) setVlan(conf, o.host);
      return {
        bridge: out.shows[0]?.[0] as IpAddrLink | undefined,
        veth: out.shows[1]?.[0] as IpLink | undefined,
      };
    }
    const failed = out.failedLine ?? -1;
    // Parallel ADDs race to create the bridge (containernetworking/plugins#366): lost = retry without.
    if (createBridge && failed === 0 && isAlreadyExists(out.error) && attempt === 0) {
      createBridge = false;
      continue;
    }
    if (failed === vethLine && isAlreadyExists(out.error)) {
      throw new CniError(
        CniCode.InterfaceExists,
        `container veth name provided (${o.ifname}) already exists`,
      );
    }
    if (failed > vethLine || failed < 0) deleteLink(o.host);
    throw out.error ?? new CniError(CniCode.KernelFailure, `ip batch failed: ${JSON.stringify(lines)}`);
  }
}

function setVlan(conf: BridgeConfig, host: string): void {
  // Tag the port: the pod's frames enter and leave on VLAN `vlan`, untagged on the veth.
  const r = spawnSync('bridge', ['-batch', '-'], {
    input: `vlan del dev ${host} vid 1\nvlan add dev ${host} vid ${conf.vlan} pvid untagged\n`,
  });
  if (r.status !== 0) {
    deleteLink(host);
    throw new CniError(CniCode.KernelFailure, `bridge vlan ${conf.vlan} on ${host}: ${r.stderr.trim()}`);
  }
}

/** Deletes a host link; a missing one is fine. */
export function deleteLink(name: string): void {
  try {
    ip(['link', 'del', 'dev', name]);
  } catch {
    // gone already
  }
}

/**
 * Puts the addresses and routes on the container interface, brings it up, and reads it back
 * (for its MAC). IPv6 addresses skip DAD (`nodad`): the address is ours by allocation, and DAD
 * would delay the pod by seconds (kubernetes/kubernetes#54651).
 */
export function setUpContainerSide(o: {
  netns: string;
  ifname: string;
  ips: readonly ResultIp[];
  routes: readonly ResultRoute[];
}): IpLink | undefined {
  const dev = ['dev', o.ifname];
  const lines: IpCommand[] = o.ips.map((a) => [
    'addr',
    'add',
    a.address,
    ...dev,
    ...(familyOf(a.address) === '6' ? ['nodad'] : []),
  ]);
  lines.push(['link', 'set', ...dev, 'up']);
  for (const r of o.routes) {
    const gw = r.gw ?? o.ips.find((a) => familyOf(a.address) === familyOf(r.dst))?.gateway;
    const line = ['route', 'add', r.dst, ...(gw ? ['via', gw] : []), ...dev];
    if (r.mtu !== undefined) line.push('mtu', String(r.mtu));
    if (r.priority !== undefined) line.push('metric', String(r.priority));
    if (r.table !== undefined) line.push('table', String(r.table));
    lines.push(line);
  }
  lines.push(['link', 'show', ...dev]);
  const out = runBatch(lines, { netns: o.netns });
  if (!out.ok) throw out.error ?? new CniError(CniCode.KernelFailure, `configuring ${o.ifname} failed`);
  return out.shows[0]?.[0] as IpLink | undefined;
}

/**
 * Puts each gateway (with its subnet's prefix) on the bridge, given the bridge's addresses as
 * read in the host-side step. A different global address of the same family there is an error
 * unless `forceAddress`, which replaces it (the flannel subnet-change case, flannel-io/flannel#1258).
 */
export function ensureGateways(
  conf: BridgeConfig,
  bridge: IpAddrLink | undefined,
  ips: readonly ResultIp[],
): void {
  const wanted = ips.filter((a) => a.gateway).map((a) => `${a.gateway}/${parseCidr(a.address).prefixLength}`);
  if (wanted.length === 0) return;
  const have = (bridge?.addr_info ?? []).filter((a) => a.scope !== 'link');
  for (const gw of wanted) {
    if (have.some((h) => `${h.local}/${h.prefixlen}` === gw)) continue;
    const fam = familyOf(gw);
    for (const other of have.filter((h) => familyOf(h.local) === fam)) {
      const text = `${other.local}/${other.prefixlen}`;
      if (!conf.forceAddress) {
        throw new CniError(
          CniCode.InvalidNetworkConfig,
          `bridge: ${conf.bridge} already has an IP address ${text} different from ${gw}`,
          { field: 'forceAddress' },
        );
      }
      ip(['addr', 'del', text, 'dev', conf.bridge]);
    }
    try {
      ip(['addr', 'add', gw, 'dev', conf.bridge, ...(fam === '6' ? ['nodad'] : [])]);
    } catch (err: unknown) {
      // Another ADD put it there in between: that is what we wanted.
      if (!isAlreadyExists(err)) throw err;
    }
  }
  // A gateway forwards (RFC 1812 §2.2.8): enable forwarding for each family it serves, here.
  for (const fam of new Set(wanted.map(familyOf))) {
    const file = fam === '4' ? '/proc/sys/net/ipv4/ip_forward' : '/proc/sys/net/ipv6/conf/all/forwarding';
    if (readFileSync(file, 'utf8').trim() !== '1') writeFileSync(file, '1');
  }
}
