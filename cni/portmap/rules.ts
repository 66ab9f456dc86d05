/**
 * portmap's nftables layout, in its own tables `ip|ip6 switchyard-cni-portmap`. The chains and
 * rules are fixed; containers only add map and set elements, each commented
 * `<containerID>/<ifname>`, so DEL removes exactly its own entries (and nothing when repeated).
 *   prerouting, output (nat, dstnat -100): fib daddr type local jump hostports
 *   hostports: dnat to (daddr . proto . dport) via @hostip-ports, else (proto . dport) via @hostports
 *   postrouting (nat, srcnat 100): saddr . daddr @hairpin masquerade      (pod → own host port)
 *                                  saddr <loopback> daddr @local-pods masquerade (localhost → pod)
 *                                  ct status dnat daddr @masq-all masquerade     (masqAll)
 */
import { familyOf } from '../../lib/cni/index.js';
import { type Element, type Family, Transaction } from '../../lib/nft/index.js';
import type { PortMapping } from './config.js';

/** The table portmap owns, per IP family. */
export const PORTMAP_TABLE = 'switchyard-cni-portmap';

interface Fam {
  readonly family: Family;
  readonly addr: string;
  readonly match: string;
  readonly loopback: string;
}

/** Per-family names and syntax. */
export const FAMS: Readonly<Record<'4' | '6', Fam>> = {
  4: { family: 'ip', addr: 'ipv4_addr', match: 'ip', loopback: '127.0.0.0/8' },
  6: { family: 'ip6', addr: 'ipv6_addr', match: 'ip6', loopback: '::1' },
};

function base(tx: Transaction, f: Fam): void {
  const t = { family: f.family, table: PORTMAP_TABLE } as const;
  tx.add({ kind: 'table', family: f.family, name: PORTMAP_TABLE });
  tx.add({
    kind: 'map',
    ...t,
    name: 'hostports',
    type: 'inet_proto . inet_service',
    value: `${f.addr} . inet_service`,
  });
  tx.add({
    kind: 'map',
    ...t,
    name: 'hostip-ports',
    type: `${f.addr} . inet_proto . inet_service`,
    value: `${f.addr} . inet_service`,
  });
  tx.add({ kind: 'set', ...t, name: 'hairpin', type: `${f.addr} . ${f.addr}` });
  tx.add({ kind: 'set', ...t, name: 'local-pods', type: f.addr });
  tx.add({ kind: 'set', ...t, name: 'masq-all', type: f.addr });
  tx.add({ kind: 'chain', ...t, name: 'hostports' });
  tx.add({ kind: 'chain', ...t, name: 'prerouting', type: 'nat', hook: 'prerouting', priority: -100 });
  tx.add({ kind: 'chain', ...t, name: 'output', type: 'nat', hook: 'output', priority: -100 });
  tx.add({ kind: 'chain', ...t, name: 'postrouting', type: 'nat', hook: 'postrouting', priority: 100 });
  // Flush + add keeps exactly one copy of each fixed rule, however many ADDs ran at once.
  for (const chain of ['hostports', 'prerouting', 'output', 'postrouting'])
    tx.flush({ kind: 'chain', ...t, name: chain });
  const rule = (chain: string, text: string) => tx.add({ kind: 'rule', ...t, chain, rule: text });
  rule('prerouting', 'fib daddr type local jump hostports');
  rule('output', 'fib daddr type local jump hostports');
  rule('hostports', `dnat ${f.match} to ${f.match} daddr . meta l4proto . th dport map @hostip-ports`);
  rule('hostports', `dnat ${f.match} to meta l4proto . th dport map @hostports`);
  rule('postrouting', `${f.match} saddr . ${f.match} daddr @hairpin masquerade`);
  rule('postrouting', `${f.match} saddr ${f.loopback} ${f.match} daddr @local-pods masquerade`);
  rule('postrouting', `ct status dnat ${f.match} daddr @masq-all masquerade`);
}

/** What one container maps: its addresses (no prefix) and the mappings. */
export interface PortmapEntry {
  readonly owner: string;
  readonly podIps: readonly string[];
  readonly mappings: readonly PortMapping[];
  readonly snat: boolean;
  readonly masqAll: boolean;
}

/** The elements an entry owns, per family (a hostIP of the other family is skipped). */
export function entryElements(e: PortmapEntry): Element[] {
  const out: Element[] = [];
  for (const podIp of e.podIps) {
    const fam = familyOf(podIp);
    const f = FAMS[fam];
    const el = (set: string, key: string, value?: string): Element => ({
      kind: 'element',
      family: f.family,
      table: PORTMAP_TABLE,
      set,
      key,
      comment: e.owner,
      ...(value === undefined ? {} : { value }),
    });
    for (const m of e.mappings) {
      if (m.hostIP !== undefined && familyOf(m.hostIP) !== fam) continue;
      const value = `${podIp} . ${m.containerPort}`;
      out.push(
        m.hostIP === undefined
          ? el('hostports', `${m.protocol} . ${m.hostPort}`, value)
          : el('hostip-ports', `${m.hostIP} . ${m.protocol} . ${m.hostPort}`, value),
      );
    }
    if (e.mappings.length > 0 && e.snat) {
      out.push(el('hairpin', `${podIp} . ${podIp}`), el('local-pods', podIp));
    }
    if (e.mappings.length > 0 && e.masqAll) out.push(el('masq-all', podIp));
  }
  return out;
}

/** ADD: the fixed layout for the families in use plus the entry's elements, one transaction. */
export function portmapAdd(e: PortmapEntry): Transaction {
  const tx = new Transaction();
  const elements = entryElements(e);
  for (const fam of ['4', '6'] as const) {
    if (elements.some((el) => el.family === FAMS[fam].family)) base(tx, FAMS[fam]);
  }
  return tx.addElements(elements);
}

/** Deletes the given (listed) elements; keys only, as nft's `delete element` wants them. */
export function portmapDelete(elements: readonly Element[]): Transaction {
  const tx = new Transaction();
  for (const e of elements) {
    tx.delete({ kind: 'element', family: e.family, table: e.table, set: e.set, key: e.key });
  }
  return tx;
}
