/**
 * The overlay against the real kernel (testing/kernel-lab.ts: three nodes with a pod each and
 * a client outside the cluster): syncKernel in every node makes pods reach each other over
 * VXLAN and over host-gw, keeps pod-to-pod sources unchanged, masquerades pod → client, puts
 * back a route deleted by hand, and drops the entries of a node that left.
 */
import { describe, expect, it } from 'vitest';
import { createNft } from '../lib/nft/index.js';
import { describeKernel } from '../test/harness/kernel.js';
import { findUnderlay, NAT_TABLE, syncKernel } from './apply.js';
import { type Backend, type OverlayNode, vtepMacFor } from './model.js';
import { deviceName, type PlanInput } from './plan.js';
import {
  CLUSTER_CIDR as CLUSTER,
  ping,
  sh,
  type LabNode as TestNode,
  udpSource,
  useKernelLab,
} from './testing/kernel-lab.js';

const SUBNET = '172.31.77';

describeKernel('overlay on the real kernel', () => {
  const { nl, nodes, client } = useKernelLab(SUBNET);

  /** The cluster as the API would show it, every node running the agent with `backend`. */
  const cluster = (backend: Backend, members: readonly TestNode[] = nodes): OverlayNode[] =>
    members.map((n) => ({
      name: n.name,
      podCIDR: n.podCIDR,
      nodeIP: n.ip,
      vtepMac: vtepMacFor(n.name),
      backend,
    }));

  async function sync(n: TestNode, backend: Backend, members: readonly TestNode[] = nodes) {
    const underlay = await findUnderlay(nl, n.ns, { nodeIP: n.ip });
    const input: PlanInput = {
      backend,
      vni: 1,
      clusterCIDR: CLUSTER,
      nodeName: n.name,
      podCIDR: n.podCIDR,
      nodeIP: underlay.nodeIP,
      underlayDev: underlay.dev,
      underlayMtu: underlay.mtu,
      vtepMac: vtepMacFor(n.name),
      nodes: cluster(backend, members),
    };
    return syncKernel({ nl, ns: n.ns, nft: createNft({ netns: n.ns }) }, input);
  }
  const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode];

  describe('vxlan', () => {
    it('programs every node; pods reach each other by IP across nodes', async () => {
      for (const n of nodes) {
        const r = await sync(n, 'vxlan');
        expect(r.actions.length).toBeGreaterThan(0);
        expect(r.masquerade).toBe(true);
      }
      const dev = await nl.getLink(n1.ns, deviceName(1));
      expect(dev).toMatchObject({ kind: 'vxlan', up: true, mtu: 1450, mac: vtepMacFor('node-1') });
      expect(dev.vxlan).toMatchObject({ vni: 1, local: n1.ip, dstPort: 4789, dev: 'eth0', learning: false });
      expect(await sh(n1.ns, 'ip', '-4', 'route', 'show', '10.244.3.0/24')).toContain(
        '10.244.3.0/24 via 10.244.3.0 dev sy-vx.1 proto static onlink',
      );
      expect(await sh(n1.ns, 'bridge', 'fdb', 'show', 'dev', 'sy-vx.1')).toContain(
        `${vtepMacFor('node-3')} dst ${n3.ip} self permanent`,
      );
      expect(await ping(n1.pod, n3.podIP)).toBe(0);
      expect(await ping(n3.pod, n2.podIP)).toBe(0);
      expect(await ping(n1.pod, n3.ip)).toBe(0);
      // The packets really went through the tunnel device.
      const [stats] = JSON.parse(await sh(n1.ns, 'ip', '-j', '-s', 'link', 'show', deviceName(1))) as [
        { stats64: { tx: { packets: number } } },
      ];
      expect(stats.stats64.tx.packets).toBeGreaterThan(0);
    });

    it('a second sync (a restart) changes nothing', async () => {
      for (const n of nodes)
        expect(await sync(n, 'vxlan')).toEqual({ actions: [], masquerade: false, forwarding: false });
    });

    it('pod-to-pod keeps the pod source; pod → outside is masqueraded to the node address', async () => {
      expect(await udpSource(n1, n3.pod, n3.podIP)).toBe(n1.podIP);
      // The client has no route to 10.244.0.0/16: a reply only comes back when masqueraded.
      expect(await udpSource(n1, client, `${SUBNET}.100`)).toBe(n1.ip);
      expect(await ping(n1.pod, `${SUBNET}.100`)).toBe(0);
      expect(await sh(n1.ns, 'nft', 'list', 'table', 'ip', NAT_TABLE)).toContain('masquerade');
    });

    it('a route deleted by hand is restored by the next sync', async () => {
      await sh(n1.ns, 'ip', 'route', 'del', '10.244.3.0/24');
      expect(await ping(n1.pod, n3.podIP)).not.toBe(0);
      const r = await sync(n1, 'vxlan');
      expect(r.actions.map((a) => a.kind)).toEqual(['replace-route']);
      expect(await ping(n1.pod, n3.podIP)).toBe(0);
    });

    it('a node that left: its route, neighbour and FDB entry go from the others', async () => {
      const r = await sync(n1, 'vxlan', [n1, n2]);
      expect(r.actions.map((a) => a.kind)).toEqual(['delete-route', 'delete-neighbour', 'delete-fdb']);
      expect(await sh(n1.ns, 'ip', '-4', 'route', 'show', '10.244.3.0/24')).toBe('');
      expect(await sh(n1.ns, 'bridge', 'fdb', 'show', 'dev', 'sy-vx.1')).not.toContain(vtepMacFor('node-3'));
      expect(await sh(n1.ns, 'ip', 'neigh', 'show', 'dev', 'sy-vx.1')).not.toContain('10.244.3.0');
      expect(await ping(n1.pod, n2.podIP)).toBe(0);
      await sync(n1, 'vxlan');
      expect(await ping(n1.pod, n3.podIP)).toBe(0);
    });
  });

  describe('host-gw', () => {
    it('replaces the tunnel with routes via the peers; pods still reach each other', async () => {
      for (const n of nodes) await sync(n, 'host-gw');
      expect(await nl.findLink(n1.ns, deviceName(1))).toBeUndefined();
      expect(await sh(n1.ns, 'ip', '-4', 'route', 'show', '10.244.3.0/24')).toContain(
        `10.244.3.0/24 via ${n3.ip} dev eth0 proto static`,
      );
      expect(await ping(n1.pod, n3.podIP)).toBe(0);
      expect(await udpSource(n2, n3.pod, n3.podIP)).toBe(n2.podIP);
      for (const n of nodes) expect((await sync(n, 'host-gw')).actions).toEqual([]);
    });

    it('restores a hand-deleted route and removes a departed node', async () => {
      await sh(n2.ns, 'ip', 'route', 'del', '10.244.1.0/24');
      expect((await sync(n2, 'host-gw')).actions.map((a) => a.kind)).toEqual(['replace-route']);
      expect(await ping(n2.pod, n1.podIP)).toBe(0);
      expect((await sync(n2, 'host-gw', [n2, n3])).actions.map((a) => a.kind)).toEqual(['delete-route']);
      expect(await sh(n2.ns, 'ip', '-4', 'route', 'show', '10.244.1.0/24')).toBe('');
      // The CNI bridge's own range was never touched.
      expect(await sh(n2.ns, 'ip', '-4', 'route', 'show', '10.244.2.0/24')).toContain('dev cni0');
    });
  });
});
