/**
 * One NETLINK_ROUTE socket per network namespace, created inside it through setns (a netlink
 * socket talks to the namespace it was created in), cached, and used for one request at a
 * time: the kernel refuses a second dump on a socket while one is in progress, and one
 * request in flight keeps replies unambiguous. The cache is keyed by the namespace file's
 * inode, so a namespace deleted and recreated under the same name gets a fresh socket, and
 * sockets are closed as soon as lib/netns deletes their namespace (an open socket would keep
 * the namespace and its links alive).
 */
import { statSync } from 'node:fs';
import type { NetlinkMessage, NetlinkSocket } from 'netlink';
import { ErrorCode, notFound, SwitchyardError, systemError } from '../errors/index.js';
import { netnsPath, onNetnsDelete, openNetlinkSocketIn } from '../netns/index.js';
import { NLM_F, NLMSG_DONE, NLMSG_ERROR, RTM } from './codec/constants.js';
import { kernelError } from './errors.js';
import type { NsRef } from './types.js';

const NETLINK_ROUTE = 0;

const RTM_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(RTM).map(([k, v]) => [v, `RTM_${k}`]));

/** What a request returns: the bodies of the reply messages (no headers, no DONE/ACK). */
export type Replies = Buffer[];

interface Entry {
  readonly socket: NetlinkSocket;
  readonly ino: number;
  tail: Promise<unknown>;
}

/** Options for a transport. */
export interface TransportOptions {
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
}

/** The per-namespace socket cache and request path. */
export class Transport {
  readonly #entries = new Map<string, Entry>();
  readonly #timeoutMs: number;
  readonly #unsubscribe: () => void;

  constructor(options: TransportOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#unsubscribe = onNetnsDelete((name) => this.forget(name));
  }

  /** Closes the socket of one namespace, if open. */
  forget(ns: string): void {
    const e = this.#entries.get(ns);
    if (!e) return;
    this.#entries.delete(ns);
    e.socket.close();
  }

  /** Closes every socket and stops listening for namespace deletions. */
  dispose(): void {
    this.#unsubscribe();
    for (const key of [...this.#entries.keys()]) this.forget(key);
  }

  #entry(ns: NsRef): Entry {
    const key = ns ?? '';
    let ino = 0;
    if (ns !== undefined) {
      try {
        ino = statSync(netnsPath(ns)).ino;
      } catch (err: unknown) {
        throw notFound('network namespace', ns, err);
      }
    }
    const cached = this.#entries.get(key);
    if (cached && cached.ino === ino) return cached;
    if (cached) this.forget(key);
    const entry: Entry = { socket: openNetlinkSocketIn(ns, NETLINK_ROUTE), ino, tail: Promise.resolve() };
    // An unhandled 'error' event would crash the process; a socket that failed is dropped and
    // the next request opens a fresh one.
    entry.socket.on('error', () => {
      if (this.#entries.get(key) === entry) this.forget(key);
    });
    this.#entries.set(key, entry);
    return entry;
  }

  /**
   * Sends one request (REQUEST|ACK plus `flags`) in namespace `ns` and resolves with the reply
   * bodies. A negative error in the ACK or in a dump's DONE rejects with
   * `systemError(RTM_*, errno, detail)`.
   */
  request(ns: NsRef, req: { type: number; body: Buffer; flags: number; detail: string }): Promise<Replies> {
    const entry = this.#entry(ns);
    const run = async (): Promise<Replies> => {
      let msgs: NetlinkMessage[];
      try {
        [msgs] = await entry.socket.request(req.type, req.body, {
          flags: req.flags,
          timeout: this.#timeoutMs,
          checkError: false,
        });
      } catch (err: unknown) {
        throw transportError(err, req, this.#timeoutMs);
      }
      return collect(msgs, req);
    };
    const result = entry.tail.then(run, run);
    entry.tail = result.catch(() => undefined);
    return result;
  }

  /** A dump request (NLM_F_DUMP). */
  dump(ns: NsRef, req: { type: number; body: Buffer; detail: string }): Promise<Replies> {
    return this.request(ns, { ...req, flags: NLM_F.DUMP });
  }
}

/** Wraps the package's send failures and timeouts in coded errors. */
function transportError(
  err: unknown,
  req: { type: number; detail: string },
  timeoutMs: number,
): SwitchyardError {
  const name = RTM_NAMES.get(req.type) ?? `RTM ${req.type}`;
  const errno = (err as { errno?: unknown }).errno;
  if (typeof errno === 'number') return systemError(`sendmsg ${name}`, errno, req.detail, { cause: err });
  return new SwitchyardError(ErrorCode.Timeout, `${name} ${req.detail}: no answer within ${timeoutMs} ms`, {
    cause: err,
  });
}

function collect(msgs: readonly NetlinkMessage[], req: { type: number; detail: string }): Replies {
  const out: Replies = [];
  for (const m of msgs) {
    if (m.type === NLMSG_ERROR || m.type === NLMSG_DONE) {
      const errno = m.data.length >= 4 ? m.data.readInt32LE(0) : 0;
      if (errno < 0) throw kernelError(RTM_NAMES.get(req.type) ?? `RTM ${req.type}`, -errno, req.detail);
      continue;
    }
    out.push(m.data);
  }
  return out;
}
