/**
 * Result parsing and conversion between the 0.4.0 and 1.x shapes (SPEC.md §"Result types";
 * 0.4.0 carries `ips[].version` "4"/"6", 1.x drops it). Internally everything is 1.x.
 */
import { isJsonObject } from '../api/json.js';
import { familyOfText } from '../net/ip.js';
import { CniCode, CniError } from './errors.js';
import type { Dns, Result, ResultInterface, ResultIp, ResultRoute } from './types.js';
import { isV1 } from './version.js';

function bad(field: string, problem: string): CniError {
  return new CniError(CniCode.DecodeFailure, `${field}: ${problem}`, { field });
}

function str(obj: Readonly<Record<string, unknown>>, key: string, field: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${field}.${key}`, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function num(obj: Readonly<Record<string, unknown>>, key: string, field: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw bad(`${field}.${key}`, `must be an integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function strList(obj: Readonly<Record<string, unknown>>, key: string, field: string): string[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw bad(`${field}.${key}`, 'must be a list of strings');
  }
  return v as string[];
}

function list(obj: Readonly<Record<string, unknown>>, key: string, field: string): readonly unknown[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${field}.${key}`, 'must be a list');
  return v;
}

function record(v: unknown, field: string): Readonly<Record<string, unknown>> {
  if (!isJsonObject(v)) throw bad(field, 'must be an object');
  return v;
}

/** Copies only the defined entries, so optional keys stay absent (exactOptionalPropertyTypes). */
function compact<T extends object>(obj: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Parses a DNS object; `field` prefixes error messages. */
export function parseDns(raw: unknown, field: string): Dns {
  const d = record(raw, field);
  return compact<Dns>({
    nameservers: strList(d, 'nameservers', field),
    domain: str(d, 'domain', field),
    search: strList(d, 'search', field),
    options: strList(d, 'options', field),
  });
}

/** Parses one route object (`dst` required). */
export function parseRoute(raw: unknown, field: string): ResultRoute {
  const r = record(raw, field);
  const dst = str(r, 'dst', field);
  if (dst === undefined) throw bad(`${field}.dst`, 'is required');
  return compact<ResultRoute>({
    dst,
    gw: str(r, 'gw', field),
    mtu: num(r, 'mtu', field),
    advmss: num(r, 'advmss', field),
    priority: num(r, 'priority', field),
    table: num(r, 'table', field),
    scope: num(r, 'scope', field),
  });
}

/**
 * Parses a result of any supported version (e.g. `prevResult`, or a delegated plugin's stdout)
 * into the 1.x shape. `field` names where it came from, for error messages.
 */
export function parseResult(raw: unknown, field = 'prevResult'): Result {
  const r = record(raw, field);
  const cniVersion = str(r, 'cniVersion', field) ?? '1.0.0';
  const interfaces = list(r, 'interfaces', field).map((x, i): ResultInterface => {
    const f = `${field}.interfaces[${i}]`;
    const o = record(x, f);
    const name = str(o, 'name', f);
    if (name === undefined) throw bad(`${f}.name`, 'is required');
    return compact<ResultInterface>({
      name,
      mac: str(o, 'mac', f),
      mtu: num(o, 'mtu', f),
      sandbox: str(o, 'sandbox', f),
      socketPath: str(o, 'socketPath', f),
      pciID: str(o, 'pciID', f),
    });
  });
  const ips = list(r, 'ips', field).map((x, i): ResultIp => {
    const f = `${field}.ips[${i}]`;
    const o = record(x, f);
    const address = str(o, 'address', f);
    if (address === undefined) throw bad(`${f}.address`, 'is required');
    return compact<ResultIp>({ address, gateway: str(o, 'gateway', f), interface: num(o, 'interface', f) });
  });
  const routes = list(r, 'routes', field).map((x, i) => parseRoute(x, `${field}.routes[${i}]`));
  const dns = r.dns === undefined || r.dns === null ? undefined : parseDns(r.dns, `${field}.dns`);
  return compact<Result>({
    cniVersion,
    interfaces: r.interfaces === undefined ? undefined : interfaces,
    ips: r.ips === undefined ? undefined : ips,
    routes: r.routes === undefined ? undefined : routes,
    dns,
  });
}

/** The IP family of an address or CIDR as CNI 0.4.0's `ips[].version` spells it, by its text. */
export function familyOf(address: string): '4' | '6' {
  return familyOfText(address) === 6 ? '6' : '4';
}

/**
 * The JSON object to print for `result` when the config asked for `cniVersion`: the version is
 * stamped, and for 0.4.0 each IP gains its `version` field.
 */
export function formatResult(result: Result, cniVersion: string): Record<string, unknown> {
  const out: Record<string, unknown> = { cniVersion };
  if (result.interfaces !== undefined) out.interfaces = result.interfaces;
  if (result.ips !== undefined) {
    out.ips = isV1(cniVersion)
      ? result.ips
      : result.ips.map((ip) => ({ version: familyOf(ip.address), ...ip }));
  }
  if (result.routes !== undefined) out.routes = result.routes;
  out.dns = result.dns ?? {};
  return out;
}
