/** `switchyard scheduler`: places pods on nodes by filter and score (controlplane/scheduler). */
import { runScheduler } from '../../controlplane/scheduler/main.js';
import type { Command } from '../command.js';
import { COMPONENT_FLAGS, componentFlags, componentFlagsUsage, parseFlags, stringField } from '../flags.js';

export const schedulerCommand: Command = {
  name: 'scheduler',
  summary: 'run the scheduler (filter and score plugins, binds pods through pods/binding)',
  usage: `usage: switchyard scheduler [--kubeconfig FILE] [flags]

  --scheduler-name NAME    schedule pods with this spec.schedulerName (default default-scheduler)
${componentFlagsUsage(27)}`,
  async run(args, ctx) {
    const parsed = parseFlags(args, { ...COMPONENT_FLAGS, 'scheduler-name': { type: 'string' } });
    return runScheduler(
      { ...componentFlags(parsed), ...stringField(parsed, 'scheduler-name', 'schedulerName') },
      ctx.stderr,
    );
  },
};
