/**
 * portmap's config: `runtimeConfig.portMappings` (capability `portMappings`), matched
 * case-insensitively — containerd 1.6 sends `HostPort`/`ContainerPort`/`Protocol`/`HostIP`,
 * podman `hostPort`/… (notes/cni.md §1.2) — plus `snat` (default true) and `masqAll`.
 */
import { familyOf, type NetConf, type Result } from '../../lib/cni/index.js';
import { invalid } from '../../lib/errors/index.js';
import { tryParseIp } from '../../lib/net/ip.js';
import { getCi } from '../host-local/index.js';
import { parsePrevResult } from '../skel/index.js';

/** One host port forwarded to the container. */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  /** Only traffic to this host address is forwarded; undefined means any local address. */
  readonly hostIP: string | undefined;
}

/** The validated portmap configuration. */
export interface PortmapConfig {
  readonly mappings: readonly PortMapping[];
  readonly snat: boolean;
  readonly masqAll: boolean;
  readonly prevResult: Result | undefined;
}

type Obj = Readonly<Record<string, unknown>>;

function port(m: Obj, key: string, field: string): number {
  const v = getCi(m, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw invalid(`${field}.${key}`, `must be a port 1–65535, got ${JSON.stringify(v)}`);
  }
  return v;
}

function parseMapping(raw: unknown, field: string): PortMapping {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(field, 'must be an object');
  const m = raw as Obj;
  const protoRaw = getCi(m, 'protocol') ?? 'tcp';
  const protocol = typeof protoRaw === 'string' ? protoRaw.toLowerCase() : '';
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') {
    throw invalid(`${field}.protocol`, `must be tcp, udp or sctp, got ${JSON.stringify(protoRaw)}`);
  }
  const hostIPRaw = getCi(m, 'hostIP');
  let hostIP: string | undefined;
  if (hostIPRaw !== undefined && hostIPRaw !== null && hostIPRaw !== '') {
    const ip = typeof hostIPRaw === 'string' ? tryParseIp(hostIPRaw) : undefined;
    if (!ip) throw invalid(`${field}.hostIP`, `not an IP address: ${JSON.stringify(hostIPRaw)}`);
    hostIP = hostIPRaw as string;
  }
  return {
    hostPort: port(m, 'hostPort', field),
    containerPort: port(m, 'containerPort', field),
    protocol,
    hostIP,
  };
}

function bool(conf: Obj, key: string, dflt: boolean): boolean {
  const v = getCi(conf, key);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw invalid(key, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Parses and validates the portmap config. */
export function parsePortmapConfig(conf: NetConf): PortmapConfig {
  const rc = conf.runtimeConfig ?? {};
  const raw = getCi(rc, 'portMappings') ?? [];
  if (!Array.isArray(raw)) throw invalid('runtimeConfig.portMappings', 'must be a list');
  const mappings = raw.map((m: unknown, i) => parseMapping(m, `runtimeConfig.portMappings[${i}]`));
  const seen = new Set<string>();
  mappings.forEach((m, i) => {
    const key = `${m.hostIP ?? '*'}/${m.protocol}/${m.hostPort}/${m.hostIP ? familyOf(m.hostIP) : ''}`;
    if (seen.has(key))
      throw invalid(`runtimeConfig.portMappings[${i}]`, `duplicate ${m.protocol} host port ${m.hostPort}`);
    seen.add(key);
  });
  return {
    mappings,
    snat: bool(conf, 'snat', true),
    masqAll: bool(conf, 'masqAll', false),
    prevResult: parsePrevResult(conf),
  };
}
