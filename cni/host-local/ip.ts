/**
 * The little IP math host-local needs: addresses as (family, bigint) pairs, CIDRs, ranges.
 * Pure, and self-contained (no address library): the plugins load on every CNI call, so a
 * few dozen lines here beat evaluating a general-purpose package at start-up.
 * Text forms: IPv4 dotted quad without leading zeros; IPv6 per RFC 4291 §2.2 (with `::` and
 * a trailing dotted quad), printed in the RFC 5952 §4 canonical form.
 */
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

const V4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): number | undefined {
  const m = V4.exec(text);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    v = v * 256 + octet;
  }
  return v;
}

/** The 16-bit groups of one side of `::` (a trailing dotted quad counts as two). */
function groupsOf(part: string, allowV4: boolean): number[] | undefined {
  if (part === '') return [];
  const out: number[] = [];
  const pieces = part.split(':');
  for (const [i, piece] of pieces.entries()) {
    if (allowV4 && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseV4(piece);
      if (v4 === undefined) return undefined;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (HEXTET.test(piece)) {
      out.push(Number.parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0] ?? '', false);
    const tail = groupsOf(halves[1] ?? '', true);
    // `::` stands for at least one zero group.
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = groupsOf(text, true);
    if (all?.length !== 8) return undefined;
    groups = all;
  }
  return groups.reduce((v, g) => (v << 16n) | BigInt(g), 0n);
}

/** Parses an address (no prefix, no zone); undefined when it is not one. */
export function parseIp(text: string): Ip | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  if (!text.includes(':')) return undefined;
  const v6 = parseV6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** Parses an address or throws `invalid(field)`. */
export function mustIp(text: unknown, field: string): Ip {
  const ip = typeof text === 'string' ? parseIp(text) : undefined;
  if (!ip) throw invalid(field, `not an IP address: ${JSON.stringify(text)}`);
  return ip;
}

/** Prints an address in canonical form (RFC 5952 §4 for IPv6: lowercase, longest zero run as `::`). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    const v = Number(ip.value);
    return [24, 16, 8, 0].map((shift) => Math.floor(v / 2 ** shift) % 256).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // The longest run of two or more zero groups (the first on a tie) becomes `::` (§4.2.2, §4.2.3).
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = (g: readonly number[]) => g.map((x) => x.toString(16)).join(':');
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.len))}`;
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
