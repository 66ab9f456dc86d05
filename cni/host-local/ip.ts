/**
 * The little IP math host-local needs: addresses as (family, bigint) pairs, CIDRs, ranges.
 * Pure; ipaddr.js does the text parsing and printing (RFC 5952 form for IPv6).
 */
import ipaddr from 'ipaddr.js';
import { invalid } from '../../lib/errors/index.js';

/** An IP address as a number: easy to compare, step and mask. */
export interface Ip {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A prefix: the (masked) network address and its length. */
export interface Cidr {
  readonly network: Ip;
  readonly prefix: number;
}

/** Address width in bits for a family. */
export function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** Parses an address (no prefix); undefined when it is not one. IPv4 must be dotted quad. */
export function parseIp(text: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return { family: 4, value: toBig(ipaddr.IPv4.parse(text).toByteArray()) };
  }
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) {
    return { family: 6, value: toBig(ipaddr.IPv6.parse(text).toByteArray()) };
  }
  return undefined;
}

/** Parses an address or throws `invalid(field)`. */
export function mustIp(text: unknown, field: string): Ip {
  const ip = typeof text === 'string' ? parseIp(text) : undefined;
  if (!ip) throw invalid(field, `not an IP address: ${JSON.stringify(text)}`);
  return ip;
}

function toBig(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Prints an address in canonical form. */
export function formatIp(ip: Ip): string {
  const n = bits(ip.family) / 8;
  const bytes: number[] = [];
  let v = ip.value;
  for (let i = 0; i < n; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses `a.b.c.d/n` or `x::/n`; host bits are masked off. Throws `invalid(field)`. */
export function parseCidr(text: unknown, field: string): Cidr {
  if (typeof text !== 'string') throw invalid(field, `must be a CIDR string, got ${JSON.stringify(text)}`);
  const slash = text.indexOf('/');
  const ip = slash > 0 ? parseIp(text.slice(0, slash)) : undefined;
  const prefixText = text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!ip || !(prefix >= 0 && prefix <= bits(ip.family))) {
    throw invalid(field, `not a CIDR: "${text}"`);
  }
  return { network: { family: ip.family, value: ip.value & mask(ip.family, prefix) }, prefix };
}

function mask(family: 4 | 6, prefix: number): bigint {
  const w = BigInt(bits(family));
  const all = (1n << w) - 1n;
  return all ^ ((1n << (w - BigInt(prefix))) - 1n);
}

/** The last address of a prefix (the IPv4 broadcast address). */
export function lastAddress(cidr: Cidr): Ip {
  const host = (1n << BigInt(bits(cidr.network.family) - cidr.prefix)) - 1n;
  return { family: cidr.network.family, value: cidr.network.value | host };
}

/** True when `ip` lies inside `cidr`. */
export function contains(cidr: Cidr, ip: Ip): boolean {
  return (
    ip.family === cidr.network.family && (ip.value & mask(ip.family, cidr.prefix)) === cidr.network.value
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
