/** Parsing of `--metrics-addr HOST:PORT` (IPv6 in brackets, as in URLs: RFC 3986 §3.2.2). */
import { invalid } from '../errors/index.js';
import { familyOf } from '../net/index.js';

/** A host and port to listen on. */
export interface ListenAddr {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Parses `127.0.0.1:9090`, `[::1]:0`, `localhost:8080`. Port 0 asks the kernel for a free port. */
export function parseListenAddr(text: string, field = '--metrics-addr'): ListenAddr {
  const bad = (problem: string) => invalid(field, `invalid address ${JSON.stringify(text)}: ${problem}`);
  if (typeof text !== 'string') throw bad('not a string');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) throw bad('want HOST:PORT, with IPv6 hosts in brackets ([::1]:9090)');
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) throw bad('port must be 0–65535');
  if (m[1] !== undefined && familyOf(host) !== 6) throw bad(`${JSON.stringify(host)} is not an IPv6 address`);
  if (m[2] !== undefined && familyOf(host) === undefined && !HOSTNAME_RE.test(host)) {
    throw bad(`${JSON.stringify(host)} is not an IP address or host name`);
  }
  return Object.freeze({ host, port });
}

/** Formats a ListenAddr back to `HOST:PORT` (brackets for IPv6). */
export function formatListenAddr(addr: ListenAddr): string {
  return familyOf(addr.host) === 6 ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}
