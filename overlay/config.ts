/**
 * The overlay agent's configuration: its own flags parsed, defaulted, validated and frozen
 * once; an error names the flag. The common flags (`--kubeconfig`, `--log-level`,
 * `--metrics-addr`) are lib/component's.
 */
import { type FlagDecl, type FlagValues, parseDuration } from '../lib/component/index.js';
import { invalid } from '../lib/errors/index.js';
import { formatCidr, isIPv4, parseCidr } from '../lib/net/index.js';
import type { Backend } from './model.js';

/** The overlay's own flags, for the CLI's parser. */
export const OVERLAY_FLAGS = {
  'node-name': { type: 'string' },
  backend: { type: 'string' },
  vni: { type: 'string' },
  iface: { type: 'string' },
  'node-ip': { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'resync-period': { type: 'string' },
  netns: { type: 'string' },
} as const satisfies Readonly<Record<string, FlagDecl>>;

/** Defaults, in one visible place. */
export const OVERLAY_DEFAULTS = {
  backend: 'vxlan',
  vni: 1,
  clusterCIDR: '10.244.0.0/16',
  resyncPeriodMs: 10_000,
} as const;

/** How the underlay address is found. */
export type UnderlaySource =
  | { readonly kind: 'node' }
  | { readonly kind: 'ip'; readonly ip: string }
  | { readonly kind: 'iface'; readonly iface: string };

export interface OverlayConfig {
  readonly nodeName: string;
  readonly backend: Backend;
  /** 1–16777215 (RFC 7348 §5; 0 is valid on the wire but flannel and we start at 1). */
  readonly vni: number;
  /** `--iface`, `--node-ip`, or the Node's InternalIP. */
  readonly underlay: UnderlaySource;
  readonly clusterCIDR: string;
  readonly resyncPeriodMs: number;
  /** A named network namespace to program (the lab); absent: the agent's own. */
  readonly netns?: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses and validates the flags; throws `invalid('--flag', …)`. */
export function parseOverlayConfig(values: FlagValues): OverlayConfig {
  const get = (name: keyof typeof OVERLAY_FLAGS): string | undefined => {
    const v = values[name];
    if (v === true) throw invalid(`--${name}`, 'needs a value');
    return typeof v === 'string' ? v : undefined;
  };
  const nodeName = get('node-name');
  if (!nodeName) throw invalid('--node-name', 'is required');
  if (nodeName.length > 253 || !DNS1123_SUBDOMAIN.test(nodeName))
    throw invalid('--node-name', `must be a lower-case DNS subdomain (RFC 1123), got "${nodeName}"`);
  const backend = get('backend') ?? OVERLAY_DEFAULTS.backend;
  if (backend !== 'vxlan' && backend !== 'host-gw')
    throw invalid('--backend', `must be vxlan or host-gw, got "${backend}"`);
  const vniText = get('vni');
  const vni =
    vniText === undefined ? OVERLAY_DEFAULTS.vni : /^\d+$/.test(vniText) ? Number(vniText) : Number.NaN;
  if (!Number.isInteger(vni) || vni < 1 || vni > 16_777_215)
    throw invalid('--vni', `must be an integer 1–16777215, got "${vniText}"`);
  const iface = get('iface');
  const ip = get('node-ip');
  if (iface !== undefined && ip !== undefined)
    throw invalid('--iface', 'give --iface or --node-ip, not both');
  if (iface !== undefined && !/^[A-Za-z0-9_.-]{1,15}$/.test(iface))
    throw invalid('--iface', `must be an interface name of 1–15 characters, got "${iface}"`);
  if (ip !== undefined && !isIPv4(ip)) throw invalid('--node-ip', `must be an IPv4 address, got "${ip}"`);
  const underlay: UnderlaySource =
    iface !== undefined ? { kind: 'iface', iface } : ip !== undefined ? { kind: 'ip', ip } : { kind: 'node' };
  const cidrText = get('cluster-cidr') ?? OVERLAY_DEFAULTS.clusterCIDR;
  const cidr = parseCidr(cidrText, '--cluster-cidr');
  if (cidr.family !== 4) throw invalid('--cluster-cidr', `must be an IPv4 range, got "${cidrText}"`);
  const clusterCIDR = formatCidr(cidr);
  if (clusterCIDR !== cidrText)
    throw invalid('--cluster-cidr', `has host bits set; the network is ${clusterCIDR}`);
  const resync = get('resync-period');
  const resyncPeriodMs =
    resync === undefined ? OVERLAY_DEFAULTS.resyncPeriodMs : parseDuration('--resync-period', resync);
  const netns = get('netns');
  if (netns !== undefined && !/^[A-Za-z0-9_.-]+$/.test(netns))
    throw invalid('--netns', `must be a network namespace name, got "${netns}"`);
  return Object.freeze({
    nodeName,
    backend,
    vni,
    underlay,
    clusterCIDR,
    resyncPeriodMs,
    ...(netns !== undefined ? { netns } : {}),
  });
}
