/**
 * A small kube-proxy-shaped ruleset (notes/proxy-lb.md §1.2) shared by the unit, fake and
 * kernel tests. Rule bodies are written the way `nft list` prints them, so the kernel's
 * read-back compares verbatim (see canonical.ts).
 */
import { Transaction } from '../transaction.js';
import type { Chain, Element, NftMap, NftSet, Rule, Table } from '../types.js';

export const T = 'sy-proxy';

export const table: Table = { kind: 'table', family: 'ip', name: T, comment: 'switchyard test' };

export const chain = (
  name: string,
  extra: Partial<Omit<Chain, 'kind' | 'family' | 'table' | 'name'>> = {},
): Chain => ({ kind: 'chain', family: 'ip', table: T, name, ...extra }) as Chain;

export const rule = (
  chainName: string,
  body: string,
  extra: { comment?: string; handle?: number } = {},
): Rule => ({
  kind: 'rule',
  family: 'ip',
  table: T,
  chain: chainName,
  rule: body,
  ...extra,
});

export const element = (
  set: string,
  key: string,
  extra: Partial<Pick<Element, 'value' | 'timeout' | 'comment'>> = {},
): Element => ({ kind: 'element', family: 'ip', table: T, set, key, ...extra }) as Element;

export const clusterIps: NftSet = {
  kind: 'set',
  family: 'ip',
  table: T,
  name: 'cluster-ips',
  type: 'ipv4_addr',
};

export const affinity: NftSet = {
  kind: 'set',
  family: 'ip',
  table: T,
  name: 'affinity-abc',
  type: 'ipv4_addr',
  flags: ['dynamic', 'timeout'],
  timeout: 10800,
  comment: 'ClientIP affinity',
};

export const serviceIps: NftMap = {
  kind: 'map',
  family: 'ip',
  table: T,
  name: 'service-ips',
  type: 'ipv4_addr . inet_proto . inet_service',
  value: 'verdict',
};

export const dnatTargets: NftMap = {
  kind: 'map',
  family: 'ip',
  table: T,
  name: 'dnat-targets',
  type: 'ipv4_addr',
  value: 'ipv4_addr . inet_service',
};

/** nft 1.0.6 needs a typeof map's value as an expression too (`ipv4_addr` lacks typeof data). */
export const sourceByDest: NftMap = {
  kind: 'map',
  family: 'ip',
  table: T,
  name: 'source-by-dest',
  typeof: 'ip daddr',
  value: 'ip saddr',
};

export const serviceRanges: NftSet = {
  kind: 'set',
  family: 'ip',
  table: T,
  name: 'service-ranges',
  type: 'ipv4_addr',
  flags: ['interval'],
};

/** The whole fixture as one transaction: table, base chains, sets, a vmap, rules, elements. */
export function proxyTransaction(): Transaction {
  const tx = new Transaction();
  tx.add(table)
    .add(chain('nat-prerouting', { type: 'nat', hook: 'prerouting', priority: -100 }))
    // Numeric -100: nft 1.0.6 rejects the `dstnat` name on the output hook.
    .add(chain('nat-output', { type: 'nat', hook: 'output', priority: -100 }))
    .add(chain('filter-forward', { type: 'filter', hook: 'forward', priority: -110, policy: 'accept' }))
    .add(chain('services', { comment: 'ClusterIP dispatch' }))
    .add(chain('service-abc'))
    .add(chain('endpoint-1'))
    .add(chain('endpoint-2'))
    .add(clusterIps)
    .add(affinity)
    .add(serviceIps)
    .add(dnatTargets)
    .add(sourceByDest)
    .add(serviceRanges)
    .add(rule('nat-prerouting', 'jump services'))
    .add(rule('nat-output', 'jump services'))
    .add(rule('filter-forward', 'ct state new ip daddr @cluster-ips counter', { comment: 'new to services' }))
    .add(rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips'))
    .add(rule('service-abc', 'ip saddr @affinity-abc goto endpoint-1'))
    .add(rule('service-abc', 'numgen random mod 2 vmap { 0 : goto endpoint-1, 1 : goto endpoint-2 }'))
    .add(rule('endpoint-1', 'update @affinity-abc { ip saddr }'))
    .add(rule('endpoint-1', 'meta l4proto tcp dnat to 10.0.1.2:8080'))
    .add(rule('endpoint-2', 'meta l4proto tcp dnat to 10.0.2.2:8080'))
    .add(element('cluster-ips', '10.96.0.1'))
    .add(element('cluster-ips', '10.96.0.10'))
    .add(element('service-ips', '10.96.0.1 . tcp . 80', { value: 'goto service-abc' }))
    .add(element('service-ips', '10.96.0.10 . udp . 53', { value: 'goto endpoint-2', comment: 'dns' }))
    .add(element('affinity-abc', '192.0.2.7', { timeout: 600 }))
    .add(element('dnat-targets', '10.96.0.1', { value: '10.0.1.2 . 8080' }))
    .add(element('source-by-dest', '10.96.0.1', { value: '10.0.1.2' }))
    .add(element('service-ranges', '10.96.0.0/16'))
    .add(element('service-ranges', '10.100.0.1-10.100.0.9'));
  return tx;
}

/**
 * A kube-proxy-shaped ruleset for `services` Services with two endpoints each: one
 * `service-ips` vmap element, one service chain and two endpoint chains per Service.
 */
export function scaledTransaction(services: number): Transaction {
  const tx = new Transaction()
    .add(table)
    .add(chain('nat-prerouting', { type: 'nat', hook: 'prerouting', priority: -100 }))
    .add(chain('services'))
    .add(serviceIps)
    .add(rule('nat-prerouting', 'jump services'))
    .add(rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips'));
  for (let i = 0; i < services; i += 1) {
    const ip = `10.96.${i >> 8}.${i & 255}`;
    const svc = `service-${i}`;
    tx.add(chain(svc));
    for (const ep of [1, 2]) {
      const epChain = `endpoint-${i}-${ep}`;
      tx.add(chain(epChain)).add(
        rule(epChain, `meta l4proto tcp dnat to 10.${ep}.${i >> 8}.${i & 255}:8080`),
      );
    }
    tx.add(rule(svc, `numgen random mod 2 vmap { 0 : goto endpoint-${i}-1, 1 : goto endpoint-${i}-2 }`));
    tx.add(element('service-ips', `${ip} . tcp . 80`, { value: `goto ${svc}` }));
  }
  return tx;
}
