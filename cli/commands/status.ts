/** `switchyard status`: the lab at a glance. */
import {
  formatComponents,
  formatStatus,
  leaseFile,
  readComponentStatus,
  readLease,
  readStatus,
  requireState,
} from '../../lab/index.js';
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
(probed from inside its namespace). Exits 0 when every namespace exists and answers and every
component is healthy, 1 otherwise. Needs root.`,
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
    ctx.stdout.write(formatStatus(status));
    ctx.stdout.write(formatComponents(cp.components, cp.forwardPort));
    const healthy =
      status.namespaces.every((n) => n.exists && n.reachable !== false) &&
      cp.components.every((c) => c.health.ok);
    return healthy ? 0 : 1;
  },
};
