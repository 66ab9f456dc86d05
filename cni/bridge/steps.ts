/**
 * The named steps of a bridge ADD, each a small idempotent kernel change with iproute2.
 * The bridge lives in the plugin's (the runtime's) namespace; the container side is reached
 * through CNI_NETNS by path.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CniCode, CniError, familyOf, type ResultIp, type ResultRoute } from '../../lib/cni/index.js';
import { isAlreadyExists } from '../../lib/errors/index.js';
import { findAddrs, findLink, type IpLink, ip, ipBatch } from '../ip/index.js';
import type { BridgeConfig } from './config.js';

/** Creates the bridge if missing (a concurrent creator is fine) and brings it up. */
export function ensureBridge(conf: BridgeConfig): IpLink {
  let link = findLink(conf.bridge);
  if (!link) {
    const args = ['link', 'add', 'name', conf.bridge];
    if (conf.mtu !== undefined) args.push('mtu', String(conf.mtu));
    args.push('type', 'bridge');
    if (conf.vlan) args.push('vlan_filtering', '1');
    try {
      ip(args);
    } catch (err: unknown) {
      // Parallel ADDs race to create it (containernetworking/plugins#366): EEXIST means we lost.
      if (!isAlreadyExists(err)) throw err;
    }
    link = findLink(conf.bridge);
  }
  if (link?.linkinfo?.info_kind !== 'bridge') {
    throw new CniError(CniCode.InvalidNetworkConfig, `bridge: ${conf.bridge} exists and is not a bridge`, {
      field: 'bridge',
    });
  }
  const up = ['link set dev', conf.bridge, 'up'];
  if (conf.promiscMode) up.push('promisc on');
  ipBatch([up.join(' ')]);
  return findLink(conf.bridge) ?? link;
}

/** A fresh host-side veth name: `veth` + 8 hex digits, as the reference bridge uses. */
export function hostVethName(): string {
  return `veth${randomBytes(4).toString('hex')}`;
}

/** Creates the veth pair with its peer named `ifname` inside `netns`, and enslaves the host end. */
export function createVeth(conf: BridgeConfig, opts: { host: string; ifname: string; netns: string }): void {
  const mtu = conf.mtu === undefined ? [] : ['mtu', String(conf.mtu)];
  const mac = conf.mac === undefined ? [] : ['address', conf.mac];
  ip([
    'link',
    'add',
    opts.host,
    ...mtu,
    'type',
    'veth',
    'peer',
    'name',
    opts.ifname,
    ...mtu,
    ...mac,
    'netns',
    opts.netns,
  ]);
  const lines = [`link set dev ${opts.host} master ${conf.bridge}`];
  if (conf.hairpinMode) lines.push(`link set dev ${opts.host} type bridge_slave hairpin on`);
  lines.push(`link set dev ${opts.host} up`);
  ipBatch(lines);
  if (conf.vlan) {
    // Tag the port: the pod's frames enter and leave on VLAN `vlan`, untagged on the veth.
    const r = spawnSync('bridge', ['-batch', '-'], {
      input: `vlan del dev ${opts.host} vid 1\nvlan add dev ${opts.host} vid ${conf.vlan} pvid untagged\n`,
      encoding: 'utf8',
    });
    if (r.status !== 0)
      throw new CniError(
        CniCode.KernelFailure,
        `bridge vlan ${conf.vlan} on ${opts.host}: ${r.stderr.trim()}`,
      );
  }
}

/**
 * Puts the addresses and routes on the container interface and brings it up. IPv6 addresses
 * skip DAD (`nodad`): the address is ours by allocation, and DAD would delay the pod by
 * seconds (kubernetes/kubernetes#54651).
 */
export function configureContainer(opts: {
  netns: string;
  ifname: string;
  ips: readonly ResultIp[];
  routes: readonly ResultRoute[];
}): void {
  const lines = opts.ips.map(
    (a) => `addr add ${a.address} dev ${opts.ifname}${familyOf(a.address) === '6' ? ' nodad' : ''}`,
  );
  lines.push(`link set dev ${opts.ifname} up`);
  for (const r of opts.routes) {
    const gw = r.gw ?? opts.ips.find((a) => familyOf(a.address) === familyOf(r.dst))?.gateway;
    let line = `route add ${r.dst}${gw ? ` via ${gw}` : ''} dev ${opts.ifname}`;
    if (r.mtu !== undefined) line += ` mtu ${r.mtu}`;
    if (r.priority !== undefined) line += ` metric ${r.priority}`;
    if (r.table !== undefined) line += ` table ${r.table}`;
    lines.push(line);
  }
  ipBatch(lines, { netns: opts.netns });
}

function prefixOf(cidr: string): number {
  return Number(cidr.split('/')[1]);
}

/**
 * Puts each gateway (with its subnet's prefix) on the bridge. A different global address of the
 * same family there is an error unless `forceAddress`, which replaces it (the flannel
 * subnet-change case, flannel-io/flannel#1258).
 */
export function ensureGateways(conf: BridgeConfig, ips: readonly ResultIp[]): void {
  const wanted = ips.filter((a) => a.gateway).map((a) => `${a.gateway}/${prefixOf(a.address)}`);
  if (wanted.length === 0) return;
  const have = (findAddrs(conf.bridge)?.addr_info ?? []).filter((a) => a.scope !== 'link');
  for (const gw of wanted) {
    if (have.some((h) => `${h.local}/${h.prefixlen}` === gw)) continue;
    const fam = familyOf(gw);
    for (const other of have.filter((h) => familyOf(h.local) === fam)) {
      const text = `${other.local}/${other.prefixlen}`;
      if (!conf.forceAddress) {
        throw new CniError(
          CniCode.InvalidNetworkConfig,
          `bridge: ${conf.bridge} already has an IP address ${text} different from ${gw}`,
          {
            field: 'forceAddress',
          },
        );
      }
      ip(['addr', 'del', text, 'dev', conf.bridge]);
    }
    try {
      ip(['addr', 'add', gw, 'dev', conf.bridge, ...(fam === '6' ? ['nodad'] : [])]);
    } catch (err: unknown) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  // A gateway forwards (RFC 1812): enable forwarding for each family it serves, in this namespace.
  for (const fam of new Set(wanted.map(familyOf))) {
    writeFileSync(
      fam === '4' ? '/proc/sys/net/ipv4/ip_forward' : '/proc/sys/net/ipv6/conf/all/forwarding',
      '1',
    );
  }
}
