/**
 * IP address and CIDR math. ipaddr.js does the parsing; everything above it works on
 * `bigint` values so IPv4 and IPv6 share one code path (an IPv6 address is 128 bits).
 */
import ipaddr from 'ipaddr.js';
import { invalid } from '../errors/index.js';

/** An address family: 4 or 6. */
export type IpFamily = 4 | 6;

/** A parsed IP address: its family, canonical text and numeric value. */
export interface IpAddress {
  readonly family: IpFamily;
  /** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  readonly address: string;
  readonly value: bigint;
}

/** A parsed CIDR. `address` keeps the host bits as written; `network` has them cleared. */
export interface Cidr {
  readonly family: IpFamily;
  readonly address: string;
  readonly prefixLength: number;
  /** The network address (host bits zero). */
  readonly network: string;
}

/** Bits in an address of the family (32 or 128). */
export function addressBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

function toBigInt(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** The family of an address text, or undefined when it is not an IP address. */
export function familyOf(text: string): IpFamily | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return 4;
  if (ipaddr.IPv6.isValid(text) && !text.includes('%')) return 6;
  return undefined;
}

/** True for a dotted-quad IPv4 address. */
export function isIPv4(text: string): boolean {
  return familyOf(text) === 4;
}

/** True for an IPv6 address (without zone index). */
export function isIPv6(text: string): boolean {
  return familyOf(text) === 6;
}

/**
 * Parses an IP address. Only the strict dotted-quad IPv4 form is accepted (no `010.1` octal or
 * short forms, which inet_aton would read differently), so text round-trips exactly.
 */
export function parseIp(text: string, field = 'ip'): IpAddress {
  const family = typeof text === 'string' ? familyOf(text) : undefined;
  if (family === undefined) throw invalid(field, `invalid IP address ${JSON.stringify(text)}`);
  const parsed = ipaddr.parse(text);
  const value = toBigInt(parsed.toByteArray());
  return Object.freeze({ family, address: formatIp(value, family), value });
}

/** Formats a numeric address of the family as canonical text. */
export function formatIp(value: bigint, family: IpFamily): string {
  const bits = addressBits(family);
  if (value < 0n || value >= 1n << BigInt(bits)) {
    throw invalid('value', `${value} is outside the IPv${family} address space`);
  }
  const bytes: number[] = [];
  for (let i = bits / 8 - 1; i >= 0; i -= 1) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses `addr/len`. The error names the field and the bad value. */
export function parseCidr(text: string, field = 'cidr'): Cidr {
  const bad = (problem: string) => invalid(field, `invalid CIDR ${JSON.stringify(text)}: ${problem}`);
  if (typeof text !== 'string') throw bad('not a string');
  const slash = text.indexOf('/');
  if (slash < 0) throw bad('missing "/prefix-length"');
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const family = familyOf(addrText);
  if (family === undefined) throw bad(`${JSON.stringify(addrText)} is not an IP address`);
  const max = addressBits(family);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
    throw bad(`prefix length must be 0–${max}`);
  }
  const prefixLength = Number(lenText);
  const ip = parseIp(addrText, field);
  const network = formatIp(ip.value & prefixMask(family, prefixLength), family);
  return Object.freeze({ family, address: ip.address, prefixLength, network });
}

/** The netmask of a prefix length as a number. */
function prefixMask(family: IpFamily, prefixLength: number): bigint {
  const bits = BigInt(addressBits(family));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefixLength))) - 1n);
}

/** Canonical `network/len` text of a CIDR (host bits cleared). */
export function formatCidr(cidr: Cidr): string {
  return `${cidr.network}/${cidr.prefixLength}`;
}

function asCidr(cidr: Cidr | string): Cidr {
  return typeof cidr === 'string' ? parseCidr(cidr) : cidr;
}

function asIp(ip: IpAddress | string): IpAddress {
  return typeof ip === 'string' ? parseIp(ip) : ip;
}

/** How many addresses the CIDR spans (2^(bits − prefix)). */
export function addressCount(cidr: Cidr | string): bigint {
  const c = asCidr(cidr);
  return 1n << BigInt(addressBits(c.family) - c.prefixLength);
}

/** True when the address lies inside the CIDR; an address of the other family is never inside. */
export function contains(cidr: Cidr | string, ip: IpAddress | string): boolean {
  const c = asCidr(cidr);
  const a = asIp(ip);
  if (a.family !== c.family) return false;
  return (a.value & prefixMask(c.family, c.prefixLength)) === parseIp(c.network).value;
}

/**
 * The n-th address of the CIDR, counting from the network address (n = 0). A negative n counts
 * back from the last address (−1 = last), which is how allocators find the broadcast address.
 */
export function nthAddress(cidr: Cidr | string, n: number | bigint): string {
  const c = asCidr(cidr);
  const count = addressCount(c);
  let index = BigInt(n);
  if (index < 0n) index += count;
  if (index < 0n || index >= count) {
    throw invalid('n', `index ${n} is outside ${formatCidr(c)} (${count} addresses)`);
  }
  return formatIp(parseIp(c.network).value + index, c.family);
}

/** The address `delta` after `ip` (negative: before); errors past the end of the address space. */
export function offsetIp(ip: IpAddress | string, delta: number | bigint): string {
  const a = asIp(ip);
  return formatIp(a.value + BigInt(delta), a.family);
}

/** Orders two addresses: IPv4 before IPv6, then numerically. */
export function compareIp(a: IpAddress | string, b: IpAddress | string): number {
  const x = asIp(a);
  const y = asIp(b);
  if (x.family !== y.family) return x.family - y.family;
  return x.value < y.value ? -1 : x.value > y.value ? 1 : 0;
}

/** Options for {@link addresses}. */
export interface AddressRangeOptions {
  /** First index to yield (default 0, the network address). */
  readonly start?: number | bigint;
  /** Yield at most this many addresses (default: to the end of the CIDR). */
  readonly limit?: number;
}

/** Iterates the addresses of a CIDR in order. Lazy, so a /64 is fine with a limit. */
export function* addresses(cidr: Cidr | string, options: AddressRangeOptions = {}): Generator<string> {
  const c = asCidr(cidr);
  const count = addressCount(c);
  const base = parseIp(c.network).value;
  let i = BigInt(options.start ?? 0);
  if (i < 0n) throw invalid('start', `must be ≥ 0, got ${i}`);
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  for (; i < count && left > 0; i += 1n, left -= 1) yield formatIp(base + i, c.family);
}

/** Iterates the addresses from `first` to `last` inclusive. */
export function* ipRange(first: IpAddress | string, last: IpAddress | string): Generator<string> {
  const a = asIp(first);
  const b = asIp(last);
  if (a.family !== b.family)
    throw invalid('last', `family IPv${b.family} differs from first (IPv${a.family})`);
  for (let v = a.value; v <= b.value; v += 1n) yield formatIp(v, a.family);
}

/**
 * The index-th subnet of length `prefixLength` inside `cidr`: subnet('10.244.0.0/16', 24, 3) is
 * 10.244.3.0/24 (node i's pod range in the lab, docs/architecture.md §4).
 */
export function subnet(cidr: Cidr | string, prefixLength: number, index: number | bigint): Cidr {
  const c = asCidr(cidr);
  const bits = addressBits(c.family);
  if (!Number.isInteger(prefixLength) || prefixLength < c.prefixLength || prefixLength > bits) {
    throw invalid(
      'prefixLength',
      `must be ${c.prefixLength}–${bits} for ${formatCidr(c)}, got ${prefixLength}`,
    );
  }
  const count = 1n << BigInt(prefixLength - c.prefixLength);
  const i = BigInt(index);
  if (i < 0n || i >= count) {
    throw invalid('index', `must be 0–${count - 1n} for /${prefixLength} in ${formatCidr(c)}, got ${index}`);
  }
  const network = parseIp(c.network).value + (i << BigInt(bits - prefixLength));
  const text = formatIp(network, c.family);
  return Object.freeze({ family: c.family, address: text, prefixLength, network: text });
}
