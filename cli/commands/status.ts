/** `switchyard status`: the lab at a glance. */
import {
  formatStatus,
  leaseFile,
  readLease,
  readStatus,
  requireState,
} from '../../test/harness/lab/index.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { noPositionals, pathsFor, requireRoot, withNetlink } from './lab-env.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'the lab at a glance: namespaces, links, addresses, reachability',
  usage: `usage: switchyard status

Prints the lab's namespaces with their addresses, links (UP, DOWN or NO-CARRIER), the number
of processes inside, and whether each member answers a ping from the fabric. Exits 0 when every
namespace exists and answers, 1 when the lab is degraded or missing. Needs root.`,
  async run(args, ctx) {
    noPositionals('status', parseFlags(args, {}).positionals);
    requireRoot('status');
    const paths = pathsFor(ctx);
    const state = requireState(paths);
    const lease = readLease(leaseFile(paths, state.labId));
    const status = await withNetlink((netlink) =>
      readStatus(state, { netlink, ...(lease === undefined ? {} : { lease }) }),
    );
    ctx.stdout.write(formatStatus(status));
    return status.namespaces.every((n) => n.exists && n.reachable !== false) ? 0 : 1;
  },
};
