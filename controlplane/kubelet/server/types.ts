/**
 * The seams of the kubelet's HTTPS endpoint (:10250): what the server resolves from a request
 * (after authenticating and authorizing it) and hands to the parts that serve it. The server
 * owns authentication, authorization and routing; the streaming bridges (exec, attach,
 * port-forward over CRI) and the stats providers plug in through these types, wired by main.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** exec or attach, resolved from `/exec|attach/{ns}/{pod}/{container}` and its query. */
export interface RemoteCommandTarget {
  readonly kind: 'exec' | 'attach';
  /** The CRI id of the running container. */
  readonly containerId: string;
  /** The command (`command=` repeated); empty for attach. */
  readonly command: readonly string[];
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/**
 * Serves an exec/attach upgrade request (`req`, its socket and the bytes read past the headers,
 * as node:http's 'upgrade' event gives them). It owns the socket from then on: it answers the
 * handshake (or an HTTP error) and ends the socket when the session ends.
 */
export type RemoteCommandHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: RemoteCommandTarget,
) => Promise<void>;

/** port-forward, resolved from `/portForward/{ns}/{pod}` (and `?port=` when given). */
export interface PortForwardTarget {
  /** The CRI id of the pod's ready sandbox. */
  readonly sandboxId: string;
  /** The ports asked for in the query; empty when the client names them per stream. */
  readonly ports: readonly number[];
}

/** Serves a port-forward upgrade request; owns the socket as RemoteCommandHandler does. */
export type PortForwardHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: PortForwardTarget,
) => Promise<void>;

/** The node's resource usage, as `/stats/summary` (JSON) and `/metrics/resource` (Prometheus text). */
export interface StatsProvider {
  /** The stats/v1alpha1 Summary object. */
  summary(): Promise<unknown>;
  /** The text of `/metrics/resource`. */
  resourceMetrics(): Promise<string>;
}
