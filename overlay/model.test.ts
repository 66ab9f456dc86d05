/** Node → OverlayNode, and the own-Node annotation patch (nothing when already published). */
import { describe, expect, it } from 'vitest';
import type { Node } from '../lib/api/index.js';
import { ANNOTATIONS, publicationPatch, toOverlayNode, vtepMacFor } from './model.js';

const node = (over: Partial<Node> = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node-2' },
  spec: { podCIDRs: ['fd00:10::/64', '10.244.2.0/24'] },
  status: {
    addresses: [
      { type: 'Hostname', address: 'node-2' },
      { type: 'InternalIP', address: 'fd00::12' },
      { type: 'InternalIP', address: '172.30.0.12' },
    ],
  },
  ...over,
});

describe('toOverlayNode', () => {
  it('takes the first IPv4 pod range and InternalIP; nothing published yet', () => {
    expect(toOverlayNode(node())).toEqual({
      name: 'node-2',
      podCIDR: '10.244.2.0/24',
      nodeIP: '172.30.0.12',
    });
  });

  it('prefers the published public IP and reads the backend and MAC', () => {
    const annotated = node({
      metadata: {
        name: 'node-2',
        annotations: {
          [ANNOTATIONS.backend]: 'vxlan',
          [ANNOTATIONS.publicIP]: '192.0.2.12',
          [ANNOTATIONS.vtepMac]: '02:AA:BB:CC:DD:EE',
        },
      },
    });
    expect(toOverlayNode(annotated)).toEqual({
      name: 'node-2',
      podCIDR: '10.244.2.0/24',
      nodeIP: '192.0.2.12',
      publicIP: '192.0.2.12',
      vtepMac: '02:aa:bb:cc:dd:ee',
      backend: 'vxlan',
    });
  });

  it('falls back to spec.podCIDR and ignores an unknown backend', () => {
    const n = node({
      metadata: { name: 'node-2', annotations: { [ANNOTATIONS.backend]: 'udp' } },
      spec: { podCIDR: '10.244.2.0/24' },
    });
    expect(toOverlayNode(n).podCIDR).toBe('10.244.2.0/24');
    expect(toOverlayNode(n).backend).toBeUndefined();
  });
});

describe('publicationPatch', () => {
  const mac = vtepMacFor('node-2');
  it('publishes all three annotations on a fresh node', () => {
    expect(
      publicationPatch(toOverlayNode(node()), { backend: 'vxlan', publicIP: '172.30.0.12', vtepMac: mac }),
    ).toEqual({
      metadata: {
        annotations: {
          [ANNOTATIONS.backend]: 'vxlan',
          [ANNOTATIONS.publicIP]: '172.30.0.12',
          [ANNOTATIONS.vtepMac]: mac,
        },
      },
    });
  });

  it('writes nothing when the node already carries them (a restart)', () => {
    const published = {
      name: 'node-2',
      backend: 'vxlan' as const,
      publicIP: '172.30.0.12',
      nodeIP: '172.30.0.12',
      vtepMac: mac,
    };
    expect(
      publicationPatch(published, { backend: 'vxlan', publicIP: '172.30.0.12', vtepMac: mac }),
    ).toBeUndefined();
  });

  it('host-gw removes a stale VTEP MAC (merge patch null)', () => {
    const published = { name: 'node-2', backend: 'vxlan' as const, publicIP: '172.30.0.12', vtepMac: mac };
    expect(publicationPatch(published, { backend: 'host-gw', publicIP: '172.30.0.12' })).toEqual({
      metadata: {
        annotations: {
          [ANNOTATIONS.backend]: 'host-gw',
          [ANNOTATIONS.publicIP]: '172.30.0.12',
          [ANNOTATIONS.vtepMac]: null,
        },
      },
    });
  });

  it('VTEP MACs are stable, unicast and locally administered', () => {
    expect(vtepMacFor('node-1')).toBe(vtepMacFor('node-1'));
    expect(vtepMacFor('node-1')).not.toBe(vtepMacFor('node-2'));
    const first = Number.parseInt(vtepMacFor('node-1').slice(0, 2), 16);
    expect(first & 1).toBe(0);
    expect(first & 2).toBe(2);
  });
});
