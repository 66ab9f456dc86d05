/**
 * Element keys and values the way nft prints them back, so the fake stores what the kernel
 * would list and comparisons are exact. nft prints addresses canonically (RFC 5952 for IPv6),
 * a full-length prefix as a bare address, a prefix with host bits as its network, and an
 * aligned range as a prefix (`10.2.0.0-10.2.0.255` → `10.2.0.0/24`); all checked with nft
 * 1.0.6. Service names (`http`) are not translated: write ports as numbers.
 */
import { addressBits, familyOf, formatIp, type IpFamily, parseCidr, parseIp } from '../net/index.js';

const squash = (text: string): string => text.trim().replace(/\s+/g, ' ');

/** The inclusive numeric range an element part covers, for interval sets. */
export interface Interval {
  readonly family: IpFamily | 'number';
  readonly lo: bigint;
  readonly hi: bigint;
}

/** The interval of a single-part IP, CIDR, IP range, number or number range; else undefined. */
export function intervalOf(part: string): Interval | undefined {
  const p = part.trim();
  if (/^\d+$/.test(p)) return { family: 'number', lo: BigInt(p), hi: BigInt(p) };
  const nums = /^(\d+)-(\d+)$/.exec(p);
  if (nums) return { family: 'number', lo: BigInt(nums[1] ?? 0), hi: BigInt(nums[2] ?? 0) };
  const family = familyOf(p);
  if (family !== undefined) {
    const v = parseIp(p).value;
    return { family, lo: v, hi: v };
  }
  const slash = p.indexOf('/');
  if (slash > 0 && familyOf(p.slice(0, slash)) !== undefined) {
    try {
      const c = parseCidr(p);
      const lo = parseIp(c.network).value;
      return { family: c.family, lo, hi: lo + (1n << BigInt(addressBits(c.family) - c.prefixLength)) - 1n };
    } catch {
      return undefined;
    }
  }
  const dash = p.split('-');
  if (dash.length === 2) {
    const [a = '', b = ''] = dash;
    const fa = familyOf(a);
    if (fa !== undefined && fa === familyOf(b))
      return { family: fa, lo: parseIp(a).value, hi: parseIp(b).value };
  }
  return undefined;
}

/** Prints an interval as nft does: a bare value, a prefix when aligned, else `lo-hi`. */
function formatInterval(iv: Interval): string {
  if (iv.family === 'number') return iv.lo === iv.hi ? `${iv.lo}` : `${iv.lo}-${iv.hi}`;
  if (iv.lo === iv.hi) return formatIp(iv.lo, iv.family);
  const size = iv.hi - iv.lo + 1n;
  const aligned = size > 0n && (size & (size - 1n)) === 0n && iv.lo % size === 0n;
  if (aligned) {
    const len = addressBits(iv.family) - (size.toString(2).length - 1);
    return `${formatIp(iv.lo, iv.family)}/${len}`;
  }
  return `${formatIp(iv.lo, iv.family)}-${formatIp(iv.hi, iv.family)}`;
}

function normalizePart(part: string): string {
  const iv = intervalOf(part);
  if (iv === undefined || iv.lo > iv.hi) return part.trim();
  // Plain numbers (ports, marks) and number ranges print as written, minus leading zeros.
  return formatInterval(iv);
}

/** Normalises an element key or value: each ` . `-separated part as nft prints it. */
export function normalizeElementText(text: string): string {
  return squash(text).split(' . ').map(normalizePart).join(' . ');
}
