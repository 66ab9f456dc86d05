/** `switchyard lab clean`: removes the leftovers of crashed labs and test runs. */
import { cleanLabs, formatClean } from '../../lab/index.js';
import { type Command, UsageError } from '../command.js';
import { parseFlags } from '../flags.js';
import { noPositionals, pathsFor, requireRoot } from './lab-env.js';

export const labCleanCommand: Command = {
  name: 'lab clean',
  summary: 'remove leftovers of crashed runs (namespaces, processes, files)',
  usage: `usage: switchyard lab clean [--dry-run] [--scope PREFIX]

Finds every network namespace named sy-… and decides, with a reason for each:
  - a namespace of a lab with a lease (SWITCHYARD_RUN_DIR/labs, default /run/switchyard/labs)
    goes when the lab is dead: its owner process is gone, or (for a lab from "up") its state
    file is gone;
  - any other sy-<id>-… namespace belongs to test run <id> and goes when no process of that
    run (environment SY_RUN_ID=<id>) is alive.
Processes inside removed namespaces are ended first; dead leases and state files are removed.

  --dry-run        say what would be removed, remove nothing
  --scope PREFIX   only consider names starting with PREFIX (default sy-)`,
  async run(args, ctx) {
    const parsed = parseFlags(args, {
      'dry-run': { type: 'boolean', default: false },
      scope: { type: 'string' },
    });
    noPositionals('lab clean', parsed.positionals);
    const scope = parsed.flags.scope;
    if (typeof scope === 'string' && !scope.startsWith('sy-')) {
      throw new UsageError(`--scope: must start with "sy-", got "${scope}"`);
    }
    requireRoot('lab clean');
    const dryRun = parsed.flags['dry-run'] === true;
    const report = await cleanLabs({
      paths: pathsFor(ctx),
      dryRun,
      ...(typeof scope === 'string' ? { scope } : {}),
    });
    ctx.stdout.write(formatClean(report, dryRun));
    return 0;
  },
};
