/** The overlay's plan, pure: desired state per backend, and the diff against observed state. */
import { describe, expect, it } from 'vitest';
import type { Link, Route } from '../lib/netlink/index.js';
import type { OverlayNode } from './model.js';
import { type Action, desiredState, type Observed, ownsRoute, type PlanInput, planActions } from './plan.js';

const MAC = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03'] as const;
const node = (i: number, extra: Partial<OverlayNode> = {}): OverlayNode => ({
  name: `node-${i}`,
  podCIDR: `10.244.${i}.0/24`,
  nodeIP: `172.30.0.${10 + i}`,
  vtepMac: MAC[i - 1] as string,
  backend: 'vxlan',
  ...extra,
});
const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  backend: 'vxlan',
  vni: 1,
  clusterCIDR: '10.244.0.0/16',
  nodeName: 'node-1',
  podCIDR: '10.244.1.0/24',
  nodeIP: '172.30.0.11',
  underlayDev: 'eth0',
  underlayMtu: 1500,
  vtepMac: MAC[0],
  nodes: [node(1), node(2), node(3)],
  ...over,
});
const vxlanLink = (over: Partial<Link> = {}): Link => ({
  index: 5,
  name: 'sy-vx.1',
  kind: 'vxlan',
  up: true,
  lowerUp: true,
  mtu: 1450,
  mac: MAC[0],
  promisc: false,
  vxlan: { vni: 1, local: '172.30.0.11', dstPort: 4789, dev: 'eth0', learning: false, ttl: 0 },
  ...over,
});
const route = (dst: string, over: Partial<Route> = {}): Route => ({
  family: 4,
  dst,
  table: 254,
  type: 'unicast',
  scope: 'universe',
  protocol: 'static',
  gateway: dst.replace(/\/24$/, ''),
  dev: 'sy-vx.1',
  onlink: true,
  ...over,
});
/** The kernel exactly as the plan for `input()` leaves it. */
const converged = (): Observed => ({
  device: vxlanLink(),
  addresses: ['10.244.1.0/32'],
  neighbours: [2, 3].map((i) => ({
    link: 'sy-vx.1',
    family: 4 as const,
    address: `10.244.${i}.0`,
    mac: MAC[i - 1] as string,
    state: 'permanent' as const,
  })),
  fdb: [2, 3].map((i) => ({
    link: 'sy-vx.1',
    mac: MAC[i - 1] as string,
    dst: `172.30.0.${10 + i}`,
    self: true,
    state: 'permanent' as const,
  })),
  routes: [
    {
      family: 4,
      dst: '10.244.1.0/24',
      table: 254,
      type: 'unicast',
      scope: 'link',
      protocol: 'kernel',
      dev: 'cni0',
      onlink: false,
    },
    route('10.244.2.0/24'),
    route('10.244.3.0/24'),
    route('172.30.0.0/16', { protocol: 'kernel', dev: 'eth0', onlink: false }),
  ],
});
const empty: Observed = { addresses: [], neighbours: [], fdb: [], routes: [] };

describe('desiredState', () => {
  it('vxlan: a device of underlay MTU − 50, the own .0/32, and per peer neighbour, FDB and onlink route', () => {
    expect(desiredState(input())).toEqual({
      device: {
        name: 'sy-vx.1',
        vni: 1,
        local: '172.30.0.11',
        dstPort: 4789,
        dev: 'eth0',
        mtu: 1450,
        mac: MAC[0],
      },
      address: '10.244.1.0/32',
      neighbours: [
        { address: '10.244.2.0', mac: MAC[1] },
        { address: '10.244.3.0', mac: MAC[2] },
      ],
      fdb: [
        { mac: MAC[1], dst: '172.30.0.12' },
        { mac: MAC[2], dst: '172.30.0.13' },
      ],
      routes: [
        { dst: '10.244.2.0/24', gateway: '10.244.2.0', dev: 'sy-vx.1', onlink: true },
        { dst: '10.244.3.0/24', gateway: '10.244.3.0', dev: 'sy-vx.1', onlink: true },
      ],
    });
  });

  it('host-gw: one route per peer via its underlay address, no device', () => {
    const hg = (i: number) => node(i, { backend: 'host-gw' });
    expect(desiredState(input({ backend: 'host-gw', nodes: [hg(1), hg(2), hg(3)] }))).toEqual({
      neighbours: [],
      fdb: [],
      routes: [
        { dst: '10.244.2.0/24', gateway: '172.30.0.12', onlink: false },
        { dst: '10.244.3.0/24', gateway: '172.30.0.13', onlink: false },
      ],
    });
  });

  it.each([
    ['without a podCIDR', { podCIDR: undefined }],
    ['without an address', { nodeIP: undefined }],
    ['without a VTEP MAC', { vtepMac: undefined }],
    ['with another backend', { backend: 'host-gw' as const }],
    ['with no agent yet', { backend: undefined }],
  ])('leaves out a peer %s', (_, over) => {
    const peer = { ...node(3) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(over)) {
      if (v === undefined) delete peer[k];
      else peer[k] = v;
    }
    const d = desiredState(input({ nodes: [node(1), node(2), peer as unknown as OverlayNode] }));
    expect(d.routes.map((r) => r.dst)).toEqual(['10.244.2.0/24']);
  });
});

describe('planActions', () => {
  const cases: [string, Partial<PlanInput>, Observed, Action[]][] = [
    ['a converged node: nothing to do (a restart changes nothing)', {}, converged(), []],
    [
      'an empty node: device, address, FDB, neighbours, routes in that order',
      { nodes: [node(1), node(2)] },
      empty,
      [
        {
          kind: 'create-vxlan',
          spec: {
            name: 'sy-vx.1',
            vni: 1,
            local: '172.30.0.11',
            dstPort: 4789,
            dev: 'eth0',
            mtu: 1450,
            mac: MAC[0],
            learning: false,
          },
        },
        { kind: 'set-link', name: 'sy-vx.1', up: true },
        { kind: 'add-address', link: 'sy-vx.1', address: '10.244.1.0/32' },
        { kind: 'add-fdb', link: 'sy-vx.1', mac: MAC[1], dst: '172.30.0.12' },
        { kind: 'set-neighbour', link: 'sy-vx.1', address: '10.244.2.0', mac: MAC[1] },
        {
          kind: 'replace-route',
          route: { dst: '10.244.2.0/24', gateway: '10.244.2.0', dev: 'sy-vx.1', onlink: true },
        },
      ],
    ],
    [
      'a route deleted by hand is put back, nothing else',
      {},
      { ...converged(), routes: converged().routes.filter((r) => r.dst !== '10.244.3.0/24') },
      [
        {
          kind: 'replace-route',
          route: { dst: '10.244.3.0/24', gateway: '10.244.3.0', dev: 'sy-vx.1', onlink: true },
        },
      ],
    ],
    [
      'a node that left: its route, neighbour and FDB entry go',
      { nodes: [node(1), node(2)] },
      converged(),
      [
        { kind: 'delete-route', route: route('10.244.3.0/24') },
        { kind: 'delete-neighbour', link: 'sy-vx.1', address: '10.244.3.0' },
        { kind: 'delete-fdb', link: 'sy-vx.1', mac: MAC[2], dst: '172.30.0.13' },
      ],
    ],
    [
      'a peer that moved: its FDB entry is replaced (old one first)',
      { nodes: [node(1), node(2), node(3, { nodeIP: '172.30.0.99' })] },
      converged(),
      [
        { kind: 'delete-fdb', link: 'sy-vx.1', mac: MAC[2] },
        { kind: 'add-fdb', link: 'sy-vx.1', mac: MAC[2], dst: '172.30.0.99' },
      ],
    ],
    [
      'MTU, MAC and admin state are fixed in place',
      {},
      { ...converged(), device: vxlanLink({ mtu: 1500, mac: '02:99:99:99:99:99' }) },
      [{ kind: 'set-link', name: 'sy-vx.1', mtu: 1450, mac: MAC[0] }],
    ],
    [
      'a device with the wrong VNI port or learning is recreated and refilled',
      { nodes: [node(1), node(2)] },
      {
        ...converged(),
        device: vxlanLink({
          vxlan: { vni: 1, local: '172.30.0.11', dstPort: 8472, dev: 'eth0', learning: true, ttl: 0 },
        }),
      },
      [
        { kind: 'delete-link', name: 'sy-vx.1', reason: 'dstport 8472' },
        {
          kind: 'create-vxlan',
          spec: {
            name: 'sy-vx.1',
            vni: 1,
            local: '172.30.0.11',
            dstPort: 4789,
            dev: 'eth0',
            mtu: 1450,
            mac: MAC[0],
            learning: false,
          },
        },
        { kind: 'set-link', name: 'sy-vx.1', up: true },
        { kind: 'add-address', link: 'sy-vx.1', address: '10.244.1.0/32' },
        { kind: 'add-fdb', link: 'sy-vx.1', mac: MAC[1], dst: '172.30.0.12' },
        { kind: 'set-neighbour', link: 'sy-vx.1', address: '10.244.2.0', mac: MAC[1] },
        {
          kind: 'replace-route',
          route: { dst: '10.244.2.0/24', gateway: '10.244.2.0', dev: 'sy-vx.1', onlink: true },
        },
      ],
    ],
    [
      'a stray address and a wrong neighbour on the device are corrected',
      {},
      {
        ...converged(),
        addresses: ['10.244.1.0/32', '10.9.9.9/24'],
        neighbours: converged().neighbours.map((n) =>
          n.address === '10.244.2.0' ? { ...n, mac: '02:00:00:00:00:99' } : n,
        ),
      },
      [
        { kind: 'set-neighbour', link: 'sy-vx.1', address: '10.244.2.0', mac: MAC[1] },
        { kind: 'delete-address', link: 'sy-vx.1', address: '10.9.9.9/24' },
      ],
    ],
    [
      'switching to host-gw: the device goes, routes via the peers replace the tunnel ones',
      { backend: 'host-gw', nodes: [1, 2, 3].map((i) => node(i, { backend: 'host-gw' })) },
      converged(),
      [
        { kind: 'delete-link', name: 'sy-vx.1', reason: 'backend host-gw' },
        { kind: 'replace-route', route: { dst: '10.244.2.0/24', gateway: '172.30.0.12', onlink: false } },
        { kind: 'replace-route', route: { dst: '10.244.3.0/24', gateway: '172.30.0.13', onlink: false } },
      ],
    ],
    [
      'host-gw converged, and a departed node removed',
      { backend: 'host-gw', nodes: [1, 2].map((i) => node(i, { backend: 'host-gw' })) },
      {
        ...empty,
        routes: [2, 3].map((i) =>
          route(`10.244.${i}.0/24`, { gateway: `172.30.0.${10 + i}`, dev: 'eth0', onlink: false }),
        ),
      },
      [
        {
          kind: 'delete-route',
          route: route('10.244.3.0/24', { gateway: '172.30.0.13', dev: 'eth0', onlink: false }),
        },
      ],
    ],
  ];
  it.each(cases)('%s', (_, over, observed, want) => {
    expect(planActions(input(over), observed)).toEqual(want);
  });

  it('applying its own plan to what it describes converges (plan of the result is empty)', () => {
    // The converged fixture is what the empty-node plan writes: checked by the table above;
    // here: every route the plan writes is one it owns, so it can also remove it later.
    for (const r of desiredState(input()).routes)
      expect(
        ownsRoute(input(), route(r.dst, { gateway: r.gateway, dev: r.dev ?? 'eth0', onlink: r.onlink })),
      ).toBe(true);
  });
});

describe('ownsRoute', () => {
  it.each([
    ['a tunnel route of a peer', route('10.244.2.0/24'), true],
    ['a host-gw route (protocol static)', route('10.244.2.0/24', { dev: 'eth0', onlink: false }), true],
    [
      'the own pod range (the CNI bridge)',
      route('10.244.1.0/24', { protocol: 'kernel', dev: 'cni0' }),
      false,
    ],
    [
      'a boot route into the cluster range on another device',
      route('10.244.7.0/24', { protocol: 'boot', dev: 'eth0' }),
      false,
    ],
    ['a static route outside the cluster range', route('192.168.0.0/24', { dev: 'eth0' }), false],
    ['the cluster range itself is wider than no peer… but equal is allowed', route('10.244.0.0/16'), true],
    ['a wider route covering the cluster range', route('10.0.0.0/8'), false],
    ['another table', route('10.244.2.0/24', { table: 100 }), false],
  ])('%s → %s', (_, r, owned) => {
    expect(ownsRoute(input(), r)).toBe(owned);
  });
});
