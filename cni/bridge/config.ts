/**
 * The bridge plugin's config: parse → default → validate in one place; errors name the field.
 * Keys and defaults follow the reference bridge (notes/cni.md §2.1); keys match
 * case-insensitively as Go's JSON decoder does.
 */
import type { NetConf, Result } from '../../lib/cni/index.js';
import { invalid } from '../../lib/errors/index.js';
import { getCi, type IpamConfig, parseIpamConfig } from '../host-local/index.js';
import { type CniEnv, ifnameProblem, parsePrevResult } from '../skel/index.js';

/** The validated bridge configuration. */
export interface BridgeConfig {
  readonly network: string;
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly isDefaultGateway: boolean;
  readonly forceAddress: boolean;
  readonly ipMasq: boolean;
  readonly hairpinMode: boolean;
  readonly promiscMode: boolean;
  readonly mtu: number | undefined;
  readonly vlan: number | undefined;
  /** MAC for the container interface (args.cni.mac, runtimeConfig.mac or CNI_ARGS MAC=). */
  readonly mac: string | undefined;
  /** The IPAM plugin type, or undefined for an L2-only network (`ipam: {}`). */
  readonly ipamType: string | undefined;
  /** host-local's parsed config when the IPAM type is host-local (validated before any change). */
  readonly hostLocal: IpamConfig | undefined;
  readonly prevResult: Result | undefined;
}

/** Defaults, in one visible place. */
export const BRIDGE_DEFAULTS = { bridge: 'cni0' } as const;

type Obj = Readonly<Record<string, unknown>>;

function bool(conf: Obj, key: string): boolean {
  const v = getCi(conf, key);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalid(key, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function int(conf: Obj, key: string, min: number, max: number): number | undefined {
  const v = getCi(conf, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(key, `must be an integer ${min}–${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function macOf(conf: NetConf, env: CniEnv): string | undefined {
  const found: { v: unknown; field: string }[] = [];
  const cni = conf.args && typeof conf.args === 'object' ? getCi(conf.args, 'cni') : undefined;
  if (cni && typeof cni === 'object') found.push({ v: getCi(cni as Obj, 'mac'), field: 'args.cni.mac' });
  if (conf.runtimeConfig) found.push({ v: getCi(conf.runtimeConfig, 'mac'), field: 'runtimeConfig.mac' });
  found.push({ v: env.args.get('MAC'), field: 'CNI_ARGS MAC' });
  for (const { v, field } of found) {
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || !MAC.test(v))
      throw invalid(field, `not a MAC address: ${JSON.stringify(v)}`);
    return v.toLowerCase();
  }
  return undefined;
}

/** Parses the bridge config; host-local IPAM is parsed too, so a bad IPAM config fails before any change. */
export function parseBridgeConfig(conf: NetConf, env: CniEnv): BridgeConfig {
  const bridge = getCi(conf, 'bridge') ?? BRIDGE_DEFAULTS.bridge;
  if (typeof bridge !== 'string') throw invalid('bridge', 'must be an interface name');
  const p = ifnameProblem(bridge);
  if (p) throw invalid('bridge', p);
  const hairpinMode = bool(conf, 'hairpinMode');
  const promiscMode = bool(conf, 'promiscMode');
  // The reference bridge refuses both: in promiscuous mode the bridge itself would receive the
  // hairpinned frames a second time.
  if (hairpinMode && promiscMode) throw invalid('promiscMode', 'cannot be set with hairpinMode');
  const isDefaultGateway = bool(conf, 'isDefaultGateway');
  const ipam = conf.ipam;
  if (ipam === undefined || ipam === null || typeof ipam !== 'object' || Array.isArray(ipam)) {
    throw invalid('ipam', 'must be an object ({} for no IP addresses)');
  }
  const ipamType = getCi(ipam, 'type');
  if (ipamType !== undefined && (typeof ipamType !== 'string' || ipamType === '')) {
    throw invalid('ipam.type', 'must be a plugin name');
  }
  return {
    network: conf.name,
    bridge,
    isGateway: bool(conf, 'isGateway') || isDefaultGateway,
    isDefaultGateway,
    forceAddress: bool(conf, 'forceAddress'),
    ipMasq: bool(conf, 'ipMasq'),
    hairpinMode,
    promiscMode,
    mtu: int(conf, 'mtu', 68, 65535),
    vlan: int(conf, 'vlan', 0, 4094),
    mac: macOf(conf, env),
    ipamType: ipamType as string | undefined,
    hostLocal: ipamType === 'host-local' ? parseIpamConfig(conf, env) : undefined,
    prevResult: parsePrevResult(conf),
  };
}
