/** `switchyard scheduler`: places pods on nodes by filter and score (controlplane/scheduler). */
import { runScheduler } from '../../controlplane/scheduler/main.js';
import { parseLogLevel } from '../../lib/obs/index.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';

export const schedulerCommand: Command = {
  name: 'scheduler',
  summary: 'run the scheduler (filter and score plugins, binds pods through pods/binding)',
  usage: `usage: switchyard scheduler [--kubeconfig FILE] [flags]

  --kubeconfig FILE        API server credentials (default $KUBECONFIG, then ~/.kube/config)
  --scheduler-name NAME    schedule pods with this spec.schedulerName (default default-scheduler)
  --log-level LEVEL        debug, info, warn or error (default info)
  --metrics-addr HOST:PORT serve /metrics, /healthz and /readyz`,
  async run(args, ctx) {
    const { flags } = parseFlags(args, {
      kubeconfig: { type: 'string' },
      'scheduler-name': { type: 'string' },
      'log-level': { type: 'string' },
      'metrics-addr': { type: 'string' },
    });
    const str = (name: string): string | undefined =>
      typeof flags[name] === 'string' ? (flags[name] as string) : undefined;
    const level = str('log-level');
    return runScheduler(
      {
        ...(str('kubeconfig') ? { kubeconfig: str('kubeconfig') as string } : {}),
        ...(level ? { logLevel: parseLogLevel(level) } : {}),
        ...(str('metrics-addr') ? { metricsAddr: str('metrics-addr') as string } : {}),
        ...(str('scheduler-name') ? { schedulerName: str('scheduler-name') as string } : {}),
      },
      ctx.stderr,
    );
  },
};
