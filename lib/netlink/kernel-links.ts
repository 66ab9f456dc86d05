/**
 * The kernel adapter's link operations: RTM_NEWLINK (create with IFLA_LINKINFO, or change by
 * index), RTM_DELLINK, RTM_GETLINK (by name, or dumped) and RTM_SETLINK for bridge ports.
 */
import { isNotFound, notFound } from '../errors/index.js';
import { AF_BRIDGE, IFF, RTM } from './codec/constants.js';
import { parseIp, parseMac } from './codec/ip.js';
import {
  bridgeData,
  encodeBridgePort,
  encodeLinkRef,
  encodeNewLink,
  encodeSetLink,
  type LinkRecord,
  vethData,
  vxlanData,
} from './codec/link.js';
import { CREATE, type Kernel, where, withNsFd } from './kernel-ctx.js';
import { checkBridge, checkLinkChange, checkVeth, normalizeVxlan } from './specs.js';
import type {
  BridgePortChange,
  BridgePortFlags,
  BridgeSpec,
  Link,
  LinkChange,
  NsRef,
  VethSpec,
  VxlanSpec,
} from './types.js';
import { checkLinkName } from './validate.js';

export function toLink(r: LinkRecord, names: ReadonlyMap<number, string>): Link {
  const vx = r.vxlan;
  return {
    index: r.index,
    name: r.name,
    ...(r.kind ? { kind: r.kind } : {}),
    up: (r.flags & IFF.UP) !== 0,
    lowerUp: (r.flags & IFF.LOWER_UP) !== 0,
    mtu: r.mtu,
    ...(r.mac ? { mac: r.mac } : {}),
    promisc: (r.flags & IFF.PROMISC) !== 0,
    ...(r.masterIndex !== undefined ? { master: names.get(r.masterIndex) ?? `if${r.masterIndex}` } : {}),
    ...(r.linkIndex !== undefined ? { linkIndex: r.linkIndex } : {}),
    ...(vx
      ? {
          vxlan: {
            vni: vx.vni,
            ...(vx.local ? { local: vx.local } : {}),
            ...(vx.group ? { group: vx.group } : {}),
            dstPort: vx.dstPort,
            ...(vx.devIndex !== undefined ? { dev: names.get(vx.devIndex) ?? `if${vx.devIndex}` } : {}),
            learning: vx.learning,
            ...(vx.portRange ? { portRange: vx.portRange } : {}),
            ttl: vx.ttl,
          },
        }
      : {}),
    ...(r.kind === 'bridge' ? { bridge: { vlanFiltering: r.vlanFiltering ?? false } } : {}),
  };
}

export async function listLinks(k: Kernel, ns: NsRef): Promise<readonly Link[]> {
  const records = await k.linkRecords(ns);
  const names = new Map(records.map((r) => [r.index, r.name]));
  return records.map((r) => toLink(r, names));
}

export async function getLink(k: Kernel, ns: NsRef, name: string): Promise<Link> {
  checkLinkName('name', name);
  const r = await k.record(ns, name);
  const needNames = r.masterIndex !== undefined || r.vxlan?.devIndex !== undefined;
  return toLink(r, needNames ? await k.names(ns) : new Map());
}

export async function findLink(k: Kernel, ns: NsRef, name: string): Promise<Link | undefined> {
  try {
    return await getLink(k, ns, name);
  } catch (err: unknown) {
    // A missing link is a kernel answer (it carries a syscall); a missing namespace is not.
    if (isNotFound(err) && err.syscall !== undefined) return undefined;
    throw err;
  }
}

export async function createVeth(k: Kernel, ns: NsRef, spec: VethSpec): Promise<void> {
  checkVeth(spec);
  await withNsFd(spec.peerNs, async (peerFd) => {
    const body = encodeNewLink({
      name: spec.name,
      kind: 'veth',
      ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
      ...(spec.mac !== undefined ? { mac: parseMac('mac', spec.mac) } : {}),
      data: vethData({
        name: spec.peerName,
        ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
        ...(spec.peerMac !== undefined ? { mac: parseMac('peerMac', spec.peerMac) } : {}),
        ...(peerFd !== undefined ? { netnsFd: peerFd } : {}),
      }),
    });
    const peerWhere = spec.peerNs === undefined ? '' : ` (peer in "${spec.peerNs}")`;
    await k.t.request(ns, {
      type: RTM.NEWLINK,
      body,
      flags: CREATE,
      detail: `veth "${spec.name}"/"${spec.peerName}" ${where(ns)}${peerWhere}`,
    });
  });
}

export async function createBridge(k: Kernel, ns: NsRef, spec: BridgeSpec): Promise<void> {
  checkBridge(spec);
  const body = encodeNewLink({
    name: spec.name,
    kind: 'bridge',
    ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
    ...(spec.mac !== undefined ? { mac: parseMac('mac', spec.mac) } : {}),
    data: bridgeData(spec.vlanFiltering === undefined ? {} : { vlanFiltering: spec.vlanFiltering }),
  });
  await k.t.request(ns, {
    type: RTM.NEWLINK,
    body,
    flags: CREATE,
    detail: `bridge "${spec.name}" ${where(ns)}`,
  });
}

export async function createVxlan(k: Kernel, ns: NsRef, spec: VxlanSpec): Promise<void> {
  const v = normalizeVxlan(spec);
  const devIndex = v.dev === undefined ? undefined : await k.index(ns, v.dev);
  const body = encodeNewLink({
    name: v.name,
    kind: 'vxlan',
    ...(v.mtu !== undefined ? { mtu: v.mtu } : {}),
    ...(v.mac !== undefined ? { mac: parseMac('mac', v.mac) } : {}),
    data: vxlanData({
      vni: v.vni,
      ...(v.group !== undefined ? { group: parseIp('group', v.group).bytes } : {}),
      ...(v.local !== undefined ? { local: parseIp('local', v.local).bytes } : {}),
      ...(devIndex !== undefined ? { devIndex } : {}),
      dstPort: v.dstPort,
      learning: v.learning,
      ...(v.portRange !== undefined ? { portRange: v.portRange } : {}),
      ttl: v.ttl,
    }),
  });
  await k.t.request(ns, {
    type: RTM.NEWLINK,
    body,
    flags: CREATE,
    detail: `vxlan "${v.name}" (vni ${v.vni}) ${where(ns)}`,
  });
}

export async function setLink(k: Kernel, ns: NsRef, change: LinkChange): Promise<void> {
  checkLinkChange(change);
  const mac = change.mac === undefined ? undefined : parseMac('mac', change.mac);
  // rtnl_newlink finds a link by IFLA_IFNAME when the index is 0, saving a lookup; a rename
  // needs IFLA_IFNAME for the new name, so then the index is looked up first.
  const index = change.newName === undefined ? 0 : await k.index(ns, change.name);
  const masterIndex =
    change.master === undefined ? undefined : change.master === null ? 0 : await k.index(ns, change.master);
  await withNsFd(change.netns, async (netnsFd) => {
    const body = encodeSetLink({
      index,
      name: change.name,
      ...(change.up !== undefined ? { up: change.up } : {}),
      ...(change.promisc !== undefined ? { promisc: change.promisc } : {}),
      ...(change.mtu !== undefined ? { mtu: change.mtu } : {}),
      ...(mac !== undefined ? { mac } : {}),
      ...(masterIndex !== undefined ? { masterIndex } : {}),
      ...(change.newName !== undefined ? { newName: change.newName } : {}),
      ...(netnsFd !== undefined ? { netnsFd } : {}),
    });
    await k.t.request(ns, {
      type: RTM.NEWLINK,
      body,
      flags: 0,
      detail: `link "${change.name}" ${where(ns)}`,
    });
  });
}

export async function getBridgePort(k: Kernel, ns: NsRef, name: string): Promise<BridgePortFlags> {
  checkLinkName('name', name);
  const index = await k.index(ns, name);
  const port = (await k.linkRecords(ns, AF_BRIDGE)).find((r) => r.index === index)?.port;
  if (!port) throw notFound('bridge port', name);
  return port;
}

export async function setBridgePort(k: Kernel, ns: NsRef, change: BridgePortChange): Promise<void> {
  checkLinkName('name', change.name);
  const index = await k.index(ns, change.name);
  const flags: { hairpin?: boolean; learning?: boolean } = {};
  if (change.hairpin !== undefined) flags.hairpin = change.hairpin;
  if (change.learning !== undefined) flags.learning = change.learning;
  await k.t.request(ns, {
    type: RTM.SETLINK,
    body: encodeBridgePort(index, flags),
    flags: 0,
    detail: `bridge port "${change.name}" ${where(ns)}`,
  });
}

export async function deleteLink(k: Kernel, ns: NsRef, name: string): Promise<void> {
  checkLinkName('name', name);
  await k.t.request(ns, {
    type: RTM.DELLINK,
    body: encodeLinkRef({ name }),
    flags: 0,
    detail: `link "${name}" ${where(ns)}`,
  });
}
