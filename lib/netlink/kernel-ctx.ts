/**
 * What the kernel adapter's operations share: the per-namespace transport and the name →
 * ifindex lookups every request needs (rtnetlink addresses links by index).
 */
import { closeSync } from 'node:fs';
import { ENODEV, systemError } from '../errors/index.js';
import { openNetnsFd } from '../netns/index.js';
import { AF_UNSPEC, NLM_F, RTM } from './codec/constants.js';
import { decodeLink, encodeLinkRef, type LinkRecord } from './codec/link.js';
import { Transport, type TransportOptions } from './transport.js';
import type { NsRef } from './types.js';

/** Flags of a create that must not touch an existing object (as `ip … add`). */
export const CREATE = NLM_F.CREATE | NLM_F.EXCL;

/** `in network namespace "x"`, for error details. */
export function where(ns: NsRef): string {
  return ns === undefined ? 'in the current namespace' : `in network namespace "${ns}"`;
}

/** Runs `fn` with an fd for namespace `ref`, closing it afterwards. */
export async function withNsFd<T>(
  ref: string | undefined,
  fn: (fd: number | undefined) => Promise<T>,
): Promise<T> {
  if (ref === undefined) return fn(undefined);
  const fd = openNetnsFd(ref);
  try {
    return await fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** The transport plus link lookups. */
export class Kernel {
  readonly t: Transport;

  constructor(options: TransportOptions = {}) {
    this.t = new Transport(options);
  }

  /** Every link of the namespace (family AF_BRIDGE: bridge ports with IFLA_PROTINFO). */
  async linkRecords(ns: NsRef, family = AF_UNSPEC): Promise<LinkRecord[]> {
    const bodies = await this.t.dump(ns, {
      type: RTM.GETLINK,
      body: encodeLinkRef({ family }),
      detail: `listing links ${where(ns)}`,
    });
    return bodies.map(decodeLink).sort((a, b) => a.index - b.index);
  }
  /** ifindex → name for the namespace. */
  async names(ns: NsRef): Promise<Map<number, string>> {
    return new Map((await this.linkRecords(ns)).map((r) => [r.index, r.name]));
  }
  /** One link by name; ENODEV (NotFound) when missing. */
  async record(ns: NsRef, name: string): Promise<LinkRecord> {
    const [body] = await this.t.request(ns, {
      type: RTM.GETLINK,
      body: encodeLinkRef({ name }),
      flags: 0,
      detail: `link "${name}" ${where(ns)}`,
    });
    if (!body) throw systemError('RTM_GETLINK', ENODEV, `link "${name}" ${where(ns)}`);
    return decodeLink(body);
  }
  /** The ifindex of a link by name. */
  async index(ns: NsRef, name: string): Promise<number> {
    return (await this.record(ns, name)).index;
  }
}
