/** `switchyard down`: removes the lab and everything it started; idempotent. */
import { downLab } from '../../lab/index.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { noPositionals, pathsFor, requireRoot } from './lab-env.js';

export const downCommand: Command = {
  name: 'down',
  summary: 'stop the lab and remove everything it created',
  usage: `usage: switchyard down

Stops each node's kubelet, then its containerd (its pods removed through CRI first; shims,
leftover containers and mounts ended), removes the node dirs, stops the control plane, ends the
processes inside the lab's namespaces (SIGTERM, then SIGKILL after 2 s), deletes the
namespaces (with them every link, address and route of the lab), and removes the state file and
the lease. Without a lab it does nothing and succeeds. Needs root.`,
  async run(args, ctx) {
    noPositionals('down', parseFlags(args, {}).positionals);
    requireRoot('down');
    const report = await downLab({ paths: pathsFor(ctx) });
    ctx.stdout.write(
      report.labId === undefined
        ? 'no lab to remove\n'
        : `lab ${report.labId} removed (${report.nodes.length > 0 ? `${report.nodes.length} node(s), ` : ''}${report.namespaces.length} namespace(s))\n`,
    );
    return 0;
  },
};
