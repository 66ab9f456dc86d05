/**
 * IP address and CIDR math without dependencies: the CNI plugins load this on every call, so it
 * parses and prints addresses itself rather than evaluating an address library at start-up.
 * Everything works on `bigint` values so IPv4 and IPv6 share one code path (an IPv6 address is
 * 128 bits). Text forms: IPv4 dotted quad without leading zeros; IPv6 per RFC 4291 §2.2 (with
 * `::` and a trailing dotted quad), printed in the RFC 5952 §4 canonical form; no zone index.
 */
import { invalid } from '../errors/index.js';

/** An address family: 4 or 6. */
export type IpFamily = 4 | 6;

/** An address as a number: easy to compare, step and mask. */
export interface IpValue {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A parsed IP address: its family, canonical text and numeric value. */
export interface IpAddress extends IpValue {
  /** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  readonly address: string;
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

/**
 * Parses an address to its number, or undefined when the text is not one. Only the strict
 * dotted-quad IPv4 form is accepted (no `010.1` octal or short forms, which inet_aton would read
 * differently), so text round-trips exactly.
 */
export function tryParseIp(text: string): IpValue | undefined {
  if (typeof text !== 'string') return undefined;
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  if (!text.includes(':')) return undefined;
  const v6 = parseV6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** The family of an address text, or undefined when it is not an IP address. */
export function familyOf(text: string): IpFamily | undefined {
  return tryParseIp(text)?.family;
}

/**
 * The family of an address or CIDR by its text alone: 6 when it contains a colon. Only for text
 * already known to be an address (a CNI result's), where parsing again would be wasted.
 */
export function familyOfText(text: string): IpFamily {
  return text.includes(':') ? 6 : 4;
}

/** True for a dotted-quad IPv4 address. */
export function isIPv4(text: string): boolean {
  return familyOf(text) === 4;
}

/** True for an IPv6 address (without zone index). */
export function isIPv6(text: string): boolean {
  return familyOf(text) === 6;
}

/** Parses an IP address; throws `invalid(field)` naming the bad value. */
export function parseIp(text: string, field = 'ip'): IpAddress {
  const ip = tryParseIp(text);
  if (ip === undefined) throw invalid(field, `invalid IP address ${JSON.stringify(text)}`);
  return Object.freeze({ family: ip.family, address: formatIp(ip.value, ip.family), value: ip.value });
}

/** Formats a numeric address of the family as canonical text (RFC 5952 §4 for IPv6). */
export function formatIp(value: bigint, family: IpFamily): string {
  const bits = addressBits(family);
  if (value < 0n || value >= 1n << BigInt(bits)) {
    throw invalid('value', `${value} is outside the IPv${family} address space`);
  }
  if (family === 4) {
    const v = Number(value);
    return [24, 16, 8, 0].map((shift) => Math.floor(v / 2 ** shift) % 256).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
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

/** The address in network byte order: 4 bytes for IPv4, 16 for IPv6. */
export function ipToBytes(ip: IpValue): Uint8Array {
  const n = addressBits(ip.family) / 8;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((ip.value >> BigInt((n - 1 - i) * 8)) & 0xffn);
  return out;
}

/** An address from network-order bytes: 4 make an IPv4 address, 16 an IPv6 one. */
export function ipFromBytes(bytes: Uint8Array, field = 'address'): IpValue {
  if (bytes.length !== 4 && bytes.length !== 16) {
    throw invalid(field, `an IP address needs 4 or 16 bytes, got ${bytes.length}`);
  }
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value };
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

/** The netmask of a prefix length as a number (`ip & mask` is the network address). */
export function prefixMask(family: IpFamily, prefixLength: number): bigint {
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
