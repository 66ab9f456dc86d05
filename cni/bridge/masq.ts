/**
 * ipMasq with nftables in the plugin's own tables (`ip` and `ip6` switchyard-cni-bridge): one
 * fixed rule per family over two sets, so ADD and DEL only add or remove set elements in one
 * `nft -f -` — no per-pod chains, no iptables lock (notes/cni.md §2.5, lessons 4 and 5).
 *   postrouting (nat, srcnat 100): ip saddr @masq-pods ip daddr != @masq-local
 *                                  ip daddr != 224.0.0.0/4 masquerade
 * masq-local holds the networks' subnets, so pod-to-pod traffic keeps its source address.
 */
import { familyOf } from '../../lib/cni/index.js';
import { type Family, Transaction } from '../../lib/nft/index.js';

/** The table every bridge network shares, one per IP family. */
export const MASQ_TABLE = 'switchyard-cni-bridge';

interface FamilySpec {
  readonly family: Family;
  readonly addrType: string;
  readonly match: string;
  readonly multicast: string;
}

const FAMILIES: Readonly<Record<'4' | '6', FamilySpec>> = {
  4: { family: 'ip', addrType: 'ipv4_addr', match: 'ip', multicast: '224.0.0.0/4' },
  6: { family: 'ip6', addrType: 'ipv6_addr', match: 'ip6', multicast: 'ff00::/8' },
};

function ensureBase(tx: Transaction, f: FamilySpec): void {
  const table = MASQ_TABLE;
  tx.add({ kind: 'table', family: f.family, name: table });
  tx.add({ kind: 'set', family: f.family, table, name: 'masq-pods', type: f.addrType });
  tx.add({ kind: 'set', family: f.family, table, name: 'masq-local', type: f.addrType, flags: ['interval'] });
  tx.add({
    kind: 'chain',
    family: f.family,
    table,
    name: 'postrouting',
    type: 'nat',
    hook: 'postrouting',
    priority: 100,
  });
  // Flush + add keeps exactly one copy of the fixed rule however many ADDs ran concurrently.
  tx.flush({ kind: 'chain', family: f.family, table, name: 'postrouting' });
  tx.add({
    kind: 'rule',
    family: f.family,
    table,
    chain: 'postrouting',
    rule: `${f.match} saddr @masq-pods ${f.match} daddr != @masq-local ${f.match} daddr != ${f.multicast} masquerade`,
  });
}

/** One pod address to masquerade, with its network's subnet (both CIDR text). */
export interface MasqEntry {
  readonly address: string;
  readonly subnet: string;
}

/** The transaction that masquerades `entries` (idempotent: `add` of an existing element is a no-op). */
export function masqAdd(entries: readonly MasqEntry[]): Transaction {
  const tx = new Transaction();
  for (const fam of ['4', '6'] as const) {
    const mine = entries.filter((e) => familyOf(e.address) === fam);
    if (mine.length === 0) continue;
    const f = FAMILIES[fam];
    ensureBase(tx, f);
    for (const e of mine) {
      tx.add({ kind: 'element', family: f.family, table: MASQ_TABLE, set: 'masq-local', key: e.subnet });
      tx.add({
        kind: 'element',
        family: f.family,
        table: MASQ_TABLE,
        set: 'masq-pods',
        key: e.address.split('/')[0] ?? '',
      });
    }
  }
  return tx;
}

/**
 * The transaction that stops masquerading `addresses`; absent elements or tables are fine
 * (DEL is idempotent), because each removal is an add-then-delete in one transaction.
 */
export function masqDel(addresses: readonly string[]): Transaction {
  const tx = new Transaction();
  for (const fam of ['4', '6'] as const) {
    const mine = addresses.filter((a) => familyOf(a) === fam);
    if (mine.length === 0) continue;
    const f = FAMILIES[fam];
    tx.add({ kind: 'table', family: f.family, name: MASQ_TABLE });
    tx.add({ kind: 'set', family: f.family, table: MASQ_TABLE, name: 'masq-pods', type: f.addrType });
    for (const a of mine) {
      // Delete-if-present: nft 1.0.6 has no `destroy`, so add (a no-op when present) then delete.
      const element = {
        kind: 'element',
        family: f.family,
        table: MASQ_TABLE,
        set: 'masq-pods',
        key: a.split('/')[0] ?? '',
      } as const;
      tx.add(element).delete(element);
    }
  }
  return tx;
}
