/**
 * Input checks shared by the kernel adapter and the fake, so both reject the same bad input
 * with the same `invalid(field, problem)` error before anything changes. Pure.
 */
import { invalid } from '../errors/index.js';
import { parseIp } from './codec/ip.js';

/** Linux IFNAMSIZ is 16 including the NUL (include/uapi/linux/if.h). */
const IFNAME_MAX = 15;

/** Checks an interface name the way the kernel's dev_valid_name does. */
export function checkLinkName(field: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw invalid(field, 'must be a non-empty interface name');
  if (Buffer.byteLength(name) > IFNAME_MAX) {
    throw invalid(field, `must be at most ${IFNAME_MAX} bytes, got "${name}" (${Buffer.byteLength(name)})`);
  }
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw invalid(field, `must not be "." or ".." or contain "/", ":" or whitespace, got "${name}"`);
  }
  return name;
}

/** Checks an integer within bounds. */
export function checkInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer ${min}–${max}, got ${String(value)}`);
  }
  return value;
}

/** MTU bounds: 68 is the IPv4 minimum (RFC 791); the kernel caps at 65535 for these kinds. */
export function checkMtu(field: string, value: number | undefined): void {
  if (value !== undefined) checkInt(field, value, 68, 65535);
}

/** A network-namespace reference for moves (`peerNs`, `netns`): a name or absolute path. */
export function checkNsRef(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw invalid(field, 'must be a namespace name or path');
  return value;
}

/** Maps a sysctl key (`net.ipv4.ip_forward` or `net/ipv4/conf/eth0.1/forwarding`) to its path. */
export function sysctlPath(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw invalid('key', 'must be a non-empty sysctl key');
  const parts = key.includes('/') ? key.split('/') : key.split('.');
  if (parts[0] !== 'net') {
    throw invalid('key', `must be a network sysctl under "net", got "${key}"`);
  }
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || !/^[A-Za-z0-9_.:-]+$/.test(p)) {
      throw invalid('key', `has a bad component "${p}" in "${key}"`);
    }
  }
  return `/proc/sys/${parts.join('/')}`;
}

/** Checks an optional IP and returns its family, or undefined when absent. */
export function ipFamilyOf(field: string, value: string | undefined): 4 | 6 | undefined {
  return value === undefined ? undefined : parseIp(field, value).family;
}
