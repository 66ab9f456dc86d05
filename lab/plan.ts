/**
 * The pure core of the lab: a validated {@link LabSpec} becomes the full list of namespaces,
 * links, addresses, routes and sysctls of docs/architecture.md §4. No I/O here; `apply.ts` is the adapter.
 *
 * Topology: one "fabric" namespace holds the bridge `fabric0` (172.30.0.1/16, no uplink); every
 * other member (control plane, nodes, client, router) has one veth whose `eth0` end lives in the
 * member's namespace and whose other end is a port of `fabric0`. Both ends are created directly in
 * their namespaces, so the root namespace never sees an interface.
 *
 * Routes are minimal on purpose: 172.30.0.0/16 is one LAN, so the connected route the kernel adds
 * with each address reaches every member. There is no default route: with no uplink, traffic to
 * anything else fails at once (ENETUNREACH) instead of timing out behind the router. The one
 * exception is BGP mode, where the client reaches the LoadBalancer pool through the router,
 * which learns the pool's routes from the nodes' speakers.
 */
import type { LabSpec } from './spec.js';
import { labPrefix } from './spec.js';

/** What a lab namespace is for. */
export type LabRole = 'fabric' | 'control-plane' | 'node' | 'client' | 'router';

/** One lab namespace and the name users give it (`switchyard exec TARGET`). */
export interface PlannedNamespace {
  /** The exec target: `fabric`, `control-plane`, `client`, `router`, `node-1` … */
  readonly target: string;
  readonly role: LabRole;
  /** The kernel name: `sy-<labId>-<target>`. */
  readonly name: string;
  /** The member's LAN address without prefix length, e.g. `172.30.0.11`. */
  readonly address: string;
}

/** A bridge in a namespace. */
export interface PlannedBridge {
  readonly namespace: string;
  readonly name: string;
}

/** A veth pair whose two ends are created directly in two namespaces. */
export interface PlannedVeth {
  readonly namespace: string;
  readonly name: string;
  readonly peerNamespace: string;
  readonly peerName: string;
  /** The bridge (in `peerNamespace`) the peer end is enslaved to. */
  readonly peerMaster: string;
}

/** An address (CIDR notation) on a device. */
export interface PlannedAddress {
  readonly namespace: string;
  readonly dev: string;
  readonly cidr: string;
}

/** A route beyond the connected ones. */
export interface PlannedRoute {
  readonly namespace: string;
  readonly dst: string;
  readonly via: string;
  readonly dev: string;
}

/** A sysctl under /proc/sys, written inside a namespace. */
export interface PlannedSysctl {
  readonly namespace: string;
  /** Dotted key, e.g. `net.ipv4.ip_forward`. */
  readonly key: string;
  readonly value: string;
}

/** A device to set administratively up. */
export interface PlannedLinkUp {
  readonly namespace: string;
  readonly dev: string;
}

/** Everything the adapter has to make true, in the order it should be made true. */
export interface LabPlan {
  readonly spec: LabSpec;
  readonly prefix: string;
  readonly namespaces: readonly PlannedNamespace[];
  readonly bridges: readonly PlannedBridge[];
  readonly veths: readonly PlannedVeth[];
  readonly addresses: readonly PlannedAddress[];
  readonly routes: readonly PlannedRoute[];
  readonly sysctls: readonly PlannedSysctl[];
  readonly up: readonly PlannedLinkUp[];
}

/** The LAN of docs/architecture.md §4 and the fixed addresses on it. */
export const FABRIC = Object.freeze({
  cidr: '172.30.0.0/16',
  prefixLength: 16,
  bridge: 'fabric0',
  /** The member-side name of every veth. */
  memberDev: 'eth0',
  fabricAddress: '172.30.0.1',
  controlPlaneAddress: '172.30.0.2',
  clientAddress: '172.30.0.100',
  routerAddress: '172.30.0.254',
  /** docs/architecture.md §4: the LoadBalancer pool. */
  lbPool: '172.30.200.0/24',
});

/** The address of node i (1-based): 172.30.0.(10+i). */
export function nodeAddress(i: number): string {
  return `172.30.0.${10 + i}`;
}

/** The exec targets of a lab with `nodes` nodes, in a stable order. */
export function labTargets(nodes: number): string[] {
  const out = ['fabric', 'control-plane'];
  for (let i = 1; i <= nodes; i++) out.push(`node-${i}`);
  out.push('client', 'router');
  return out;
}

const TARGET = /^(fabric|control-plane|client|router|node-[1-9][0-9]*)$/;

/**
 * The exec target of a namespace if it belongs to the lab with this prefix, else undefined.
 * A plain prefix test is not enough: lab `a` must not claim `sy-a-b-fabric` of lab `a-b`.
 */
export function labTargetOf(prefix: string, namespace: string): string | undefined {
  if (!namespace.startsWith(prefix)) return undefined;
  const target = namespace.slice(prefix.length);
  return TARGET.test(target) ? target : undefined;
}

/**
 * The fabric-side name of a member's veth. Interface names are limited to 15 bytes (IFNAMSIZ
 * 16 with the NUL); `veth-control-plane` would not fit, so the control plane is `veth-cp`.
 */
export function fabricPortName(target: string): string {
  return target === 'control-plane' ? 'veth-cp' : `veth-${target}`;
}

function members(spec: LabSpec): PlannedNamespace[] {
  const prefix = labPrefix(spec.labId);
  const ns = (target: string, role: LabRole, address: string): PlannedNamespace => ({
    target,
    role,
    name: `${prefix}${target}`,
    address,
  });
  const out = [
    ns('fabric', 'fabric', FABRIC.fabricAddress),
    ns('control-plane', 'control-plane', FABRIC.controlPlaneAddress),
  ];
  for (let i = 1; i <= spec.nodes; i++) out.push(ns(`node-${i}`, 'node', nodeAddress(i)));
  out.push(ns('client', 'client', FABRIC.clientAddress), ns('router', 'router', FABRIC.routerAddress));
  return out;
}

function sysctlsFor(member: PlannedNamespace): PlannedSysctl[] {
  const set = (key: string, value: string): PlannedSysctl => ({ namespace: member.name, key, value });
  switch (member.role) {
    // Nodes route pod traffic (the pod CIDR 10.244.i.0/24 sits behind them) and kube-proxy
    // style DNAT needs forwarding on.
    case 'node':
      return [set('net.ipv4.ip_forward', '1')];
    // The router forwards between LAN hosts on the same port; RFC 1812 §5.2.7.2 would have it
    // send ICMP redirects, which would teach the client to bypass it and so defeat BGP mode.
    case 'router':
      return [set('net.ipv4.ip_forward', '1'), set('net.ipv4.conf.all.send_redirects', '0')];
    default:
      return [];
  }
}

/** Builds the lab's desired state from its spec. Pure and deterministic. */
export function planLab(spec: LabSpec): LabPlan {
  const prefix = labPrefix(spec.labId);
  const namespaces = members(spec);
  const fabric = namespaces[0] as PlannedNamespace;
  const others = namespaces.slice(1);
  const cidr = (address: string): string => `${address}/${FABRIC.prefixLength}`;

  const bridges: PlannedBridge[] = [{ namespace: fabric.name, name: FABRIC.bridge }];
  const veths: PlannedVeth[] = others.map((m) => ({
    namespace: m.name,
    name: FABRIC.memberDev,
    peerNamespace: fabric.name,
    peerName: fabricPortName(m.target),
    peerMaster: FABRIC.bridge,
  }));
  const addresses: PlannedAddress[] = [
    { namespace: fabric.name, dev: FABRIC.bridge, cidr: cidr(fabric.address) },
    ...others.map((m) => ({ namespace: m.name, dev: FABRIC.memberDev, cidr: cidr(m.address) })),
  ];
  const routes: PlannedRoute[] = [];
  if (spec.lbMode === 'bgp') {
    const client = others.find((m) => m.role === 'client') as PlannedNamespace;
    routes.push({
      namespace: client.name,
      dst: FABRIC.lbPool,
      via: FABRIC.routerAddress,
      dev: FABRIC.memberDev,
    });
  }
  const up: PlannedLinkUp[] = [
    ...namespaces.map((m) => ({ namespace: m.name, dev: 'lo' })),
    { namespace: fabric.name, dev: FABRIC.bridge },
    ...others.flatMap((m) => [
      { namespace: fabric.name, dev: fabricPortName(m.target) },
      { namespace: m.name, dev: FABRIC.memberDev },
    ]),
  ];
  return Object.freeze({
    spec,
    prefix,
    namespaces,
    bridges,
    veths,
    addresses,
    routes,
    sysctls: namespaces.flatMap(sysctlsFor),
    up,
  });
}

/**
 * The plan as sorted text, one fact a line, with namespaces shown by target so the dump does
 * not depend on the lab id. Tests compare it whole; it reads like a topology description.
 */
export function dumpPlan(plan: LabPlan): string {
  const target = (name: string): string =>
    name.startsWith(plan.prefix) ? name.slice(plan.prefix.length) : name;
  const lines = [
    ...plan.namespaces.map((n) => `netns ${n.target} ${n.role} ${n.address}`),
    ...plan.bridges.map((b) => `bridge ${target(b.namespace)} ${b.name}`),
    ...plan.veths.map(
      (v) =>
        `veth ${target(v.namespace)}/${v.name} ${target(v.peerNamespace)}/${v.peerName} master ${v.peerMaster}`,
    ),
    ...plan.addresses.map((a) => `addr ${target(a.namespace)}/${a.dev} ${a.cidr}`),
    ...plan.routes.map((r) => `route ${target(r.namespace)} ${r.dst} via ${r.via} dev ${r.dev}`),
    ...plan.sysctls.map((s) => `sysctl ${target(s.namespace)} ${s.key}=${s.value}`),
    ...plan.up.map((u) => `up ${target(u.namespace)}/${u.dev}`),
  ];
  return `${lines.sort().join('\n')}\n`;
}
