/**
 * Sockets that live in another network namespace but are served by this process's event
 * loop. The socket is created with libc socket(2) while the main thread is switched into the
 * namespace (a socket keeps the namespace it was created in), bound there, and handed to
 * Node by fd: `net.Server.listen({ fd })` and `dgram.Socket.bind({ fd })`.
 */
import dgram from 'node:dgram';
import net, { isIP } from 'node:net';
import {
  createNetlink,
  type NetlinkSocket,
  type NetlinkSocketOptions,
  type RawNetlinkSocketOptions,
} from 'netlink';
import { ErrorCode, invalid, SwitchyardError } from '../errors/index.js';
import { ipToBytes, tryParseIp } from '../net/ip.js';
import {
  AF_INET,
  AF_INET6,
  bind,
  closeQuietly,
  SO_REUSEADDR,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  setsockoptInt,
  socket,
} from './libc.js';
import { withNetns } from './switch.js';

/** Where to bind: an IPv4 or IPv6 literal and a port (0 lets the kernel choose). */
export interface BindAddress {
  readonly host: string;
  readonly port: number;
}

/** Encodes a sockaddr_in / sockaddr_in6 (netinet/in.h); the port is in network byte order. */
export function encodeSockaddr(address: BindAddress): Buffer {
  const ip = tryParseIp(address.host);
  if (ip === undefined) throw invalid('host', `must be an IPv4 or IPv6 literal, got "${address.host}"`);
  const family = ip.family;
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65535) {
    throw invalid('port', `must be an integer 0–65535, got ${address.port}`);
  }
  const bytes = ipToBytes(ip);
  if (family === 4) {
    const buf = Buffer.alloc(16);
    buf.writeUInt16LE(AF_INET, 0);
    buf.writeUInt16BE(address.port, 2);
    Buffer.from(bytes).copy(buf, 4);
    return buf;
  }
  const buf = Buffer.alloc(28);
  buf.writeUInt16LE(AF_INET6, 0);
  buf.writeUInt16BE(address.port, 2);
  Buffer.from(bytes).copy(buf, 8);
  return buf;
}

function boundSocket(ns: string, address: BindAddress, type: number): number {
  const addr = encodeSockaddr(address);
  const family = isIP(address.host) === 4 ? AF_INET : AF_INET6;
  return withNetns(ns, () => {
    const fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    try {
      // Node sets SO_REUSEADDR on its own listening sockets; match it so restarts rebind.
      if (type === SOCK_STREAM) setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      bind(fd, addr, `${address.host}:${address.port} in network namespace "${ns}"`);
      return fd;
    } catch (err: unknown) {
      closeQuietly(fd);
      throw err;
    }
  });
}

/**
 * A listening TCP server inside namespace `ns`, ready to take `connection` listeners.
 * `server.address()` reports the bound port (useful with port 0).
 */
export async function createTcpServerIn(
  ns: string,
  address: BindAddress & { readonly backlog?: number },
): Promise<net.Server> {
  const fd = boundSocket(ns, address, SOCK_STREAM);
  const server = net.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (err) => {
      closeQuietly(fd);
      reject(err);
    });
    server.listen({ fd, backlog: address.backlog ?? 511 }, () => {
      server.removeAllListeners('error');
      resolve(server);
    });
  });
}

/** A UDP socket bound inside namespace `ns`. */
export async function createUdpSocketIn(ns: string, address: BindAddress): Promise<dgram.Socket> {
  const fd = boundSocket(ns, address, SOCK_DGRAM);
  const sock = dgram.createSocket(isIP(address.host) === 4 ? 'udp4' : 'udp6');
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => {
      closeQuietly(fd);
      reject(err);
    });
    sock.bind({ fd }, () => {
      sock.removeAllListeners('error');
      resolve(sock);
    });
  });
}

/**
 * A TCP connection made from inside namespace `ns` to `address` (reachable from there), for
 * forwarding into a namespace: the socket is created in `ns` and connected by Node, so it
 * behaves like any `net.Socket`. Resolves once connected; a failure rejects with
 * `connect ECONNREFUSED 10.0.0.1:80 in network namespace "x"` (a System error).
 */
export async function connectTcpIn(
  ns: string,
  address: BindAddress & { readonly timeoutMs?: number },
): Promise<net.Socket> {
  encodeSockaddr(address);
  const family = isIP(address.host) === 4 ? AF_INET : AF_INET6;
  const fd = withNetns(ns, () => socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  // pauseOnCreate keeps Node from reading the fd before it is connected (an unconnected
  // socket would read as an error); Node's net.Socket honours it for adopted fds.
  const sock = new net.Socket({ fd, pauseOnCreate: true } as net.SocketConstructorOpts);
  const where = `${address.host}:${address.port} in network namespace "${ns}"`;
  return new Promise((resolve, reject) => {
    const timer =
      address.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            sock.destroy();
            reject(
              new SwitchyardError(
                ErrorCode.Timeout,
                `connect ${where}: no answer within ${address.timeoutMs} ms`,
              ),
            );
          }, address.timeoutMs);
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      sock.destroy();
      const errno = Math.abs(err.errno ?? 0);
      // Node's code names every errno (lib/errors only knows the common ones).
      const name = err.code ?? `errno ${errno}`;
      reject(
        new SwitchyardError(ErrorCode.System, `connect ${name} ${where}`, {
          syscall: 'connect',
          errno,
          cause: err,
        }),
      );
    });
    sock.connect({ host: address.host, port: address.port }, () => {
      if (timer) clearTimeout(timer);
      sock.removeAllListeners('error');
      // Back to the initial "no consumer yet" state, so 'data' listeners and pipe() start the
      // flow as on any fresh socket.
      (sock as { readableFlowing: boolean | null }).readableFlowing = null;
      resolve(sock);
    });
  });
}

/**
 * A netlink socket (the `netlink` package's NetlinkSocket) of `protocol` (e.g. 0 =
 * NETLINK_ROUTE) created inside namespace `ns`, so it sees and changes only that namespace.
 */
export function openNetlinkSocketIn(
  ns: string | undefined,
  protocol: number,
  options: NetlinkSocketOptions & Partial<RawNetlinkSocketOptions> = {},
): NetlinkSocket {
  // The package's typings mark the buffer sizes required; its code treats them as optional.
  return withNetns(ns, () =>
    createNetlink(protocol, options as NetlinkSocketOptions & RawNetlinkSocketOptions),
  );
}
