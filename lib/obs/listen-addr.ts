/** `--metrics-addr HOST:PORT`: lib/net's `HOST:PORT` parsing under the flag's name. */
import { type HostPort, parseHostPort } from '../net/host-port.js';

/** A host and port to listen on. */
export type ListenAddr = HostPort;

export { formatHostPort as formatListenAddr } from '../net/host-port.js';

/** Parses `127.0.0.1:9090`, `[::1]:0`, `localhost:8080`; errors name `field`. */
export function parseListenAddr(text: string, field = '--metrics-addr'): ListenAddr {
  return parseHostPort(text, field);
}
