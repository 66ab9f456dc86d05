import { describe, expect, it } from 'vitest';
import { dumpObjects, jsonValueText, readBack } from './index.js';

// Captured from nft 1.0.6 (`nft -j list ruleset` / `nft -a list ruleset`) on this machine.
const JSON_TEXT = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    { table: { family: 'inet', name: 't', handle: 1 } },
    {
      set: {
        family: 'inet',
        name: 'ty',
        table: 't',
        type: ['ipv4_addr', 'inet_service'],
        handle: 3,
        comment: 's',
      },
    },
    { map: { family: 'inet', name: 'tm2', table: 't', type: 'ipv4_addr', handle: 5, map: 'ipv4_addr' } },
    {
      set: {
        family: 'inet',
        name: 'big',
        table: 't',
        type: 'ipv4_addr',
        handle: 6,
        flags: ['interval'],
        elem: [{ prefix: { addr: '10.0.0.0', len: 8 } }, { range: ['11.0.0.1', '11.0.0.5'] }],
      },
    },
    {
      set: {
        family: 'inet',
        name: 'aff',
        table: 't',
        type: 'ipv4_addr',
        handle: 7,
        size: 65535,
        flags: ['timeout'],
        timeout: 10800,
        elem: [{ elem: { val: '192.0.2.7', timeout: 600, expires: 599, comment: 'c' } }],
      },
    },
    {
      map: {
        family: 'inet',
        name: 'm',
        table: 't',
        type: ['ipv4_addr', 'inet_proto', 'inet_service'],
        handle: 8,
        map: 'verdict',
        elem: [[{ concat: ['10.96.0.1', 'tcp', 443] }, { goto: { target: 'r' } }]],
      },
    },
    {
      chain: {
        family: 'inet',
        table: 't',
        name: 'c',
        handle: 1,
        type: 'filter',
        hook: 'input',
        prio: 0,
        policy: 'accept',
      },
    },
    { chain: { family: 'inet', table: 't', name: 'r', handle: 2 } },
    { rule: { family: 'inet', table: 't', chain: 'c', handle: 8, expr: [{ jump: { target: 'r' } }] } },
  ],
});

const LISTING = `table inet t { # handle 1
\tcomment "tc"
\tset ty { # handle 3
\t\ttypeof ip daddr . tcp dport
\t\tcomment "s"
\t}

\tmap tm2 { # handle 5
\t\ttypeof ip daddr : ip saddr
\t}

\tset big { # handle 6
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 10.0.0.0/8, 11.0.0.1-11.0.0.5 }
\t}

\tset aff { # handle 7
\t\ttype ipv4_addr
\t\tsize 65535
\t\tflags dynamic,timeout
\t\ttimeout 3h
\t\telements = { 192.0.2.7 timeout 10m expires 9m59s comment "c" }
\t}

\tchain c { # handle 1
\t\tcomment "base c"
\t\ttype filter hook input priority filter; policy accept;
\t\tjump r # handle 8
\t}

\tchain r { # handle 2
\t\tcomment "rc"
\t\tip daddr . tcp dport @ty counter packets 3 bytes 180 accept comment "x y" # handle 7
\t}
}
`;

describe('readBack', () => {
  it('merges JSON structure with what only the text listing has', () => {
    const objects = readBack(JSON_TEXT, LISTING);
    expect(dumpObjects(objects)).toBe(
      [
        'add table inet t { comment "tc" ; }',
        'add chain inet t c { type filter hook input priority 0 ; policy accept ; comment "base c" ; }',
        'add chain inet t r { comment "rc" ; }',
        'add set inet t aff { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }',
        'add set inet t big { type ipv4_addr ; flags interval ; }',
        'add set inet t ty { typeof ip daddr . tcp dport ; comment "s" ; }',
        'add map inet t m { type ipv4_addr . inet_proto . inet_service : verdict ; }',
        'add map inet t tm2 { typeof ip daddr : ip saddr ; }',
        'add rule inet t c jump r',
        'add rule inet t r ip daddr . tcp dport @ty counter accept comment "x y"',
        'add element inet t aff { 192.0.2.7 timeout 600s comment "c" }',
        'add element inet t big { 10.0.0.0/8 }',
        'add element inet t big { 11.0.0.1-11.0.0.5 }',
        'add element inet t m { 10.96.0.1 . tcp . 443 : goto r }',
        '',
      ].join('\n'),
    );
    const rules = objects.filter((o) => o.kind === 'rule');
    expect(rules.map((r) => r.handle)).toEqual([8, 7]);
  });

  it('renders element expressions', () => {
    expect(jsonValueText({ concat: ['10.0.0.1', 80] })).toBe('10.0.0.1 . 80');
    expect(jsonValueText({ jump: { target: 'x' } })).toBe('jump x');
    expect(jsonValueText({ drop: null })).toBe('drop');
  });

  it('rejects output that is not an nft listing, naming it', () => {
    expect(() => readBack('not json', '')).toThrow('json: nft -j output is not JSON');
    expect(() => readBack('{"x":1}', '')).toThrow('json: missing "nftables" array');
  });
});
