/**
 * Requests that ask for a protocol upgrade (`Connection: Upgrade`), served by the ordinary
 * handler as Go's net/http serves them: Node hands such a request over with its raw socket
 * (the `upgrade` event), so `upgradeListener` gives it a `ServerResponse` on that socket and
 * runs the same request listener — authentication, authorization, routing, Status answers all
 * as for any request. A route that streams (exec, attach) takes the socket with `hijack` and
 * speaks its protocol on it; any other answer closes the connection after it is written (Node's
 * parser is gone from an upgraded socket, so there is no keep-alive after one). A request
 * upgraded this way has no body: Node stops parsing at the upgrade's headers.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** An upgraded request's socket and the bytes read past its headers. */
export interface Hijacked {
  readonly socket: Duplex;
  readonly head: Buffer;
}

const pending = new WeakMap<IncomingMessage, Hijacked>();

/** How long an upgrade request waits for the answers pipelined before it (a request's own deadline). */
const BUSY_WAIT_MS = 60_000;

/** Whether the request arrived through the `upgrade` event (its socket can be hijacked). */
export function isUpgraded(req: IncomingMessage): boolean {
  return pending.has(req);
}

/**
 * Takes the raw socket of an upgraded request from its response, which is then never written;
 * the request counts as answered with `status` (101) when the socket closes. Undefined when
 * the request was not upgraded.
 */
export function hijack(req: IncomingMessage, res: ServerResponse, status = 101): Hijacked | undefined {
  const h = pending.get(req);
  if (!h) return undefined;
  pending.delete(req);
  res.detachSocket(h.socket as Socket);
  res.statusCode = status;
  // The request metrics and logs listen for the response's close; the socket's close is it now.
  h.socket.once('close', () => res.emit('close'));
  return h;
}

/** The server's `upgrade` listener over the request listener, and a way to end what it hijacked. */
export interface UpgradeListener {
  readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Destroys every upgraded connection still open (server shutdown). */
  closeAll(): void;
}

/** Builds the `upgrade` listener that runs `listener` (with `track`, the connection bookkeeping) on upgraded requests. */
export function upgradeListener(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  track: (socket: Duplex, res: ServerResponse) => void,
): UpgradeListener {
  const open = new Set<Duplex>();
  return {
    onUpgrade(req, socket, head) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.on('error', () => undefined);
      pending.set(req, { socket, head });
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      // A pipelined answer still being written owns the socket (assignSocket throws): answer
      // this request once it is done, as Node itself orders pipelined answers.
      const started = Date.now();
      const start = (): void => {
        if (socket.destroyed) return;
        try {
          res.assignSocket(socket as Socket);
        } catch {
          if (Date.now() - started > BUSY_WAIT_MS) socket.destroy();
          else setTimeout(start, 10).unref();
          return;
        }
        serve();
      };
      const serve = (): void => {
        res.once('finish', () => {
          // Answered without a hijack: close as the server closes a `Connection: close` answer.
          pending.delete(req);
          res.detachSocket(socket as Socket);
          const destroySoon = (socket as Socket).destroySoon;
          if (typeof destroySoon === 'function') destroySoon.call(socket);
          else socket.end();
        });
        track(socket, res);
        listener(req, res);
      };
      start();
    },
    closeAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}
