/**
 * `HOST:PORT` text, as flags such as `--listen` and `--metrics-addr` take it: IPv6 hosts in
 * brackets, as in URLs (RFC 3986 §3.2.2). Dependency-free, like the rest of lib/net.
 */
import { invalid } from '../errors/index.js';
import { familyOf } from './ip.js';

/** A host (an IP address or a DNS name, without brackets) and a port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Options for {@link parseHostPort}. */
export interface HostPortOptions {
  /**
   * The host that `:PORT` (host left out) stands for, e.g. `0.0.0.0` for a server's listen
   * address. Without it a missing host is an error.
   */
  readonly defaultHost?: string;
}

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Parses `127.0.0.1:9090`, `[::1]:0`, `localhost:8080`. Port 0 asks the kernel for a free port.
 * Errors name the field (the flag) and say what is wrong.
 */
export function parseHostPort(text: string, field: string, options: HostPortOptions = {}): HostPort {
  const bad = (problem: string) => invalid(field, `invalid address ${JSON.stringify(text)}: ${problem}`);
  if (typeof text !== 'string') throw bad('not a string');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const bare = m?.[2];
  if (!m || (bare === '' && options.defaultHost === undefined)) {
    throw bad('want HOST:PORT, with IPv6 hosts in brackets ([::1]:9090)');
  }
  const port = Number(m[3]);
  if (port > 65535) throw bad('port must be 0–65535');
  if (bare === undefined) {
    const host = m[1] ?? '';
    if (familyOf(host) !== 6) throw bad(`${JSON.stringify(host)} is not an IPv6 address`);
    return Object.freeze({ host, port });
  }
  if (bare === '') return Object.freeze({ host: options.defaultHost ?? '', port });
  if (familyOf(bare) === undefined && !HOSTNAME_RE.test(bare)) {
    throw bad(`${JSON.stringify(bare)} is not an IP address or host name`);
  }
  return Object.freeze({ host: bare, port });
}

/** Formats a host and port back to `HOST:PORT` (brackets for IPv6). */
export function formatHostPort(addr: HostPort): string {
  return familyOf(addr.host) === 6 ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}
