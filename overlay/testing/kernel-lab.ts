/**
 * A small cluster network in throwaway namespaces for the overlay's kernel tests: a fabric
 * bridge, three node namespaces on it (each with a `cni0` bridge and a pod namespace behind
 * it, as the CNI bridge plugin leaves them) and a client namespace outside the cluster with
 * no route to the pods. Registered with beforeAll/afterAll; every namespace is removed after.
 */
import { afterAll, beforeAll } from 'vitest';
import { createNetlink, type Netlink } from '../../lib/netlink/index.js';
import { createNetns, createUdpSocketIn, deleteNetns, runInNetns } from '../../lib/netns/index.js';
import { uniqueName } from '../../test/harness/kernel.js';

/** One node of the lab. */
export interface LabNode {
  readonly name: string;
  /** The node's namespace. */
  readonly ns: string;
  /** The pod's namespace. */
  readonly pod: string;
  readonly ip: string;
  readonly podCIDR: string;
  readonly podIP: string;
}

/** The lab's handles, valid from beforeAll on. */
export interface KernelLab {
  readonly nl: Netlink;
  readonly nodes: readonly [LabNode, LabNode, LabNode];
  readonly client: string;
  readonly clientIP: string;
}

export const CLUSTER_CIDR = '10.244.0.0/16';

/** Builds the lab for the calling test file (`subnet` as `a.b.c`, unique per file). */
export function useKernelLab(subnet: string): KernelLab {
  const nl = createNetlink();
  const fabric = uniqueName('ovf');
  const client = uniqueName('ovc');
  const nodes = [1, 2, 3].map((i) => ({
    name: `node-${i}`,
    ns: uniqueName(`ov${i}`),
    pod: uniqueName(`op${i}`),
    ip: `${subnet}.${10 + i}`,
    podCIDR: `10.244.${i}.0/24`,
    podIP: `10.244.${i}.2`,
  })) as [LabNode, LabNode, LabNode];
  const all = [fabric, client, ...nodes.flatMap((n) => [n.ns, n.pod])];
  const clientIP = `${subnet}.100`;

  beforeAll(async () => {
    for (const n of all) createNetns(n);
    await nl.createBridge(fabric, { name: 'fab0' });
    await nl.setLink(fabric, { name: 'fab0', up: true });
    const hosts = [
      ...nodes.map((n, i) => ({ ns: n.ns, ip: n.ip, port: `p${i}` })),
      { ns: client, ip: clientIP, port: 'pc' },
    ];
    for (const h of hosts) {
      await nl.createVeth(fabric, { name: h.port, peerName: 'eth0', peerNs: h.ns });
      await nl.setLink(fabric, { name: h.port, master: 'fab0', up: true });
      await nl.addAddress(h.ns, { link: 'eth0', address: `${h.ip}/24` });
      await nl.setLink(h.ns, { name: 'eth0', up: true });
      await nl.setLink(h.ns, { name: 'lo', up: true });
    }
    for (const n of nodes) {
      const gateway = n.podCIDR.replace('.0/24', '.1');
      await nl.createBridge(n.ns, { name: 'cni0' });
      await nl.addAddress(n.ns, { link: 'cni0', address: `${gateway}/24` });
      await nl.createVeth(n.ns, { name: 'vpod', peerName: 'eth0', peerNs: n.pod });
      await nl.setLink(n.ns, { name: 'vpod', master: 'cni0', up: true });
      await nl.setLink(n.ns, { name: 'cni0', up: true });
      await nl.addAddress(n.pod, { link: 'eth0', address: `${n.podIP}/24` });
      await nl.setLink(n.pod, { name: 'eth0', up: true });
      await nl.setLink(n.pod, { name: 'lo', up: true });
      await nl.addRoute(n.pod, { dst: '0.0.0.0/0', gateway });
    }
  }, 60_000);

  afterAll(() => {
    nl.dispose();
    for (const n of all) deleteNetns(n, { ignoreMissing: true });
  });
  return { nl, nodes, client, clientIP };
}

/** Exit status of one ping from `ns` to `ip`. */
export async function ping(ns: string, ip: string): Promise<number> {
  const r = await runInNetns(
    ns,
    { cmd: 'ping', args: ['-c', '1', '-W', '2', '-q', ip] },
    { timeoutMs: 5000 },
  );
  return r.exitCode;
}

/** Runs a command in `ns`; its stdout, or a thrown error with its stderr. */
export async function sh(ns: string, ...args: string[]): Promise<string> {
  const r = await runInNetns(ns, { cmd: args[0] as string, args: args.slice(1) }, { timeoutMs: 5000 });
  if (r.exitCode !== 0) throw new Error(`${args.join(' ')} in ${ns}: ${r.stderr}`);
  return r.stdout;
}

/** The source address a UDP datagram from `from`'s pod to `toIP` in `toNs` arrives with. */
export async function udpSource(from: LabNode, toNs: string, toIP: string): Promise<string> {
  const server = await createUdpSocketIn(toNs, { host: toIP, port: 0 });
  const client = await createUdpSocketIn(from.pod, { host: from.podIP, port: 0 });
  try {
    const got = new Promise<string>((resolve) =>
      server.once('message', (_m, rinfo) => resolve(rinfo.address)),
    );
    client.send('hi', server.address().port, toIP);
    return await got;
  } finally {
    server.close();
    client.close();
  }
}
