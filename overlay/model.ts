/**
 * The overlay's slim view of the API: a Node cut down to what the agent programs (name, pod
 * range, underlay address, VTEP MAC, backend), and the annotations the agent publishes on its
 * own Node so every other node can program a route to it. This is the only file where API
 * shapes enter the overlay (docs/architecture.md §6 step 2).
 *
 * Annotations (flannel keeps the same facts under `flannel.alpha.coreos.com/backend-data`,
 * `…/backend-type` and `…/public-ip`; ours are one plain value each):
 * - `switchyard.io/overlay-backend`: `vxlan` or `host-gw`;
 * - `switchyard.io/overlay-vtep-mac`: the node's VXLAN device MAC (vxlan only);
 * - `switchyard.io/overlay-public-ip`: the underlay address other nodes send to.
 */
import type { Node } from '../lib/api/index.js';
import { isIPv4, macFromString } from '../lib/net/index.js';

/** How pod traffic reaches another node. */
export type Backend = 'vxlan' | 'host-gw';

/** The annotation names the agent reads on every Node and writes on its own. */
export const ANNOTATIONS = {
  backend: 'switchyard.io/overlay-backend',
  vtepMac: 'switchyard.io/overlay-vtep-mac',
  publicIP: 'switchyard.io/overlay-public-ip',
} as const;

/** One node as the overlay sees it. */
export interface OverlayNode {
  readonly name: string;
  /** The node's IPv4 pod range (the first IPv4 of spec.podCIDRs, else spec.podCIDR). */
  readonly podCIDR?: string;
  /** The underlay address: the published public IP, else the first IPv4 InternalIP. */
  readonly nodeIP?: string;
  /** The published public IP annotation as written (compared when publishing). */
  readonly publicIP?: string;
  /** The published VTEP MAC (vxlan). */
  readonly vtepMac?: string;
  /** The published backend; absent while no agent runs on the node. */
  readonly backend?: Backend;
}

function backendOf(v: string | undefined): Backend | undefined {
  return v === 'vxlan' || v === 'host-gw' ? v : undefined;
}

/** Converts a Node (the informer's transform). */
export function toOverlayNode(node: Node): OverlayNode {
  const annotations = node.metadata.annotations ?? {};
  const cidrs = node.spec?.podCIDRs?.length
    ? node.spec.podCIDRs
    : node.spec?.podCIDR
      ? [node.spec.podCIDR]
      : [];
  const podCIDR = cidrs.find((c) => isIPv4(c.split('/')[0] ?? ''));
  const published = annotations[ANNOTATIONS.publicIP];
  const internal = node.status?.addresses?.find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address;
  const nodeIP = published && isIPv4(published) ? published : internal;
  const vtepMac = annotations[ANNOTATIONS.vtepMac];
  const backend = backendOf(annotations[ANNOTATIONS.backend]);
  return {
    name: node.metadata.name ?? '',
    ...(podCIDR ? { podCIDR } : {}),
    ...(nodeIP ? { nodeIP } : {}),
    ...(published ? { publicIP: published } : {}),
    ...(vtepMac ? { vtepMac: vtepMac.toLowerCase() } : {}),
    ...(backend ? { backend } : {}),
  };
}

/** What the agent publishes on its own Node. */
export interface Publication {
  readonly backend: Backend;
  readonly publicIP: string;
  /** vxlan only. */
  readonly vtepMac?: string;
}

/**
 * The merge patch that publishes `p` on the own Node, or undefined when the Node already
 * carries exactly these values (a restart writes nothing). A host-gw node drops a stale MAC.
 */
export function publicationPatch(current: OverlayNode | undefined, p: Publication): object | undefined {
  const mac = p.vtepMac ?? null;
  if (
    current &&
    current.backend === p.backend &&
    current.publicIP === p.publicIP &&
    (current.vtepMac ?? null) === mac
  )
    return undefined;
  return {
    metadata: {
      annotations: {
        [ANNOTATIONS.backend]: p.backend,
        [ANNOTATIONS.publicIP]: p.publicIP,
        [ANNOTATIONS.vtepMac]: mac,
      },
    },
  };
}

/**
 * The VTEP MAC of a node: derived from its name (locally administered, unicast), so a restart
 * or a recreated device keeps the MAC every peer already has in its FDB and neighbour table.
 */
export function vtepMacFor(nodeName: string): string {
  return macFromString(`overlay/${nodeName}`);
}
