/** `switchyard status`: the lab at a glance. */
import {
  controlPlaneFiles,
  formatCluster,
  formatComponents,
  formatNodeProcesses,
  formatStatus,
  leaseFile,
  readCluster,
  readComponentStatus,
  readLease,
  readNodeProcesses,
  readStatus,
  requireState,
} from '../../lab/index.js';
import { messageOf } from '../../lib/errors/index.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { noPositionals, pathsFor, requireRoot, withNetlink } from './lab-env.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'the lab at a glance: namespaces, links, addresses, reachability, components',
  usage: `usage: switchyard status

Prints the lab's namespaces with their addresses, links (UP, DOWN or NO-CARRIER), the number
of processes inside, and whether each member answers a ping from the fabric; then each
control-plane component: its pid when running, and whether its /readyz or /healthz answers 200
(probed from inside its namespace); each node's containerd (answers CRI) and kubelet (/healthz);
then the Nodes (Ready, podCIDR) and every Pod (node, ready, IP, restarts, why not running) as
the API server has them. Exits 0 when every namespace exists and answers, every component,
containerd and kubelet is healthy and every Node is Ready, 1 otherwise. Needs root.`,
  async run(args, ctx) {
    noPositionals('status', parseFlags(args, {}).positionals);
    requireRoot('status');
    const paths = pathsFor(ctx);
    const state = requireState(paths);
    const lease = readLease(leaseFile(paths, state.labId));
    const status = await withNetlink((netlink) =>
      readStatus(state, { netlink, ...(lease === undefined ? {} : { lease }) }),
    );
    const cp = await readComponentStatus(state, paths.stateDir);
    const nodes = await readNodeProcesses(state, paths.stateDir);
    ctx.stdout.write(formatStatus(status));
    ctx.stdout.write(formatComponents(cp.components, cp.forwardPort));
    ctx.stdout.write(formatNodeProcesses(nodes));
    let clusterOk = true;
    if (cp.components.some((c) => c.name === 'apiserver' && c.health.ok)) {
      try {
        const seen = await readCluster(controlPlaneFiles(paths.stateDir).hostKubeconfig);
        ctx.stdout.write(formatCluster(seen.nodes, seen.pods));
        clusterOk = seen.nodes.every((n) => n.ready === 'True');
      } catch (err: unknown) {
        ctx.stdout.write(`nodes and pods: cannot read (${messageOf(err)})\n`);
        clusterOk = false;
      }
    }
    const healthy =
      status.namespaces.every((n) => n.exists && n.reachable !== false) &&
      cp.components.every((c) => c.health.ok) &&
      nodes.every((n) => n.containerdAnswers && n.kubeletHealthy) &&
      clusterOk;
    return healthy ? 0 : 1;
  },
};
