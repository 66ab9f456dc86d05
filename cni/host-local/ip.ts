/**
 * host-local's view of addresses: numbers (`IpValue`) and masked prefixes, as the allocator
 * steps and compares them. The parsing, printing and masking are lib/net's (imported by file,
 * not through its index, so a plugin does not load the MAC helpers and node:crypto).
 */
import { invalid } from '../../lib/errors/index.js';
import {
  addressBits,
  formatIp as formatIpValue,
  type IpValue,
  prefixMask,
  tryParseIp,
} from '../../lib/net/ip.js';

/** An IP address as a number: easy to compare, step and mask. */
export type Ip = IpValue;

/** A prefix: the (masked) network address and its length. */
export interface Cidr {
  readonly network: Ip;
  readonly prefix: number;
}

/** Parses an address (no prefix, no zone); undefined when it is not one. */
export const parseIp: (text: string) => Ip | undefined = tryParseIp;

/** Parses an address or throws `invalid(field)`. */
export function mustIp(text: unknown, field: string): Ip {
  const ip = typeof text === 'string' ? parseIp(text) : undefined;
  if (!ip) throw invalid(field, `not an IP address: ${JSON.stringify(text)}`);
  return ip;
}

/** Prints an address in canonical form (RFC 5952 §4 for IPv6). */
export function formatIp(ip: Ip): string {
  return formatIpValue(ip.value, ip.family);
}

/** Parses `a.b.c.d/n` or `x::/n`; host bits are masked off. Throws `invalid(field)`. */
export function parseCidr(text: unknown, field: string): Cidr {
  if (typeof text !== 'string') throw invalid(field, `must be a CIDR string, got ${JSON.stringify(text)}`);
  const slash = text.indexOf('/');
  const ip = slash > 0 ? parseIp(text.slice(0, slash)) : undefined;
  const prefixText = text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!ip || !(prefix >= 0 && prefix <= addressBits(ip.family))) {
    throw invalid(field, `not a CIDR: "${text}"`);
  }
  return { network: { family: ip.family, value: ip.value & prefixMask(ip.family, prefix) }, prefix };
}

/** The last address of a prefix (the IPv4 broadcast address). */
export function lastAddress(cidr: Cidr): Ip {
  const host = (1n << BigInt(addressBits(cidr.network.family) - cidr.prefix)) - 1n;
  return { family: cidr.network.family, value: cidr.network.value | host };
}

/** True when `ip` lies inside `cidr`. */
export function contains(cidr: Cidr, ip: Ip): boolean {
  return (
    ip.family === cidr.network.family &&
    (ip.value & prefixMask(ip.family, cidr.prefix)) === cidr.network.value
  );
}

/** `a + n`. */
export function add(ip: Ip, n: bigint): Ip {
  return { family: ip.family, value: ip.value + n };
}

/** True when both are the same address. */
export function sameIp(a: Ip | undefined, b: Ip | undefined): boolean {
  return a !== undefined && b !== undefined && a.family === b.family && a.value === b.value;
}

/** Prints a CIDR with the address part given (e.g. a host address with its subnet's prefix). */
export function formatCidr(ip: Ip, prefix: number): string {
  return `${formatIp(ip)}/${prefix}`;
}
