/**
 * `switchyard status` for the lab: each namespace, its links (up/down, carrier), addresses,
 * processes, and whether its LAN address answers a ping from the fabric. Reading is here;
 * `formatStatus` turns the result into text and is pure.
 */
import { runInNetns } from '../lib/netns/index.js';
import { kernelNetns, type LabNetlink, type NetnsOps } from './apply.js';
import { FABRIC, nodeAddress } from './plan.js';
import { pidsInNetns } from './procs.js';
import type { LabLease, LabState } from './state.js';

/** One link in a status report. */
export interface LinkStatus {
  readonly name: string;
  readonly up: boolean;
  /** Carrier: for a veth, both ends are up. */
  readonly lowerUp: boolean;
  readonly master?: string;
}

/** One namespace in a status report. */
export interface NamespaceStatus {
  readonly target: string;
  readonly name: string;
  readonly exists: boolean;
  /** The member's LAN address. */
  readonly address: string;
  readonly links: readonly LinkStatus[];
  /** IPv4 addresses in CIDR form. */
  readonly addresses: readonly string[];
  readonly processes: number;
  /** Whether the address answered a ping from the fabric; undefined for the fabric itself. */
  readonly reachable?: boolean;
}

/** A lab at a glance. */
export interface LabStatus {
  readonly state: LabState;
  readonly lease: LabLease | undefined;
  readonly namespaces: readonly NamespaceStatus[];
}

/** The LAN address of a target, from docs/architecture.md §4. */
export function targetAddress(target: string): string {
  if (target === 'fabric') return FABRIC.fabricAddress;
  if (target === 'control-plane') return FABRIC.controlPlaneAddress;
  if (target === 'client') return FABRIC.clientAddress;
  if (target === 'router') return FABRIC.routerAddress;
  return nodeAddress(Number(target.slice('node-'.length)));
}

/** Options for {@link readStatus}. */
export interface StatusOptions {
  readonly netlink: LabNetlink;
  readonly netns?: NetnsOps;
  readonly lease?: LabLease;
}

/** Reads the status of a lab; namespaces are probed in parallel. */
export async function readStatus(state: LabState, options: StatusOptions): Promise<LabStatus> {
  const present = new Set((options.netns ?? kernelNetns).list());
  const pids = pidsInNetns(state.namespaces.map((n) => n.name).filter((n) => present.has(n)));
  const fabric = state.namespaces.find((n) => n.target === 'fabric');
  const fabricUp = fabric !== undefined && present.has(fabric.name);
  const namespaces = await Promise.all(
    state.namespaces.map(async (n): Promise<NamespaceStatus> => {
      const address = targetAddress(n.target);
      if (!present.has(n.name)) {
        return {
          target: n.target,
          name: n.name,
          exists: false,
          address,
          links: [],
          addresses: [],
          processes: 0,
        };
      }
      const [links, addresses, reachable] = await Promise.all([
        options.netlink.listLinks(n.name),
        options.netlink.listAddresses(n.name, { family: 4 }),
        n.target === 'fabric' || !fabricUp || !fabric
          ? Promise.resolve(undefined)
          : runInNetns(
              fabric.name,
              { cmd: 'ping', args: ['-c1', '-W1', '-q', address] },
              { timeoutMs: 5000 },
            ).then(
              (r) => r.exitCode === 0,
              () => false,
            ),
      ]);
      return {
        target: n.target,
        name: n.name,
        exists: true,
        address,
        links: links.map((l) => ({
          name: l.name,
          up: l.up,
          lowerUp: l.lowerUp,
          ...(l.master === undefined ? {} : { master: l.master }),
        })),
        addresses: addresses.map((a) => `${a.address}`),
        processes: pids.get(n.name)?.length ?? 0,
        ...(reachable === undefined ? {} : { reachable }),
      };
    }),
  );
  return { state, lease: options.lease, namespaces };
}

function linkText(l: LinkStatus): string {
  const state = !l.up ? 'DOWN' : l.lowerUp || l.name === 'lo' ? 'UP' : 'NO-CARRIER';
  return `${l.name}:${state}`;
}

/** A status report as text: a header and one line per namespace. Pure. */
export function formatStatus(status: LabStatus): string {
  const { state, lease } = status;
  const owner =
    lease === undefined
      ? 'no lease (see "switchyard lab clean")'
      : lease.owner.kind === 'detached'
        ? 'detached (until "switchyard down")'
        : `process ${lease.owner.pid}`;
  const healthy = status.namespaces.every((n) => n.exists && n.reachable !== false);
  const lines = [
    `lab ${state.labId}: ${state.nodes} node(s), lb-mode ${state.lbMode}, owner ${owner}, ${healthy ? 'healthy' : 'DEGRADED'}`,
  ];
  const width = Math.max(...status.namespaces.map((n) => n.target.length));
  const nameWidth = Math.max(...status.namespaces.map((n) => n.name.length));
  for (const n of status.namespaces) {
    const head = `  ${n.target.padEnd(width)}  ${n.name.padEnd(nameWidth)}`;
    if (!n.exists) {
      lines.push(`${head}  MISSING`);
      continue;
    }
    const reach = n.reachable === undefined ? '' : n.reachable ? '  ping ok' : '  ping FAILED';
    const links = n.links.map(linkText).join(' ');
    const addrs = n.addresses.filter((a) => !a.startsWith('127.')).join(' ') || '-';
    lines.push(`${head}  ${addrs}  [${links}]  ${n.processes} process(es)${reach}`);
  }
  return `${lines.join('\n')}\n`;
}
