/**
 * The typed model of nftables objects (nft(8), "RULESET" … "ELEMENTS"). Rules keep their body
 * as nft-syntax text: modelling expressions would duplicate nft's parser for no gain (the same
 * choice knftables makes). Every object names its family and table so a listing of a whole
 * ruleset and a transaction over several tables use one shape.
 */

/** Address families of nft(8) "ADDRESS FAMILIES". */
export const FAMILIES = ['ip', 'ip6', 'inet', 'bridge', 'netdev', 'arp'] as const;
export type Family = (typeof FAMILIES)[number];

/** Base chain types of nft(8) "CHAINS". */
export const CHAIN_TYPES = ['filter', 'nat', 'route'] as const;
export type ChainType = (typeof CHAIN_TYPES)[number];

/** Every hook name nft knows; which family allows which is checked in validate.ts. */
export const HOOKS = [
  'prerouting',
  'input',
  'forward',
  'output',
  'postrouting',
  'ingress',
  'egress',
] as const;
export type Hook = (typeof HOOKS)[number];

export type ChainPolicy = 'accept' | 'drop';

/** Set flags of nft(8) "SETS" that we support. */
export const SET_FLAGS = ['constant', 'dynamic', 'interval', 'timeout'] as const;
export type SetFlag = (typeof SET_FLAGS)[number];

/** `table FAMILY NAME`. */
export interface Table {
  readonly kind: 'table';
  readonly family: Family;
  readonly name: string;
  readonly comment?: string;
}

/**
 * `chain FAMILY TABLE NAME`. A base chain has `type`, `hook` and `priority` (all three or none);
 * the priority is always a number because nft 1.0.6 rejects some symbolic names, e.g.
 * `dstnat` on the output hook (notes/proxy-lb.md §3.1).
 */
export interface Chain {
  readonly kind: 'chain';
  readonly family: Family;
  readonly table: string;
  readonly name: string;
  readonly type?: ChainType;
  readonly hook?: Hook;
  readonly priority?: number;
  /** Base chains only; the kernel default is accept. */
  readonly policy?: ChainPolicy;
  /** netdev (and inet ingress) base chains bind to one device. */
  readonly device?: string;
  readonly comment?: string;
}

interface SetLike {
  readonly family: Family;
  readonly table: string;
  readonly name: string;
  /** Key data type in nft syntax, e.g. `ipv4_addr . inet_proto . inet_service`. */
  readonly type?: string;
  /** Alternative to `type`: the key as expressions, e.g. `ip daddr . tcp dport`. */
  readonly typeof?: string;
  readonly flags?: readonly SetFlag[];
  /** Default element timeout in seconds. */
  readonly timeout?: number;
  readonly size?: number;
  readonly comment?: string;
}

/** `set FAMILY TABLE NAME { type … }`. */
export interface NftSet extends SetLike {
  readonly kind: 'set';
}

/** `map FAMILY TABLE NAME { type KEY : VALUE }`; a verdict map has value `verdict`. */
export interface NftMap extends SetLike {
  readonly kind: 'map';
  /** The data type after `:`, e.g. `verdict` or `ipv4_addr . inet_service`. */
  readonly value?: string;
}

/** One element of a set (no value) or map (with value). */
export interface Element {
  readonly kind: 'element';
  readonly family: Family;
  readonly table: string;
  /** The set or map the element belongs to. */
  readonly set: string;
  /** The key in nft syntax: `10.96.0.1 . tcp . 443`, `10.0.0.0/8`, `30000-32767`. */
  readonly key: string;
  /** Map elements only: `goto service-x`, `10.0.0.1 . 8080`. */
  readonly value?: string;
  /** Seconds until the element expires (sets with the timeout flag). */
  readonly timeout?: number;
  readonly comment?: string;
}

/** A rule: its body is nft text, e.g. `ip daddr . meta l4proto . th dport vmap @service-ips`. */
export interface Rule {
  readonly kind: 'rule';
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  readonly rule: string;
  readonly comment?: string;
  /**
   * Kernel handle. Listings fill it in. In a transaction it positions `add` (after) and
   * `insert` (before), and is required by `replace` and `delete`.
   */
  readonly handle?: number;
}

/** Any nftables object of the model. */
export type NftObject = Table | Chain | NftSet | NftMap | Element | Rule;

/** Transaction verbs (knftables' set, minus those nft 1.0.6 lacks; see Transaction.destroy). */
export type Verb = 'add' | 'create' | 'insert' | 'replace' | 'flush' | 'delete' | 'destroy';

/** One queued command of a transaction. */
export interface Operation {
  readonly verb: Verb;
  readonly object: NftObject;
}
