/**
 * node-agent.ts against the real API server, as `system:node:<name>` (group system:nodes)
 * through the Node authorizer: registration, Lease renewal, status reports, node IPAM's
 * podCIDR, and the controller manager's node lifecycle seeing the agent alive and then gone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerManager } from '../../controlplane/controllers/index.js';
import type { Lease, Node } from '../../lib/api/index.js';
import {
  isForbidden,
  KubeClient,
  leasesResource,
  nodesResource,
  parseKubeconfig,
} from '../../lib/client/index.js';
import { PeriodicTask } from '../../lib/component/index.js';
import { createLogger } from '../../lib/obs/index.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { type Running, runComponent } from '../../test/harness/cluster/run.js';
import { addToken } from '../apiserver/pki.js';
import { NODE_LEASE_NAMESPACE, NodeAgent } from './node-agent.js';
import type { NodeFacts } from './node-status.js';

let env: TestEnv;
let manager: Running<ControllerManager>;
const clients: KubeClient[] = [];

/** A client authenticated as the kubelet of `node` (a token in the server's token file). */
function nodeClient(node: string): KubeClient {
  const dir = join(env.server.dir, 'data');
  const token = addToken({ dir, user: `system:node:${node}`, groups: ['system:nodes'] });
  env.server.server.reloadTokens();
  const path = env.server.server.kubeconfigPath;
  const { cert: _cert, key: _key, ...admin } = parseKubeconfig(readFileSync(path, 'utf8'), { path });
  const client = new KubeClient({ config: { ...admin, token } });
  clients.push(client);
  return client;
}

const facts = (nodeName: string): NodeFacts => ({
  nodeName,
  nodeIP: '10.0.0.11',
  hostname: 'host-a',
  cpus: 2,
  memoryBytes: 2 * 1024 ** 3,
  maxPods: 110,
  kernelVersion: '6.1.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'x64',
  kubeletPort: 10250,
});

/** lib/component's `periodic`, with the tasks kept so the test can stop them. */
function tasks(): {
  periodic: (n: string, ms: number, run: () => Promise<void>) => void;
  stop(): Promise<void>;
} {
  const started: PeriodicTask[] = [];
  const logger = createLogger({ level: 'error' });
  return {
    periodic: (name, intervalMs, run) => {
      const t = new PeriodicTask({ name, intervalMs, run, logger });
      t.start();
      started.push(t);
    },
    stop: async () => {
      for (const t of started) await t.stop();
    },
  };
}

const readyOf = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');

beforeAll(async () => {
  env = await startTestEnv();
  const client = env.newClient();
  manager = runComponent(
    new ControllerManager({
      client,
      logger: createLogger({ level: 'error' }),
      leaderElection: false,
      controllers: ['nodeipam', 'nodelifecycle'],
      nodeLifecycle: { gracePeriodMs: 2000, monitorPeriodMs: 200, evictionTimeoutMs: 60_000 },
    }),
    client,
  );
});

afterAll(async () => {
  await manager?.stop();
  for (const c of clients) c.close();
  await env?.stop();
});

describe('node agent', () => {
  it('registers the Node, renews its Lease, gets a podCIDR; node lifecycle sees it alive, then gone', async () => {
    const agent = new NodeAgent({
      client: nodeClient('node-1'),
      facts: facts('node-1'),
      leaseDurationSeconds: 40,
      leaseRenewMs: 200,
      statusUpdateMs: 200,
      runtime: async () => ({ ready: true, version: 'containerd://1.6.20' }),
    });
    const loops = tasks();
    await agent.start(loops.periodic);

    const nodes = env.client.resource(nodesResource);
    const node = await nodes.get('node-1');
    expect(node.status?.addresses).toEqual([
      { type: 'InternalIP', address: '10.0.0.11' },
      { type: 'Hostname', address: 'host-a' },
    ]);
    expect(node.status?.capacity).toEqual({ cpu: '2', memory: '2097152Ki', pods: '110' });
    expect(node.status?.allocatable).toEqual({ cpu: '2', memory: '2097152Ki', pods: '110' });
    expect(readyOf(node)).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(node.metadata.labels?.['kubernetes.io/hostname']).toBe('node-1');
    // The runtime's version arrives with the first status sync.
    await eventually('the runtime version', async () => {
      const n = await nodes.get('node-1');
      return n.status?.nodeInfo?.containerRuntimeVersion === 'containerd://1.6.20';
    });

    // The Lease: owned by the Node, renewed.
    const leases = env.client.resource(leasesResource);
    const first: Lease = await leases.get('node-1', { namespace: NODE_LEASE_NAMESPACE });
    expect(first.spec).toMatchObject({ holderIdentity: 'node-1', leaseDurationSeconds: 40 });
    expect(first.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(first.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: node.metadata.uid },
    ]);
    await eventually('the Lease renewed', async () => {
      const l = await leases.get('node-1', { namespace: NODE_LEASE_NAMESPACE });
      return (l.spec.renewTime ?? '') > (first.spec.renewTime ?? '');
    });

    // Node IPAM's podCIDR, seen by the agent; the agent's status writes keep it.
    const ac = new AbortController();
    const cidr = await agent.waitForPodCIDR(ac.signal, 100);
    expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(agent.podCIDR).toBe(cidr);
    await agent.register();
    expect((await nodes.get('node-1')).spec?.podCIDR).toBe(cidr);

    // Alive for longer than node lifecycle's grace: still Ready.
    await new Promise((r) => setTimeout(r, 3000));
    expect(readyOf(await nodes.get('node-1'))?.status).toBe('True');

    // Stopped: the lifecycle controller marks it Unknown and taints it.
    await loops.stop();
    const gone = await eventually('node-1 Unknown', async () => {
      const n = await nodes.get('node-1');
      return readyOf(n)?.status === 'Unknown' ? n : undefined;
    });
    expect(readyOf(gone)?.reason).toBe('NodeStatusUnknown');

    // Back: the agent reports Ready (a transition), and the unreachable taints go.
    const again = tasks();
    await agent.start(again.periodic);
    const back = await eventually('node-1 Ready again, untainted', async () => {
      const n = await nodes.get('node-1');
      return readyOf(n)?.status === 'True' && !(n.spec?.taints ?? []).length ? n : undefined;
    });
    expect(Date.parse(readyOf(back)?.lastTransitionTime ?? '')).toBeGreaterThanOrEqual(
      Date.parse(readyOf(gone)?.lastTransitionTime ?? ''),
    );
    expect(back.spec?.podCIDR).toBe(cidr);
    await again.stop();
  }, 30_000);

  it('reports NotReady with the runtime message, and only its own node: another Lease is 403', async () => {
    let ready = false;
    const client = nodeClient('node-2');
    const agent = new NodeAgent({
      client,
      facts: facts('node-2'),
      leaseDurationSeconds: 40,
      runtime: async () =>
        ready ? { ready: true } : { ready: false, message: 'container runtime network not ready' },
    });
    await agent.register();
    await agent.renewLease();
    const nodes = env.client.resource(nodesResource);
    expect(readyOf(await nodes.get('node-2'))).toMatchObject({
      status: 'False',
      reason: 'KubeletNotReady',
      message: 'container runtime network not ready',
    });
    ready = true;
    await agent.syncStatus();
    const written = await nodes.get('node-2');
    expect(readyOf(written)).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    // Unchanged and not due (5 min): no write; due: a write with only the heartbeat moved.
    await agent.syncStatus();
    expect((await nodes.get('node-2')).metadata.resourceVersion).toBe(written.metadata.resourceVersion);
    const due = new NodeAgent({
      client,
      facts: facts('node-2'),
      leaseDurationSeconds: 40,
      statusReportMs: 0,
    });
    await new Promise((r) => setTimeout(r, 1100)); // heartbeats have second precision
    await due.syncStatus();
    const reported = await nodes.get('node-2');
    expect(reported.metadata.resourceVersion).not.toBe(written.metadata.resourceVersion);
    expect(readyOf(reported)?.lastTransitionTime).toBe(readyOf(written)?.lastTransitionTime);

    // `--pod-cidr` wins over the Node's spec (node IPAM has given node-2 one by now).
    const flagged = new NodeAgent({
      client,
      facts: facts('node-2'),
      leaseDurationSeconds: 40,
      podCIDR: '10.9.0.0/24',
    });
    expect(await flagged.waitForPodCIDR(new AbortController().signal)).toBe('10.9.0.0/24');

    const leases = client.resource(leasesResource);
    const theirs = await env.client
      .resource(leasesResource)
      .get('node-1', { namespace: NODE_LEASE_NAMESPACE });
    const err = await leases.update(theirs, { namespace: NODE_LEASE_NAMESPACE }).catch((e: unknown) => e);
    expect(isForbidden(err)).toBe(true);
    const otherNode = await client
      .resource(nodesResource)
      .patchStatus('node-1', { status: {} }, { type: 'merge' })
      .catch((e: unknown) => e);
    expect(isForbidden(otherNode)).toBe(true);
  });
});
