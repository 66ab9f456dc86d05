/**
 * The lab's input: which lab (id), how many nodes, which load-balancer mode. Parsed, defaulted,
 * validated and frozen once here (STYLE.md habit 6); everything downstream trusts it.
 */
import { invalid } from '../lib/errors/index.js';

/** How LoadBalancer IPs are announced: ARP on the LAN, or BGP to the router (docs/architecture.md §4). */
export type LbMode = 'l2' | 'bgp';

/** A validated, frozen lab description. */
export interface LabSpec {
  /** Identifies the lab; every namespace name starts with `sy-<labId>-`. */
  readonly labId: string;
  /** Number of nodes, `node-1` … `node-N`. */
  readonly nodes: number;
  readonly lbMode: LbMode;
}

/** Raw input for {@link labSpec}; missing fields take the defaults. */
export interface LabSpecInput {
  readonly labId: string;
  readonly nodes?: number;
  readonly lbMode?: string;
}

/** docs/architecture.md §3: `up` starts three nodes unless told otherwise. */
export const DEFAULT_NODES = 3;

/**
 * Node i lives at 172.30.0.(10+i) and the client at 172.30.0.100, so 89 nodes is the most the
 * address plan of docs/architecture.md §4 can hold without the two colliding.
 */
export const MAX_NODES = 89;

/**
 * Lab ids become part of namespace names and of the run-id convention `sy-<id>-…`; keep them to
 * lower-case letters, digits and inner dashes, short enough that names stay readable.
 */
const LAB_ID = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

/** Validates and freezes a lab description; errors name the field (`nodes: must be …`). */
export function labSpec(input: LabSpecInput): LabSpec {
  if (typeof input.labId !== 'string' || !LAB_ID.test(input.labId)) {
    throw invalid(
      'labId',
      `must be 1–32 lower-case letters, digits or inner dashes, got ${JSON.stringify(input.labId)}`,
    );
  }
  const nodes = input.nodes ?? DEFAULT_NODES;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw invalid('nodes', `must be an integer 1–${MAX_NODES}, got ${String(nodes)}`);
  }
  const lbMode = input.lbMode ?? 'l2';
  if (lbMode !== 'l2' && lbMode !== 'bgp') {
    throw invalid('lbMode', `must be "l2" or "bgp", got ${JSON.stringify(lbMode)}`);
  }
  return Object.freeze({ labId: input.labId, nodes, lbMode });
}

/** The namespace-name prefix of a lab: `sy-<labId>-`. */
export function labPrefix(labId: string): string {
  return `sy-${labId}-`;
}
