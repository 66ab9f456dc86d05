/** `switchyard exec TARGET -- CMD…`: runs a command inside a lab namespace. */
import { execInLab, requireState } from '../../lab/index.js';
import { type Command, UsageError } from '../command.js';
import { pathsFor, requireRoot } from './lab-env.js';

export const execCommand: Command = {
  name: 'exec',
  summary: 'run a command inside a lab namespace (node-N, control-plane, client, router, fabric)',
  usage: `usage: switchyard exec TARGET -- CMD [ARGS…]

Runs CMD inside the network namespace of TARGET (node-1 … node-N, control-plane, client,
router, fabric) with this terminal's stdin, stdout and stderr, and exits with CMD's exit
status (128 + N when signal N ended it). Needs root.

  switchyard exec node-1 -- ping -c1 172.30.0.12
  switchyard exec client -- ip addr`,
  async run(args, ctx) {
    const target = args[0];
    if (target === undefined || target.startsWith('-')) {
      throw new UsageError('exec: missing TARGET (usage: switchyard exec TARGET -- CMD…)');
    }
    const argv = args[1] === '--' ? args.slice(2) : args.slice(1);
    if (argv.length === 0) throw new UsageError('exec: missing command after "--"');
    requireRoot('exec');
    const state = requireState(pathsFor(ctx));
    // The terminal sends ^C to the whole process group; the command decides what it means and
    // we report its exit status, so we must not die of it first.
    const ignore = (): void => {};
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    try {
      return await execInLab(state, { target, argv });
    } finally {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
    }
  },
};
