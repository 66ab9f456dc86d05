/**
 * host-local's config: `ipam` of the network config, parsed → defaulted → validated in one
 * function. Keys match case-insensitively because runtimes and Go's JSON decoder do.
 * Defaults follow the reference plugin: rangeStart = network+1, rangeEnd = last usable,
 * gateway = network+1, dataDir /var/lib/cni/networks.
 */
import { readFileSync } from 'node:fs';
import { isJsonObject } from '../../lib/api/json.js';
import { type Dns, type NetConf, parseRoute, type ResultRoute } from '../../lib/cni/index.js';
import { invalid } from '../../lib/errors/index.js';
import { addressBits } from '../../lib/net/ip.js';
import type { CniEnv } from '../skel/index.js';
import { absolutePathProblem } from '../skel/input.js';
import {
  add,
  type Cidr,
  contains,
  formatIp,
  type Ip,
  lastAddress,
  mustIp,
  parseCidr,
  parseIp,
} from './ip.js';

/** One allocation range inside a subnet. */
export interface Range {
  readonly subnet: Cidr;
  readonly start: Ip;
  readonly end: Ip;
  readonly gateway: Ip | undefined;
}

/** A range set: one address is allocated from each set (one per family for dual-stack). */
export type RangeSet = readonly Range[];

/** The validated host-local configuration. */
export interface IpamConfig {
  readonly network: string;
  readonly dataDir: string;
  readonly rangeSets: readonly RangeSet[];
  readonly routes: readonly ResultRoute[];
  readonly dns: Dns | undefined;
  /** Addresses asked for by the runtime (args.cni.ips, runtimeConfig.ips, CNI_ARGS IP=). */
  readonly requested: readonly Ip[];
}

/** Default directory for reservations (the reference plugin's). */
export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

type Obj = Readonly<Record<string, unknown>>;

/** Looks a key up case-insensitively (exact match first). */
export function getCi(obj: Obj, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function parseRange(raw: unknown, field: string): Range {
  if (!isJsonObject(raw)) throw invalid(field, 'must be an object');
  const subnet = parseCidr(getCi(raw, 'subnet'), `${field}.subnet`);
  const fam = subnet.network.family;
  const hostBits = addressBits(fam) - subnet.prefix;
  // A /31 or /32 (/127, /128) leaves no address besides network and gateway to hand out.
  if (hostBits < 2)
    throw invalid(
      `${field}.subnet`,
      `network ${fam === 4 ? '/31 or /32' : '/127 or /128'} is too small to allocate from`,
    );
  const last = lastAddress(subnet);
  const within = (key: string, dflt: Ip): Ip => {
    const v = getCi(raw, key);
    if (v === undefined || v === null || v === '') return dflt;
    const ip = mustIp(v, `${field}.${key}`);
    if (!contains(subnet, ip))
      throw invalid(`${field}.${key}`, `${String(v)} is not in subnet ${String(getCi(raw, 'subnet'))}`);
    return ip;
  };
  const start = within('rangeStart', add(subnet.network, 1n));
  // IPv4: the broadcast address is not usable (RFC 919); IPv6 has no broadcast.
  const end = within('rangeEnd', fam === 4 ? add(last, -1n) : last);
  if (start.value > end.value) throw invalid(`${field}.rangeEnd`, 'is before rangeStart');
  const gateway = within('gateway', add(subnet.network, 1n));
  return { subnet, start, end, gateway };
}

function overlaps(a: Range, b: Range): boolean {
  return a.start.family === b.start.family && a.start.value <= b.end.value && b.start.value <= a.end.value;
}

function parseRangeSets(raw: unknown, field: string): RangeSet[] {
  if (!Array.isArray(raw)) throw invalid(field, 'must be a list of range sets');
  const sets = raw.map((set: unknown, i): RangeSet => {
    const f = `${field}[${i}]`;
    if (!Array.isArray(set) || set.length === 0) throw invalid(f, 'must be a non-empty list of ranges');
    const ranges = set.map((r: unknown, j) => parseRange(r, `${f}[${j}]`));
    const fam = ranges[0]?.subnet.network.family;
    ranges.forEach((r, j) => {
      if (r.subnet.network.family !== fam)
        throw invalid(`${f}[${j}].subnet`, 'mixes IPv4 and IPv6 in one range set');
    });
    return ranges;
  });
  const all = sets.flatMap((s, i) => s.map((r, j) => ({ r, at: `${field}[${i}][${j}]` })));
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      const x = all[a];
      const y = all[b];
      if (x && y && overlaps(x.r, y.r)) throw invalid(y.at, `overlaps ${x.at}`);
    }
  }
  return sets;
}

/** Reads a resolv.conf into CNI DNS settings (nameserver, domain, search, options lines). */
export function parseResolvConf(text: string): Dns {
  const nameservers: string[] = [];
  const search: string[] = [];
  const options: string[] = [];
  let domain: string | undefined;
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) nameservers.push(rest[0]);
    else if (key === 'domain' && rest[0]) domain = rest[0];
    else if (key === 'search') search.push(...rest);
    else if (key === 'options') options.push(...rest);
  }
  return {
    ...(nameservers.length ? { nameservers } : {}),
    ...(domain ? { domain } : {}),
    ...(search.length ? { search } : {}),
    ...(options.length ? { options } : {}),
  };
}

function requestedIps(conf: NetConf, env: CniEnv | undefined): Ip[] {
  const texts: { text: string; field: string }[] = [];
  const fromList = (v: unknown, field: string): void => {
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) throw invalid(field, 'must be a list of IP addresses');
    v.forEach((x: unknown, i) => {
      texts.push({ text: typeof x === 'string' ? x : JSON.stringify(x), field: `${field}[${i}]` });
    });
  };
  const cni = isJsonObject(conf.args) ? getCi(conf.args, 'cni') : undefined;
  if (isJsonObject(cni)) fromList(getCi(cni, 'ips'), 'args.cni.ips');
  if (isJsonObject(conf.runtimeConfig)) fromList(getCi(conf.runtimeConfig, 'ips'), 'runtimeConfig.ips');
  const ipArg = env?.args.get('IP');
  if (ipArg) for (const t of ipArg.split(',')) texts.push({ text: t.trim(), field: 'CNI_ARGS IP' });
  const out: Ip[] = [];
  for (const { text, field } of texts) {
    // Runtimes send either a bare address or one with its prefix (runtimeConfig.ips: "10.1.0.5/24").
    const ip = parseIp(text.split('/')[0] ?? '');
    if (!ip) throw invalid(field, `not an IP address: "${text}"`);
    if (!out.some((o) => o.family === ip.family && o.value === ip.value)) out.push(ip);
  }
  return out;
}

/** Parses, defaults and validates the `ipam` section (and the requests that ride with it). */
export function parseIpamConfig(conf: NetConf, env?: CniEnv): IpamConfig {
  const ipam = conf.ipam;
  if (!isJsonObject(ipam)) throw invalid('ipam', 'must be an object');
  const sets: RangeSet[] = [];
  const rc = isJsonObject(conf.runtimeConfig) ? getCi(conf.runtimeConfig, 'ipRanges') : undefined;
  if (rc !== undefined && rc !== null) sets.push(...parseRangeSets(rc, 'runtimeConfig.ipRanges'));
  const ranges = getCi(ipam, 'ranges');
  if (ranges !== undefined && ranges !== null) sets.push(...parseRangeSets(ranges, 'ipam.ranges'));
  // The deprecated single-range form: ipam.subnet (+ rangeStart, rangeEnd, gateway).
  if (getCi(ipam, 'subnet') !== undefined) sets.push([parseRange(ipam, 'ipam')]);
  if (sets.length === 0) throw invalid('ipam.ranges', 'no IP ranges specified');
  const routesRaw = getCi(ipam, 'routes') ?? [];
  if (!Array.isArray(routesRaw)) throw invalid('ipam.routes', 'must be a list');
  const routes = routesRaw.map((r: unknown, i) => {
    const f = `ipam.routes[${i}]`;
    const route = parseRoute(r, f);
    parseCidr(route.dst, `${f}.dst`);
    if (route.gw !== undefined) mustIp(route.gw, `${f}.gw`);
    return route;
  });
  // Reservations live under dataDir/<name> (name is checked by the skel); a relative dataDir
  // would depend on the runtime's working directory, which the spec leaves open.
  const dataDir = getCi(ipam, 'dataDir') ?? DEFAULT_DATA_DIR;
  if (typeof dataDir !== 'string') throw invalid('ipam.dataDir', 'must be an absolute path');
  const dirProblem = absolutePathProblem(dataDir);
  if (dirProblem) throw invalid('ipam.dataDir', dirProblem);
  const resolvConf = getCi(ipam, 'resolvConf');
  let dns: Dns | undefined;
  if (resolvConf !== undefined) {
    if (typeof resolvConf !== 'string') throw invalid('ipam.resolvConf', 'must be an absolute path');
    const fileProblem = absolutePathProblem(resolvConf);
    if (fileProblem) throw invalid('ipam.resolvConf', fileProblem);
    try {
      dns = parseResolvConf(readFileSync(resolvConf, 'utf8'));
    } catch (err: unknown) {
      throw invalid('ipam.resolvConf', `cannot read ${resolvConf}: ${(err as Error).message}`, err);
    }
  }
  const requested = requestedIps(conf, env);
  for (const ip of requested) {
    const inSet = sets.some((s) => s.some((r) => contains(r.subnet, ip)));
    if (!inSet) throw invalid('ips', `requested IP ${formatIp(ip)} is not in any configured range`);
  }
  return { network: conf.name, dataDir, rangeSets: sets, routes, dns, requested };
}
