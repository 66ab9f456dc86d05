/**
 * RTM_NEWADDR / RTM_DELADDR bodies (linux/if_addr.h). For IPv4, IFA_LOCAL is the interface's
 * own address and IFA_ADDRESS the peer (equal on broadcast links); IPv6 sends IFA_ADDRESS only.
 * Pure.
 */
import type { IpFamily, Scope } from '../types.js';
import { attr, attrMap, encodeAttrs, type NlAttr, read } from './attr.js';
import { AF_INET, AF_INET6, IFA } from './constants.js';
import { decodeIfAddr, encodeIfAddr, IFADDRMSG_LEN } from './headers.js';
import { formatIp } from './ip.js';
import { scopeName } from './names.js';

/** A decoded address before index → name resolution. */
export interface AddressRecord {
  readonly index: number;
  readonly family: IpFamily;
  readonly address: string;
  readonly scope: Scope;
  readonly broadcast?: string;
  /** IFA_FLAGS (or the header's 8-bit flags when absent). */
  readonly flags: number;
}

/** Decodes one RTM_NEWADDR body. */
export function decodeAddress(body: Buffer): AddressRecord | undefined {
  const h = decodeIfAddr(body);
  if (h.family !== AF_INET && h.family !== AF_INET6) return undefined;
  const m = attrMap(body.subarray(IFADDRMSG_LEN));
  const local = m.get(IFA.LOCAL) ?? m.get(IFA.ADDRESS);
  if (!local) return undefined;
  const brd = m.get(IFA.BROADCAST);
  const flags = m.get(IFA.FLAGS);
  return {
    index: h.index,
    family: h.family === AF_INET ? 4 : 6,
    address: `${formatIp(local)}/${h.prefixLen}`,
    scope: scopeName(h.scope),
    ...(brd ? { broadcast: formatIp(brd) } : {}),
    flags: flags ? read.u32(flags) : h.flags,
  };
}

/** An address request in wire form. */
export interface AddressWire {
  readonly index: number;
  readonly family: IpFamily;
  readonly bytes: Buffer;
  readonly prefix: number;
  readonly scope: number;
  readonly broadcast?: Buffer;
  readonly flags: number;
}

/** Encodes an RTM_NEWADDR / RTM_DELADDR body. */
export function encodeAddress(w: AddressWire): Buffer {
  const attrs: NlAttr[] = [];
  if (w.family === 4) attrs.push(attr.bytes(IFA.LOCAL, w.bytes));
  attrs.push(attr.bytes(IFA.ADDRESS, w.bytes));
  if (w.broadcast) attrs.push(attr.bytes(IFA.BROADCAST, w.broadcast));
  if (w.flags !== 0) attrs.push(attr.u32(IFA.FLAGS, w.flags));
  const header = encodeIfAddr({
    family: w.family === 4 ? AF_INET : AF_INET6,
    prefixLen: w.prefix,
    flags: w.flags & 0xff,
    scope: w.scope,
    index: w.index,
  });
  return Buffer.concat([header, encodeAttrs(attrs)]);
}
