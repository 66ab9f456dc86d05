import { describe, expect, it } from 'vitest';
import type { NetConf } from '../../lib/cni/index.js';
import { readEnv } from '../skel/index.js';
import { masqAdd, masqDel, parseBridgeConfig } from './index.js';

const env = readEnv({
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c',
  CNI_NETNS: '/x',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'MAC=AA:BB:CC:DD:EE:01',
});
const conf = (extra: Record<string, unknown>): NetConf => ({
  cniVersion: '1.1.0',
  name: 'n',
  type: 'bridge',
  ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.0.0/24' }]] },
  ...extra,
});

describe('bridge config', () => {
  it('defaults like the reference bridge; isDefaultGateway implies isGateway; MAC from CNI_ARGS', () => {
    if (!env) throw new Error('env');
    const c = parseBridgeConfig(conf({ isDefaultGateway: true }), env);
    expect(c).toMatchObject({
      bridge: 'cni0',
      isGateway: true,
      isDefaultGateway: true,
      ipMasq: false,
      hairpinMode: false,
      mtu: undefined,
      vlan: undefined,
      mac: 'aa:bb:cc:dd:ee:01',
      ipamType: 'host-local',
    });
    expect(c.hostLocal?.rangeSets).toHaveLength(1);
    expect(parseBridgeConfig(conf({ ipam: {} }), env).ipamType).toBeUndefined();
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['vlan range', { vlan: 5000 }, 'vlan: must be an integer 0–4094, got 5000'],
    ['mtu range', { mtu: 20 }, 'mtu: must be an integer 68–65535, got 20'],
    [
      'hairpin and promisc',
      { hairpinMode: true, promiscMode: true },
      'promiscMode: cannot be set with hairpinMode',
    ],
    [
      'bridge name',
      { bridge: 'a-very-long-bridge-name' },
      'bridge: "a-very-long-bridge-name" is 23 bytes, longer than 15',
    ],
    [
      'bridge name all',
      { bridge: 'all' },
      'bridge: "all" is reserved (/proc/sys/net/*/conf/all is not an interface)',
    ],
    [
      'prevResult interface name',
      { prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'x\ny' }] } },
      'prevResult.interfaces[0].name: "x\\ny" contains whitespace',
    ],
    ['boolean type', { ipMasq: 'yes' }, 'ipMasq: must be true or false, got "yes"'],
    ['missing ipam', { ipam: undefined }, 'ipam: must be an object'],
    ['bad ipam type', { ipam: { type: 5 } }, 'ipam.type: must be a plugin name'],
    [
      'bad host-local config',
      { ipam: { type: 'host-local', ranges: [] } },
      'ipam.ranges: no IP ranges specified',
    ],
    ['bad MAC', { args: { cni: { mac: 'zz' } } }, 'args.cni.mac: not a MAC address: "zz"'],
  ];
  it.each(bad)('%s: the error names the field', (_n, extra, msg) => {
    if (!env) throw new Error('env');
    expect(() => parseBridgeConfig(conf(extra), env)).toThrow(msg);
  });
});

describe('ipMasq transactions', () => {
  it('ADD adds the fixed rule once and the pod and subnet elements; DEL removes only the pod element', () => {
    expect(masqAdd([{ address: '10.1.0.5/24', subnet: '10.1.0.0/24' }]).toString()).toBe(
      [
        'add table ip switchyard-cni-bridge',
        'add set ip switchyard-cni-bridge masq-pods { type ipv4_addr ; }',
        'add set ip switchyard-cni-bridge masq-local { type ipv4_addr ; flags interval ; }',
        'add chain ip switchyard-cni-bridge postrouting { type nat hook postrouting priority 100 ; }',
        'flush chain ip switchyard-cni-bridge postrouting',
        'add rule ip switchyard-cni-bridge postrouting ip saddr @masq-pods ip daddr != @masq-local ip daddr != 224.0.0.0/4 masquerade',
        'add element ip switchyard-cni-bridge masq-local { 10.1.0.0/24 }',
        'add element ip switchyard-cni-bridge masq-pods { 10.1.0.5 }',
        '',
      ].join('\n'),
    );
    const del = masqDel(['fd00::5']).toString();
    expect(del).toContain(
      'add element ip6 switchyard-cni-bridge masq-pods { fd00::5 }\ndelete element ip6 switchyard-cni-bridge masq-pods { fd00::5 }',
    );
    expect(del).not.toContain('masq-local {');
  });
});
