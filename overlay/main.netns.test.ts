/**
 * The agent loop end to end: the real API server in-process and the real kernel
 * (testing/kernel-lab.ts). One overlaySetup per node, from Node objects only: the node
 * annotations are published, pods reach each other across nodes, a deleted Node's entries
 * leave the others within 2 s, a route deleted by hand comes back within the resync period,
 * and a restarted agent makes no kernel change.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Node } from '../lib/api/index.js';
import { nodesResource } from '../lib/client/index.js';
import type { ComponentRun } from '../lib/component/index.js';
import { connectTcpIn, createTcpServerIn } from '../lib/netns/index.js';
import { createNft } from '../lib/nft/index.js';
import { type ComponentRegistry, createLogger, createRegistry } from '../lib/obs/index.js';
import { eventually, startTestEnv, type TestEnv } from '../test/harness/cluster/env.js';
import { describeKernel } from '../test/harness/kernel.js';
import { parseOverlayConfig } from './config.js';
import { overlaySetup } from './main.js';
import { ANNOTATIONS, vtepMacFor } from './model.js';
import { type LabNode, ping, sh, useKernelLab } from './testing/kernel-lab.js';

const SUBNET = '172.31.78';

interface Agent {
  readonly metrics: ComponentRegistry;
  stop(): Promise<void>;
}

describeKernel('overlay agent against the API server and the kernel', () => {
  const { nl, nodes } = useKernelLab(SUBNET);
  const [n1, n2, n3] = nodes;
  let env: TestEnv;
  const agents = new Map<string, Agent>();

  beforeAll(async () => {
    env = await startTestEnv();
    for (const n of nodes) {
      const node: Node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n.name },
        spec: { podCIDR: n.podCIDR },
      };
      await env.client.resource(nodesResource).create(node);
    }
  }, 60_000);
  afterAll(async () => {
    for (const a of agents.values()) await a.stop();
    await env?.stop();
  });

  function start(n: LabNode): Agent {
    const config = parseOverlayConfig({
      'node-name': n.name,
      'node-ip': n.ip,
      netns: n.ns,
      'resync-period': '1s',
    });
    const metrics = createRegistry({ component: 'overlay' });
    const client = env.newClient();
    const run: ComponentRun = overlaySetup(config, { nl, nft: createNft({ netns: n.ns }) })({
      log: createLogger({ component: 'overlay', level: 'error' }),
      client,
      metrics,
      periodic: () => {
        throw new Error('the overlay has no periodic tasks');
      },
    });
    const ac = new AbortController();
    const running = run.run(ac.signal);
    const agent = {
      metrics,
      async stop() {
        ac.abort();
        await running;
        client.close();
        agents.delete(n.name);
      },
    };
    agents.set(n.name, agent);
    return agent;
  }

  async function syncs(a: Agent): Promise<number> {
    const text = await a.metrics.registry.metrics();
    return Number(
      /switchyard_overlay_sync_duration_seconds_count\{sync="kernel"\} (\d+)/.exec(text)?.[1] ?? 0,
    );
  }

  it('publishes each node and connects the pods across nodes', async () => {
    for (const n of nodes) start(n);
    const node1 = await eventually('node-1 annotated', async () => {
      const node = await env.client.resource(nodesResource).get('node-1');
      return node.metadata.annotations?.[ANNOTATIONS.vtepMac] ? node : undefined;
    });
    expect(node1.metadata.annotations).toMatchObject({
      [ANNOTATIONS.backend]: 'vxlan',
      [ANNOTATIONS.publicIP]: n1.ip,
      [ANNOTATIONS.vtepMac]: vtepMacFor('node-1'),
    });
    await eventually('pod 1 → pod 3', async () => (await ping(n1.pod, n3.podIP)) === 0, 15_000);
    expect(await ping(n3.pod, n2.podIP)).toBe(0);
  }, 30_000);

  it('a route deleted by hand comes back within the resync period', async () => {
    await sh(n2.ns, 'ip', 'route', 'del', '10.244.3.0/24');
    const t0 = Date.now();
    await eventually(
      'route back',
      async () => (await sh(n2.ns, 'ip', '-4', 'route', 'show', '10.244.3.0/24')) !== '',
      5000,
    );
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('a restarted agent changes nothing in the kernel', async () => {
    await agents.get('node-1')?.stop();
    const again = start(n1);
    await eventually('a sync of the restarted agent', async () => (await syncs(again)) > 0);
    const text = await again.metrics.registry.metrics();
    expect(text).toContain('# TYPE switchyard_overlay_kernel_changes_total counter');
    expect(text).not.toMatch(/^switchyard_overlay_kernel_changes_total\{/m);
    expect(text).not.toMatch(/^switchyard_overlay_sync_errors_total\{/m);
    expect(await ping(n1.pod, n3.podIP)).toBe(0);
  }, 20_000);

  it("a long TCP transfer between pods survives restarts of both ends' agents", async () => {
    const server = await createTcpServerIn(n3.pod, { host: n3.podIP, port: 0 });
    let received = 0;
    const closed = new Promise<void>((resolve, reject) =>
      server.once('connection', (s) => {
        s.on('data', (b: Buffer) => {
          received += b.length;
        });
        s.once('error', reject);
        s.once('end', () => resolve());
      }),
    );
    const port = (server.address() as { port: number }).port;
    const conn = await connectTcpIn(n1.pod, { host: n3.podIP, port, timeoutMs: 5000 });
    conn.resume();
    const chunk = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        sent += chunk.length;
        if (!conn.write(chunk)) await new Promise((r) => conn.once('drain', r));
      }
      conn.end();
    })();
    for (const n of [n1, n3]) {
      await agents.get(n.name)?.stop();
      const again = start(n);
      await eventually(`a sync of the restarted ${n.name}`, async () => (await syncs(again)) > 0);
    }
    writing = false;
    await writer;
    await closed;
    server.close();
    expect(received).toBe(sent);
    expect(sent).toBeGreaterThan(chunk.length * 4);
  }, 30_000);

  it("a deleted Node's route, neighbour and FDB entry leave the others within 2 s", async () => {
    await agents.get('node-3')?.stop();
    const t0 = Date.now();
    await env.client.resource(nodesResource).delete('node-3');
    // Each agent syncs on its own: wait until both others dropped every entry of node-3.
    const gone = async (n: LabNode): Promise<boolean> =>
      (await sh(n.ns, 'ip', '-4', 'route', 'show', '10.244.3.0/24')) === '' &&
      !(await sh(n.ns, 'bridge', 'fdb', 'show', 'dev', 'sy-vx.1')).includes(vtepMacFor('node-3')) &&
      !(await sh(n.ns, 'ip', 'neigh', 'show', 'dev', 'sy-vx.1')).includes('10.244.3.0');
    await eventually(
      'node-3 gone from node-1 and node-2',
      async () => (await gone(n1)) && (await gone(n2)),
      2000,
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await ping(n1.pod, n2.podIP)).toBe(0);
  }, 20_000);
});
