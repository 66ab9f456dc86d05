/**
 * The host's way into the lab (docs/architecture.md §4): a TCP listener in the root namespace (127.0.0.1)
 * that relays each connection to an address inside a lab namespace, through a socket opened
 * there (lib/netns connectTcpIn). The root namespace gets no link, address, route or rule — only
 * a listening socket on loopback. Bounded: a connection cap and a per-connection idle timeout.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { connectTcpIn } from '../lib/netns/index.js';

/** Options for {@link startForwarder}. */
export interface ForwarderOptions {
  /** Where to listen in this process's namespace; port 0 picks one. */
  readonly listen: { readonly host: string; readonly port: number };
  /** The namespace the far side is reached from. */
  readonly netns: string;
  readonly to: { readonly host: string; readonly port: number };
  /** Connections beyond this are closed at once. Default 256. */
  readonly maxConnections?: number;
  /** A connection with no bytes either way for this long is closed. Default 10 min (watches idle). */
  readonly idleMs?: number;
  /** How long connecting inside the namespace may take. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Called with one line per failed relay (the CLI logs it). */
  readonly onError?: (message: string) => void;
}

/** A running forwarder. */
export interface Forwarder {
  readonly port: number;
  /** Connections being relayed now. */
  active(): number;
  close(): Promise<void>;
}

function relay(client: Socket, options: ForwarderOptions, conns: Set<Socket>): void {
  conns.add(client);
  client.pause();
  const idleMs = options.idleMs ?? 600_000;
  let upstream: Socket | undefined;
  const end = (): void => {
    client.destroy();
    upstream?.destroy();
    conns.delete(client);
  };
  client.setTimeout(idleMs, end);
  client.on('error', end);
  client.on('close', end);
  connectTcpIn(options.netns, { ...options.to, timeoutMs: options.connectTimeoutMs ?? 5000 }).then(
    (up) => {
      upstream = up;
      if (client.destroyed) {
        up.destroy();
        return;
      }
      up.setTimeout(idleMs, end);
      up.on('error', end);
      up.on('close', end);
      client.pipe(up);
      up.pipe(client);
      client.resume();
    },
    (err: unknown) => {
      options.onError?.(err instanceof Error ? err.message : String(err));
      end();
    },
  );
}

/** Starts relaying; resolves once listening. */
export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const max = options.maxConnections ?? 256;
  const conns = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    if (conns.size >= max) {
      options.onError?.(`connection cap ${max} reached; closing a new connection`);
      client.destroy();
      return;
    }
    relay(client, options, conns);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.listen.port;
  return {
    port,
    active: () => conns.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => resolve());
      }),
  };
}
