/** The overlay's flags: defaults, and every bad value rejected naming its flag. */
import { describe, expect, it } from 'vitest';
import { parseOverlayConfig } from './config.js';

describe('parseOverlayConfig', () => {
  it('defaults everything but the node name', () => {
    expect(parseOverlayConfig({ 'node-name': 'node-1' })).toEqual({
      nodeName: 'node-1',
      backend: 'vxlan',
      vni: 1,
      underlay: { kind: 'node' },
      clusterCIDR: '10.244.0.0/16',
      resyncPeriodMs: 10_000,
    });
  });

  it('takes every flag', () => {
    expect(
      parseOverlayConfig({
        'node-name': 'node-2',
        backend: 'host-gw',
        vni: '4242',
        'node-ip': '172.30.0.12',
        'cluster-cidr': '10.0.0.0/8',
        'resync-period': '2s',
        netns: 'sy-lab-node-2',
      }),
    ).toEqual({
      nodeName: 'node-2',
      backend: 'host-gw',
      vni: 4242,
      underlay: { kind: 'ip', ip: '172.30.0.12' },
      clusterCIDR: '10.0.0.0/8',
      resyncPeriodMs: 2000,
      netns: 'sy-lab-node-2',
    });
    expect(parseOverlayConfig({ 'node-name': 'n', iface: 'eth0' }).underlay).toEqual({
      kind: 'iface',
      iface: 'eth0',
    });
  });

  it.each([
    [{ 'node-name': undefined }, '--node-name'],
    [{ 'node-name': 'Node_1' }, '--node-name'],
    [{ backend: 'udp' }, '--backend'],
    [{ vni: '0' }, '--vni'],
    [{ vni: '16777216' }, '--vni'],
    [{ vni: 'x' }, '--vni'],
    [{ iface: 'eth0', 'node-ip': '172.30.0.11' }, '--iface'],
    [{ iface: 'a-name-longer-than-15' }, '--iface'],
    [{ 'node-ip': 'fd00::1' }, '--node-ip'],
    [{ 'cluster-cidr': '10.244.1.0/16' }, '--cluster-cidr'],
    [{ 'cluster-cidr': 'fd00::/48' }, '--cluster-cidr'],
    [{ 'cluster-cidr': 'nope' }, '--cluster-cidr'],
    [{ 'resync-period': '-1s' }, '--resync-period'],
    [{ netns: '../x' }, '--netns'],
    [{ backend: true }, '--backend'],
  ])('%j → an error naming %s', (values, flag) => {
    expect(() => parseOverlayConfig({ 'node-name': 'node-1', ...values })).toThrow(new RegExp(`^${flag}: `));
  });
});
