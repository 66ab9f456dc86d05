import type { Transaction } from './transaction.js';
import type { Family, NftObject } from './types.js';

/**
 * The nftables adapter contract, implemented by the real `nft` runner (createNft) and by
 * FakeNft. Both apply a Transaction all-or-nothing and raise the same coded errors.
 */
export interface Nft {
  /** Applies the transaction atomically; throws its validation error or nft's error. */
  run(tx: Transaction): Promise<void>;
  /** Checks the transaction without applying it (`nft -c -f -`). */
  check(tx: Transaction): Promise<void>;
  /** One table's objects in canonical order, rules with handles; missing table → isNotFound. */
  listTable(family: Family, name: string): Promise<NftObject[]>;
  /** Every table's objects in canonical order. */
  listRuleset(): Promise<NftObject[]>;
}
