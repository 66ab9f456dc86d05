import { describe, expect, it } from 'vitest';
import { isInvalid } from '../errors/index.js';
import { parseScript, renderScript, Transaction } from './index.js';
import { chain, element, proxyTransaction, rule, serviceIps, T, table } from './testing/fixtures.js';

describe('Transaction rendering', () => {
  it('renders one knftables-style command per line, numeric priorities, ";" before "}"', () => {
    const tx = new Transaction()
      .add(table)
      .add(chain('nat-output', { type: 'nat', hook: 'output', priority: -100 }))
      .add(
        chain('filter-input', { type: 'filter', hook: 'input', priority: 0, policy: 'drop', comment: 'in' }),
      )
      .add(chain('services'))
      .add(serviceIps)
      .add({
        kind: 'set',
        family: 'ip',
        table: T,
        name: 'aff',
        type: 'ipv4_addr',
        flags: ['dynamic', 'timeout'],
        timeout: 60,
        size: 1024,
      })
      .add(rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips', { comment: 'dispatch' }))
      .insert(rule('services', 'ct state invalid drop', { handle: 4 }))
      .replace(rule('services', 'counter', { handle: 5 }))
      .add(
        element('service-ips', '10.96.0.1 . tcp . 80', {
          value: 'goto service-x',
          comment: 'svc',
          timeout: 30,
        }),
      )
      .delete(element('service-ips', '10.96.0.2 . tcp . 80'))
      .delete(rule('services', '', { handle: 9 }))
      .flush(chain('services'))
      .delete(chain('old'));
    expect(tx.toString()).toBe(
      [
        'add table ip sy-proxy { comment "switchyard test" ; }',
        'add chain ip sy-proxy nat-output { type nat hook output priority -100 ; }',
        'add chain ip sy-proxy filter-input { type filter hook input priority 0 ; policy drop ; comment "in" ; }',
        'add chain ip sy-proxy services',
        'add map ip sy-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }',
        'add set ip sy-proxy aff { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; size 1024 ; }',
        'add rule ip sy-proxy services ip daddr . meta l4proto . th dport vmap @service-ips comment "dispatch"',
        'insert rule ip sy-proxy services handle 4 ct state invalid drop',
        'replace rule ip sy-proxy services handle 5 counter',
        'add element ip sy-proxy service-ips { 10.96.0.1 . tcp . 80 timeout 30s comment "svc" : goto service-x }',
        'delete element ip sy-proxy service-ips { 10.96.0.2 . tcp . 80 }',
        'delete rule ip sy-proxy services handle 9',
        'flush chain ip sy-proxy services',
        'delete chain ip sy-proxy old',
        '',
      ].join('\n'),
    );
    expect(tx.size).toBe(14);
    expect(tx.error).toBeUndefined();
  });

  it('renders destroy as add + delete because nft 1.0.6 has no destroy command', () => {
    const tx = new Transaction()
      .destroy(table)
      .destroy(chain('x'))
      .destroy({ ...serviceIps, name: 'gone' });
    expect(tx.toString().split('\n')).toEqual([
      'add table ip sy-proxy { comment "switchyard test" ; }',
      'delete table ip sy-proxy',
      'add chain ip sy-proxy x',
      'delete chain ip sy-proxy x',
      'add map ip sy-proxy gone { type ipv4_addr . inet_proto . inet_service : verdict ; }',
      'delete map ip sy-proxy gone',
      '',
    ]);
  });
});

describe('Transaction validation', () => {
  const cases: [string, (tx: Transaction) => unknown, string][] = [
    ['bad family', (tx) => tx.add({ ...table, family: 'ipx' as 'ip' }), 'table.family'],
    ['bad table name', (tx) => tx.add({ ...table, name: 'has space' }), 'table.name'],
    ['half a base chain', (tx) => tx.add(chain('c', { type: 'filter', hook: 'input' })), 'chain.type'],
    [
      'wrong hook for family',
      (tx) => tx.add(chain('c', { type: 'filter', hook: 'ingress', priority: 0 })),
      'chain.hook',
    ],
    [
      'fractional priority',
      (tx) => tx.add(chain('c', { type: 'filter', hook: 'input', priority: 1.5 })),
      'chain.priority',
    ],
    ['policy on a regular chain', (tx) => tx.add(chain('c', { policy: 'drop' })), 'chain.policy'],
    [
      'nat in bridge',
      (tx) =>
        tx.add({
          kind: 'chain',
          family: 'bridge',
          table: 'b',
          name: 'c',
          type: 'nat',
          hook: 'input',
          priority: 0,
        }),
      'chain.type',
    ],
    [
      'ingress without device',
      (tx) =>
        tx.add({
          kind: 'chain',
          family: 'netdev',
          table: 'n',
          name: 'c',
          type: 'filter',
          hook: 'ingress',
          priority: 0,
        }),
      'chain.device',
    ],
    ['set without type', (tx) => tx.add({ kind: 'set', family: 'ip', table: T, name: 's' }), 'set.type'],
    ['map without value', (tx) => tx.add({ ...serviceIps, value: undefined } as never), 'map.value'],
    ['unknown set flag', (tx) => tx.add({ ...serviceIps, flags: ['sparse' as 'interval'] }), 'map.flags'],
    ['zero timeout', (tx) => tx.add({ ...serviceIps, timeout: 0 }), 'map.timeout'],
    ['rule smuggling a command', (tx) => tx.add(rule('c', 'accept; flush ruleset')), 'rule.rule'],
    ['empty rule', (tx) => tx.add(rule('c', '  ')), 'rule.rule'],
    ['replace without handle', (tx) => tx.replace(rule('c', 'accept')), 'rule.handle'],
    ['delete rule without handle', (tx) => tx.delete(rule('c', 'accept')), 'rule.handle'],
    ['quote in comment', (tx) => tx.add(rule('c', 'accept', { comment: 'a"b' })), 'rule.comment'],
    ['two elements in one key', (tx) => tx.add(element('s', '1.1.1.1, 2.2.2.2')), 'element.key'],
    ['destroy an element', (tx) => tx.destroy(element('s', '1.1.1.1')), 'element'],
    ['flush a rule', (tx) => tx.flush(rule('c', 'accept')), 'rule'],
  ];
  for (const [name, build, field] of cases) {
    it(`keeps the first error and names the field: ${name}`, () => {
      const tx = new Transaction().add(table);
      expect(() => build(tx)).not.toThrow();
      tx.add(chain('after-the-error'));
      expect(isInvalid(tx.error)).toBe(true);
      expect(tx.error?.field).toBe(field);
      expect(tx.error?.message.startsWith(`${field}: `)).toBe(true);
      // Operations after the error are ignored; those before it stay.
      expect(tx.size).toBe(1);
    });
  }
});

describe('parseScript', () => {
  it('round-trips every command the renderer writes', () => {
    const tx = proxyTransaction()
      .insert(rule('services', 'ct state invalid drop', { handle: 4, comment: 'x' }))
      .replace(rule('services', 'counter', { handle: 5 }))
      .delete(element('cluster-ips', '10.96.0.1'))
      .delete(rule('services', '', { handle: 9 }))
      .flush(chain('services'))
      .add({
        kind: 'chain',
        family: 'netdev',
        table: 'n',
        name: 'in',
        type: 'filter',
        hook: 'ingress',
        device: 'eth0',
        priority: -5,
      })
      .create(element('service-ips', 'fd00::1 . tcp . 80', { value: 'goto x', timeout: 5, comment: 'v6' }));
    const again = parseScript(tx.toString());
    expect(again.operations).toEqual(tx.operations);
    expect(again.toString()).toBe(tx.toString());
    expect(renderScript(again.operations)).toBe(tx.toString());
  });

  it('names the line it cannot read', () => {
    expect(() => parseScript('add table ip t\nfrobnicate things\n')).toThrow('script: line 2: cannot parse');
    expect(() => parseScript('add chain ip t c { type filter ; }')).toThrow(
      /line 1: unknown chain statement/,
    );
    expect(() => parseScript('add rule ip t c accept; drop')).toThrow(/line 1: rule\.rule/);
  });
});
