/**
 * Address conversions for the codec: IP literals and CIDRs to bytes and back, MAC strings to
 * bytes and back. Pure.
 */
import { invalid } from '../../errors/index.js';
import {
  addressBits,
  formatIp as formatIpValue,
  ipFromBytes,
  ipToBytes,
  prefixMask,
  tryParseIp,
} from '../../net/ip.js';
import type { IpFamily } from '../types.js';

/** A parsed CIDR: the address as written (host part kept) and the prefix length. */
export interface Cidr {
  readonly family: IpFamily;
  readonly ip: string;
  readonly bytes: Buffer;
  readonly prefix: number;
}

/** Parses an IPv4/IPv6 literal (dotted-quad IPv4, no zone) into its family and network-order bytes. */
export function parseIp(field: string, value: string): { family: IpFamily; bytes: Buffer; ip: string } {
  const ip = tryParseIp(value);
  if (ip === undefined) throw invalid(field, `must be an IPv4 or IPv6 address, got "${String(value)}"`);
  return { family: ip.family, bytes: Buffer.from(ipToBytes(ip)), ip: formatIpValue(ip.value, ip.family) };
}

/** Parses `10.0.0.1/24` (host part kept). */
export function parseCidr(field: string, value: string): Cidr {
  if (typeof value !== 'string' || !value.includes('/')) {
    throw invalid(field, `must be a CIDR like 10.0.0.1/24, got "${String(value)}"`);
  }
  const [addr = '', len = ''] = value.split('/', 2);
  const ip = parseIp(field, addr);
  const max = addressBits(ip.family);
  const prefix = Number(len);
  if (!/^\d{1,3}$/.test(len) || prefix > max) {
    throw invalid(field, `prefix length must be 0–${max}, got "${len}"`);
  }
  return { family: ip.family, ip: ip.ip, bytes: ip.bytes, prefix };
}

/** Network-order bytes (4 or 16) to an IP string (RFC 5952 form for IPv6). */
export function formatIp(bytes: Buffer): string {
  const ip = ipFromBytes(bytes, 'attribute');
  return formatIpValue(ip.value, ip.family);
}

/** The network address of a CIDR, as `10.0.0.0/24`. */
export function networkOf(cidr: Cidr): string {
  const ip = ipFromBytes(cidr.bytes);
  return `${formatIpValue(ip.value & prefixMask(ip.family, cidr.prefix), ip.family)}/${cidr.prefix}`;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Parses `aa:bb:cc:dd:ee:ff` into 6 bytes. */
export function parseMac(field: string, value: string): Buffer {
  if (typeof value !== 'string' || !MAC.test(value)) {
    throw invalid(field, `must be a MAC address like 02:00:00:00:00:01, got "${String(value)}"`);
  }
  return Buffer.from(value.split(':').map((h) => Number.parseInt(h, 16)));
}

/** Bytes to a lowercase colon-separated hardware address. */
export function formatMac(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
